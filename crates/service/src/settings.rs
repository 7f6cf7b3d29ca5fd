//! The person's preferences, kept in the store's settings table (the CLI reads the same keys).
//! Every change is checked here, so a page can never store something the app cannot use.

use std::path::{Path, PathBuf};

use evolink::Orientation;
use serde::{Deserialize, Serialize};
use sora_engine::Store;

use crate::Problem;

pub use sora_core::paths::SETTING_LIBRARY_DIR as KEY_LIBRARY_DIR;
pub const KEY_NOTIFICATIONS: &str = "notifications";
pub const KEY_THEME: &str = "theme";
pub const KEY_DEFAULT_ORIENTATION: &str = "default_orientation";
pub const KEY_DEFAULT_DURATION: &str = "default_duration";
/// The same keys `sora-desk-cli` reads (defined once, in `sora-core`).
pub use sora_core::paths::{
    SETTING_API_BASE as KEY_API_BASE, SETTING_FILES_BASE as KEY_FILES_BASE,
};
pub const KEY_CALLBACK_URL: &str = "callback_url";
pub const KEY_DEMO: &str = "demo_mode";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    System,
    Light,
    Dark,
}

/// What the settings screen shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Settings {
    pub library_dir: String,
    pub notifications: bool,
    pub theme: Theme,
    pub default_orientation: Orientation,
    pub default_duration: u32,
    /// The task API in use ("" never: the default is shown).
    pub api_base: String,
    pub files_base: String,
    pub callback_url: Option<String>,
}

/// A change from the settings screen: only the fields present change. For the text fields,
/// an empty string restores the default (no webhook, EvoLink's own hosts).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsChange {
    pub library_dir: Option<String>,
    pub notifications: Option<bool>,
    pub theme: Option<Theme>,
    pub default_orientation: Option<Orientation>,
    pub default_duration: Option<u32>,
    pub api_base: Option<String>,
    pub files_base: Option<String>,
    pub callback_url: Option<String>,
}

/// The lengths the app's model accepts.
pub fn durations() -> &'static [u32] {
    evolink::model_spec(evolink::DEFAULT_MODEL).map_or(&[4, 8, 12], |m| m.durations)
}

pub fn orientation_name(orientation: Orientation) -> &'static str {
    match orientation {
        Orientation::Landscape => "landscape",
        Orientation::Portrait => "portrait",
    }
}

/// A settings value as stored: plain text, absent when it was never set.
pub fn stored(store: &Store, key: &str) -> Option<String> {
    store.setting(key).ok().flatten().filter(|v| !v.is_empty())
}

pub fn notifications(store: &Store) -> bool {
    stored(store, KEY_NOTIFICATIONS).as_deref() != Some("off")
}

pub fn theme(store: &Store) -> Theme {
    match stored(store, KEY_THEME).as_deref() {
        Some("light") => Theme::Light,
        Some("dark") => Theme::Dark,
        _ => Theme::System,
    }
}

pub fn default_orientation(store: &Store) -> Orientation {
    match stored(store, KEY_DEFAULT_ORIENTATION).as_deref() {
        Some("portrait") => Orientation::Portrait,
        _ => Orientation::Landscape,
    }
}

pub fn default_duration(store: &Store) -> u32 {
    stored(store, KEY_DEFAULT_DURATION)
        .and_then(|v| v.parse().ok())
        .filter(|d| durations().contains(d))
        .unwrap_or(4)
}

/// Checks a change completely before anything is written, so a refused change leaves every
/// setting as it was. Returns the normalised values to store.
pub fn validate(change: &SettingsChange) -> Result<Vec<(&'static str, String)>, Problem> {
    let mut writes = Vec::new();
    if let Some(dir) = &change.library_dir {
        writes.push((
            KEY_LIBRARY_DIR,
            check_library_dir(dir)?.display().to_string(),
        ));
    }
    if let Some(on) = change.notifications {
        writes.push((KEY_NOTIFICATIONS, if on { "on" } else { "off" }.into()));
    }
    if let Some(theme) = change.theme {
        let name = match theme {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        };
        writes.push((KEY_THEME, name.into()));
    }
    if let Some(orientation) = change.default_orientation {
        writes.push((
            KEY_DEFAULT_ORIENTATION,
            orientation_name(orientation).into(),
        ));
    }
    if let Some(duration) = change.default_duration {
        if !durations().contains(&duration) {
            return Err(Problem::invalid("A video lasts 4, 8 or 12 seconds."));
        }
        writes.push((KEY_DEFAULT_DURATION, duration.to_string()));
    }
    for (key, value) in [
        (KEY_API_BASE, &change.api_base),
        (KEY_FILES_BASE, &change.files_base),
    ] {
        if let Some(value) = value {
            writes.push((key, check_base_url(value)?));
        }
    }
    if let Some(url) = &change.callback_url {
        let url = url.trim();
        if !url.is_empty() {
            evolink::validate_callback_url(url)
                .map_err(|e| Problem::new("invalid_argument", e.message().to_string(), false))?;
        }
        writes.push((KEY_CALLBACK_URL, url.into()));
    }
    Ok(writes)
}

/// A host for the key to be sent to: HTTPS, or plain HTTP only on this computer (a local
/// proxy or the fake server), so the key never crosses a network unencrypted.
fn check_base_url(raw: &str) -> Result<String, Problem> {
    let raw = raw.trim().trim_end_matches('/');
    if raw.is_empty() {
        return Ok(String::new());
    }
    let refuse = |why: &str| Problem::invalid(format!("“{raw}” can't be used: {why}"));
    let url = url::Url::parse(raw).map_err(|_| refuse("it is not a web address."))?;
    let local = match url.host() {
        Some(url::Host::Domain(name)) => name == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => {}
        "http" if local => {}
        "http" => {
            return Err(refuse(
                "it must start with https:// (plain http is only allowed for this computer).",
            ))
        }
        _ => return Err(refuse("it must start with https://.")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("it must not contain a user name or password."));
    }
    Ok(raw.to_string())
}

/// A folder the library can live in: absolute, creatable, writable.
pub fn check_library_dir(raw: &str) -> Result<PathBuf, Problem> {
    let path = PathBuf::from(raw.trim());
    if !path.is_absolute() {
        return Err(Problem::invalid("Choose a folder with its full path."));
    }
    let refuse = |e: std::io::Error| {
        Problem::new(
            "library_folder",
            format!(
                "Videos can't be saved in {} ({e}). Choose another folder.",
                path.display()
            ),
            false,
        )
    };
    std::fs::create_dir_all(&path).map_err(refuse)?;
    probe_writable(&path).map_err(refuse)?;
    Ok(path)
}

fn probe_writable(dir: &Path) -> std::io::Result<()> {
    let probe = dir.join(".sora-desk-write-test");
    std::fs::write(&probe, b"")?;
    std::fs::remove_file(&probe)
}

pub fn save(store: &Store, writes: &[(&'static str, String)]) -> Result<(), Problem> {
    for (key, value) in writes {
        store.set_setting(key, value)?;
    }
    Ok(())
}
