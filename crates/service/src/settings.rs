//! The person's preferences, kept in the store's settings table (the CLI reads the same keys).
//! Every change is checked here, so a page can never store something the app cannot use.

use std::path::{Path, PathBuf};

use std::collections::BTreeMap;

use evolink::models::{manifest, unknown_model, Choices, PictureRoles};
use serde::{Deserialize, Serialize};
use sora_engine::Store;

use crate::problem::Words;
use crate::Problem;
use sora_words::Lang;

pub use sora_core::paths::SETTING_LIBRARY_DIR as KEY_LIBRARY_DIR;
pub const KEY_NOTIFICATIONS: &str = "notifications";
pub const KEY_THEME: &str = "theme";
pub const KEY_LANGUAGE: &str = "language";
/// The language setting that follows the system's (`Lang::system()`).
pub const LANGUAGE_SYSTEM: &str = "system";
pub const KEY_DEFAULT_MODEL: &str = "default_model";
/// Each model's last choices are kept under `choices.<model id>`, as JSON.
const CHOICES_PREFIX: &str = "choices.";
/// Sora's shape and length from before the app had other models: the first choices offered
/// for Sora 2 until it is used again.
const KEY_OLD_ORIENTATION: &str = "default_orientation";
const KEY_OLD_DURATION: &str = "default_duration";
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
    /// The language the app speaks: "system" (the system's), "en" or "zh-CN".
    pub language: String,
    /// The model Compose opens with (a manifest id).
    pub default_model: String,
    /// Each model's last choices, by manifest id.
    pub model_choices: BTreeMap<String, Choices>,
    /// The task API in use ("" never: the default is shown).
    pub api_base: String,
    pub files_base: String,
    pub callback_url: Option<String>,
    /// Videos made at once per account (the queue's slots).
    pub max_active: u32,
    /// Credits per day; `None`: no limit.
    pub daily_limit: Option<f64>,
    /// Whether Sora Desk looks for a newer version by itself, at most once a day.
    pub auto_update_check: bool,
}

/// A change from the settings screen: only the fields present change. For the text fields,
/// an empty string restores the default (no webhook, EvoLink's own hosts).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsChange {
    pub library_dir: Option<String>,
    pub notifications: Option<bool>,
    pub theme: Option<Theme>,
    /// "system", "en" or "zh-CN".
    pub language: Option<String>,
    pub default_model: Option<String>,
    pub api_base: Option<String>,
    pub files_base: Option<String>,
    pub callback_url: Option<String>,
    pub max_active: Option<u32>,
    /// `null` removes the limit, so "absent" and "null" differ.
    #[serde(default, deserialize_with = "present")]
    pub daily_limit: Option<Option<f64>>,
    pub auto_update_check: Option<bool>,
}

/// A field that may be `null`: present (`Some`, perhaps `Some(None)`) or absent (`None`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
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

/// The language the person chose: `None` follows the system's.
pub fn language(store: &Store) -> Option<Lang> {
    stored(store, KEY_LANGUAGE).and_then(|tag| Lang::from_tag(&tag))
}

/// The language setting as the settings screen shows it: "system" or a language's tag.
pub fn language_setting(store: &Store) -> String {
    language(store)
        .map_or(LANGUAGE_SYSTEM, Lang::tag)
        .to_string()
}

/// The model Compose opens with: the person's choice while the manifest still has it.
pub fn default_model(store: &Store) -> String {
    stored(store, KEY_DEFAULT_MODEL)
        .filter(|id| manifest().model(id).is_some())
        .unwrap_or_else(|| manifest().default.clone())
}

/// Each model's last choices that the model still takes (a manifest update may have dropped
/// a length or a quality: those choices are forgotten rather than offered).
pub fn model_choices(store: &Store) -> BTreeMap<String, Choices> {
    let mut all = BTreeMap::new();
    for model in &manifest().models {
        let saved = stored(store, &format!("{CHOICES_PREFIX}{}", model.id))
            .and_then(|json| serde_json::from_str::<Choices>(&json).ok())
            .or_else(|| {
                (model.id == manifest().default)
                    .then(|| old_sora_choices(store))
                    .flatten()
            });
        if let Some(choices) = saved {
            if model.settle(&choices, PictureRoles::default()).is_ok() {
                all.insert(model.id.clone(), choices);
            }
        }
    }
    all
}

/// Sora's shape and length as the Settings of the previous version kept them.
fn old_sora_choices(store: &Store) -> Option<Choices> {
    let aspect =
        stored(store, KEY_OLD_ORIENTATION).map(|o| if o == "portrait" { "9:16" } else { "16:9" });
    let duration = stored(store, KEY_OLD_DURATION).and_then(|d| d.parse().ok());
    (aspect.is_some() || duration.is_some()).then(|| Choices {
        aspect: aspect.map(str::to_string),
        duration,
        ..Choices::default()
    })
}

/// Remembers what was chosen for a model, offered again next time it is picked. The seed and
/// the things to avoid belong to one video and are not carried over.
pub fn remember_choices(store: &Store, model_id: &str, choices: &Choices) -> Result<(), Problem> {
    let kept = Choices {
        seed: None,
        negative_prompt: None,
        ..choices.clone()
    };
    let json = serde_json::to_string(&kept).map_err(|e| {
        Problem::invalid(
            Words::new("problem.invalid_argument.choices").with("detail", e.to_string()),
        )
    })?;
    store.set_setting(&format!("{CHOICES_PREFIX}{model_id}"), &json)?;
    Ok(())
}

/// Checks a change completely before anything is written, so a refused change leaves every
/// setting as it was. Returns the normalised values to store.
pub fn validate(
    change: &SettingsChange,
    hosts_named_by_env: &[String],
) -> Result<Vec<(&'static str, String)>, Problem> {
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
    if let Some(on) = change.auto_update_check {
        writes.push((
            crate::updates::KEY_AUTO_CHECK,
            if on { "on" } else { "off" }.into(),
        ));
    }
    if let Some(theme) = change.theme {
        let name = match theme {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        };
        writes.push((KEY_THEME, name.into()));
    }
    if let Some(language) = &change.language {
        if language != LANGUAGE_SYSTEM && Lang::from_tag(language).is_none() {
            let mut refused = Problem::invalid(
                Words::new("problem.invalid_argument.language").with("value", language.as_str()),
            );
            refused.field = Some("language");
            return Err(refused);
        }
        writes.push((KEY_LANGUAGE, language.clone()));
    }
    if let Some(model) = &change.default_model {
        if manifest().model(model).is_none() {
            return Err(Problem::invalid(unknown_model(model).message));
        }
        writes.push((KEY_DEFAULT_MODEL, model.clone()));
    }
    for (key, value) in [
        (KEY_API_BASE, &change.api_base),
        (KEY_FILES_BASE, &change.files_base),
    ] {
        if let Some(value) = value {
            writes.push((key, check_base_url(value, hosts_named_by_env)?));
        }
    }
    if let Some(url) = &change.callback_url {
        let url = url.trim();
        if !url.is_empty() {
            evolink::validate_callback_url(url)
                .map_err(|e| Problem::new("invalid_argument", e.message().clone(), false))?;
        }
        writes.push((KEY_CALLBACK_URL, url.into()));
    }
    Ok(writes)
}

/// A host for the key to be sent to: HTTPS, or plain HTTP only on this computer (a local
/// proxy or the fake server), so the key never crosses a network unencrypted; and EvoLink's
/// own or one the environment names (`sora_core::paths::key_may_go_to`).
fn check_base_url(raw: &str, hosts_named_by_env: &[String]) -> Result<String, Problem> {
    let raw = raw.trim().trim_end_matches('/');
    if raw.is_empty() {
        return Ok(String::new());
    }
    let refuse = |words: Words| Problem::invalid(words.with("address", raw));
    let url = url::Url::parse(raw)
        .map_err(|_| refuse(Words::new("problem.invalid_argument.address_not_web")))?;
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
            return Err(refuse(Words::new(
                "problem.invalid_argument.address_plain_http",
            )))
        }
        _ => {
            return Err(refuse(Words::new(
                "problem.invalid_argument.address_not_https",
            )))
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse(Words::new(
            "problem.invalid_argument.address_password",
        )));
    }
    if !sora_core::paths::key_may_go_to(raw, hosts_named_by_env) {
        return Err(refuse(Words::new(
            "problem.invalid_argument.address_not_evolink",
        )));
    }
    Ok(raw.to_string())
}

/// A folder the library can live in: absolute, creatable, writable.
pub fn check_library_dir(raw: &str) -> Result<PathBuf, Problem> {
    let path = PathBuf::from(raw.trim());
    if !path.is_absolute() {
        return Err(Problem::invalid(Words::new(
            "problem.invalid_argument.relative_folder",
        )));
    }
    let refuse = |e: std::io::Error| {
        Problem::new(
            "library_folder",
            Words::new("problem.library_folder")
                .with("path", path.display().to_string())
                .with("detail", e.to_string()),
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
