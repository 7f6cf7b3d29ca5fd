//! Where the app keeps its things, and which EvoLink hosts it talks to.
//!
//! The app and the CLI read the same overrides (for tests, support and people behind a proxy):
//! `SORA_DESK_DATA_DIR`, `SORA_DESK_LIBRARY_DIR`, `SORA_DESK_API_BASE`, `SORA_DESK_FILES_BASE`.
//! Everything here takes the environment as a lookup function so tests never touch the real
//! process environment or the user's folders.

use std::path::PathBuf;

use serde::Serialize;

use crate::APP_IDENTIFIER;

pub const ENV_DATA_DIR: &str = "SORA_DESK_DATA_DIR";
pub const ENV_LIBRARY_DIR: &str = "SORA_DESK_LIBRARY_DIR";

// The EvoLink hosts and their overrides are the client's to define.
pub use evolink::{DEFAULT_API_BASE, DEFAULT_FILES_BASE, ENV_API_BASE, ENV_FILES_BASE};

/// Keys of the person's choices in the task store's settings table, read by the app and by
/// `sora-desk-cli` alike. The environment overrides win over them.
pub const SETTING_LIBRARY_DIR: &str = "library_dir";
pub const SETTING_API_BASE: &str = "api_base";
pub const SETTING_FILES_BASE: &str = "files_base";

/// Name of the library subfolder inside the user's Videos folder.
pub const LIBRARY_FOLDER_NAME: &str = "Sora Desk";

/// The folders the app writes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppPaths {
    /// Private app data: the task database, settings, caches.
    pub data_dir: PathBuf,
    /// Where finished videos are saved, for people to find outside the app.
    pub library_dir: PathBuf,
}

impl AppPaths {
    /// Folders for this machine, honouring the overrides.
    pub fn from_env() -> Self {
        Self::resolve(
            &|name| std::env::var_os(name).map(PathBuf::from),
            &SystemFolders,
        )
    }

    /// The library folder chosen in settings (`chosen`) replaces the OS default, never a folder
    /// named by `SORA_DESK_LIBRARY_DIR` (`library_from_env`).
    pub fn with_chosen_library(mut self, library_from_env: bool, chosen: Option<String>) -> Self {
        if let Some(chosen) = chosen.filter(|c| !c.is_empty() && !library_from_env) {
            self.library_dir = PathBuf::from(chosen);
        }
        self
    }

    /// Resolution with the environment and the OS folders supplied by the caller.
    pub fn resolve(env: &dyn Fn(&str) -> Option<PathBuf>, os: &dyn OsFolders) -> Self {
        let non_empty = |name: &str| env(name).filter(|p| !p.as_os_str().is_empty());
        let home = os.home().unwrap_or_else(std::env::temp_dir);
        let data_dir = non_empty(ENV_DATA_DIR).unwrap_or_else(|| {
            os.data()
                .unwrap_or_else(|| home.join(".local").join("share"))
                .join(APP_IDENTIFIER)
        });
        let library_dir = non_empty(ENV_LIBRARY_DIR).unwrap_or_else(|| {
            os.videos()
                .unwrap_or_else(|| home.join("Videos"))
                .join(LIBRARY_FOLDER_NAME)
        });
        Self {
            data_dir,
            library_dir,
        }
    }
}

/// The OS's standard folders; a trait so tests can pretend to be any machine.
pub trait OsFolders {
    fn home(&self) -> Option<PathBuf>;
    fn data(&self) -> Option<PathBuf>;
    fn videos(&self) -> Option<PathBuf>;
}

/// The real folders of this machine (XDG on Linux, Known Folders on Windows, macOS standard).
pub struct SystemFolders;

impl OsFolders for SystemFolders {
    fn home(&self) -> Option<PathBuf> {
        dirs::home_dir()
    }
    fn data(&self) -> Option<PathBuf> {
        dirs::data_dir()
    }
    fn videos(&self) -> Option<PathBuf> {
        dirs::video_dir()
    }
}

/// Whether the key may be sent to `base` when it was chosen in settings: EvoLink's own servers
/// (https, an address ending in evolink.ai), or a host an environment override names (a proxy
/// or the fake server, which whoever started the app chose). Settings naming any other host
/// are refused when made and ignored when read, so a page that went wrong cannot send the key
/// anywhere else.
pub fn key_may_go_to(base: &str, named_by_env: &[String]) -> bool {
    use evolink::reqwest::Url;
    let Ok(url) = Url::parse(base.trim()) else {
        return false;
    };
    let evolinks = url.scheme() == "https"
        && url
            .host_str()
            .is_some_and(|host| host == "evolink.ai" || host.ends_with(".evolink.ai"));
    evolinks
        || named_by_env
            .iter()
            .filter_map(|named| Url::parse(named.trim()).ok())
            .any(|named| named.origin() == url.origin())
}

/// The EvoLink hosts: the task API and the file API are separate hosts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Endpoints {
    pub api_base: String,
    pub files_base: String,
}

impl Endpoints {
    pub fn from_env() -> Self {
        Self::resolve(&|name| std::env::var(name).ok())
    }

    /// The environment wins, then the hosts chosen in settings (`setting(key)`), then
    /// EvoLink's own.
    pub fn resolve_with_settings(
        env: &dyn Fn(&str) -> Option<String>,
        setting: &dyn Fn(&str) -> Option<String>,
    ) -> Self {
        let named_by_env: Vec<String> = [ENV_API_BASE, ENV_FILES_BASE]
            .into_iter()
            .filter_map(env)
            .collect();
        Self::resolve(&|name| {
            let key = if name == ENV_API_BASE {
                SETTING_API_BASE
            } else {
                SETTING_FILES_BASE
            };
            env(name).filter(|v| !v.trim().is_empty()).or_else(|| {
                setting(key).filter(|v| v.trim().is_empty() || key_may_go_to(v, &named_by_env))
            })
        })
    }

    pub fn resolve(env: &dyn Fn(&str) -> Option<String>) -> Self {
        let base = |name: &str, default: &str| {
            env(name)
                .map(|v| v.trim().trim_end_matches('/').to_string())
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| default.to_string())
        };
        Self {
            api_base: base(ENV_API_BASE, DEFAULT_API_BASE),
            files_base: base(ENV_FILES_BASE, DEFAULT_FILES_BASE),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Machine {
        videos: Option<PathBuf>,
    }

    impl OsFolders for Machine {
        fn home(&self) -> Option<PathBuf> {
            Some(PathBuf::from("/home/ada"))
        }
        fn data(&self) -> Option<PathBuf> {
            Some(PathBuf::from("/home/ada/.local/share"))
        }
        fn videos(&self) -> Option<PathBuf> {
            self.videos.clone()
        }
    }

    fn no_env(_: &str) -> Option<PathBuf> {
        None
    }

    #[test]
    fn defaults_follow_the_os_folders() {
        let os = Machine {
            videos: Some(PathBuf::from("/home/ada/Films")),
        };
        let paths = AppPaths::resolve(&no_env, &os);
        assert_eq!(
            paths.data_dir,
            PathBuf::from("/home/ada/.local/share/app.soradesk.desktop")
        );
        assert_eq!(
            paths.library_dir,
            PathBuf::from("/home/ada/Films/Sora Desk")
        );
    }

    #[test]
    fn library_falls_back_to_home_videos_when_the_os_has_no_videos_folder() {
        let paths = AppPaths::resolve(&no_env, &Machine { videos: None });
        assert_eq!(
            paths.library_dir,
            PathBuf::from("/home/ada/Videos/Sora Desk")
        );
    }

    #[test]
    fn overrides_win_and_empty_overrides_are_ignored() {
        let env = |name: &str| match name {
            ENV_DATA_DIR => Some(PathBuf::from("/tmp/data")),
            ENV_LIBRARY_DIR => Some(PathBuf::new()),
            _ => None,
        };
        let paths = AppPaths::resolve(&env, &Machine { videos: None });
        assert_eq!(paths.data_dir, PathBuf::from("/tmp/data"));
        assert_eq!(
            paths.library_dir,
            PathBuf::from("/home/ada/Videos/Sora Desk")
        );
    }

    #[test]
    fn endpoints_default_to_evolink_and_accept_overrides_without_trailing_slash() {
        assert_eq!(
            Endpoints::resolve(&|_| None),
            Endpoints {
                api_base: DEFAULT_API_BASE.into(),
                files_base: DEFAULT_FILES_BASE.into()
            }
        );
        let env = |name: &str| (name == ENV_API_BASE).then(|| " http://127.0.0.1:9/ ".to_string());
        let endpoints = Endpoints::resolve(&env);
        assert_eq!(endpoints.api_base, "http://127.0.0.1:9");
        assert_eq!(endpoints.files_base, DEFAULT_FILES_BASE);
    }

    #[test]
    fn settings_choose_hosts_and_library_but_the_environment_wins() {
        let setting = |key: &str| match key {
            SETTING_API_BASE => Some("https://eu.api.evolink.ai/v/".to_string()),
            SETTING_FILES_BASE => Some("  ".to_string()),
            _ => None,
        };
        let from_settings = Endpoints::resolve_with_settings(&|_| None, &setting);
        assert_eq!(from_settings.api_base, "https://eu.api.evolink.ai/v");
        assert_eq!(
            from_settings.files_base, DEFAULT_FILES_BASE,
            "a blank setting is no choice"
        );
        let env = |name: &str| (name == ENV_API_BASE).then(|| "http://127.0.0.1:8787".to_string());
        let both = Endpoints::resolve_with_settings(&env, &setting);
        assert_eq!(both.api_base, "http://127.0.0.1:8787");
        let blank_env = |_: &str| Some(" ".to_string());
        assert_eq!(
            Endpoints::resolve_with_settings(&blank_env, &setting).api_base,
            "https://eu.api.evolink.ai/v"
        );

        let paths = AppPaths {
            data_dir: PathBuf::from("/d"),
            library_dir: PathBuf::from("/home/ada/Videos/Sora Desk"),
        };
        let chosen = Some("/media/films".to_string());
        assert_eq!(
            paths
                .clone()
                .with_chosen_library(false, chosen.clone())
                .library_dir,
            PathBuf::from("/media/films")
        );
        assert_eq!(
            paths.clone().with_chosen_library(true, chosen).library_dir,
            paths.library_dir,
            "SORA_DESK_LIBRARY_DIR wins"
        );
        assert_eq!(
            paths
                .clone()
                .with_chosen_library(false, Some(String::new()))
                .library_dir,
            paths.library_dir
        );
    }

    /// A host stored in settings that is neither EvoLink's nor named by the environment is
    /// ignored: the key goes to EvoLink's own host instead.
    #[test]
    fn a_stored_host_the_key_may_not_go_to_is_ignored() {
        let setting = |key: &str| match key {
            SETTING_API_BASE => Some("https://evolink.ai.example.com".to_string()),
            SETTING_FILES_BASE => Some("http://127.0.0.1:9911/files".to_string()),
            _ => None,
        };
        let none = Endpoints::resolve_with_settings(&|_| None, &setting);
        assert_eq!(none.api_base, DEFAULT_API_BASE);
        assert_eq!(none.files_base, DEFAULT_FILES_BASE);
        // The environment names the loopback proxy: its other paths may be chosen.
        let env = |name: &str| (name == ENV_API_BASE).then(|| "http://127.0.0.1:9911".to_string());
        let named = Endpoints::resolve_with_settings(&env, &setting);
        assert_eq!(named.files_base, "http://127.0.0.1:9911/files");
    }

    #[test]
    fn the_key_may_go_to_evolinks_servers_and_hosts_the_environment_names() {
        let none: &[String] = &[];
        for base in [
            "https://api.evolink.ai",
            "https://files-api.evolink.ai/",
            "https://beta-api.evolink.ai",
            "https://evolink.ai",
            "https://API.EVOLINK.AI",
        ] {
            assert!(key_may_go_to(base, none), "{base}");
        }
        for base in [
            "http://api.evolink.ai",
            "https://evolink.ai.example.com",
            "https://notevolink.ai",
            "https://api.example.com",
            "http://127.0.0.1:8787",
            "http://localhost:8787",
            "not a web address",
        ] {
            assert!(!key_may_go_to(base, none), "{base}");
        }
        let proxy = ["https://proxy.example:8443/v1".to_string()];
        assert!(key_may_go_to("https://proxy.example:8443/files", &proxy));
        assert!(
            !key_may_go_to("https://proxy.example/files", &proxy),
            "another port"
        );
        assert!(
            !key_may_go_to("http://proxy.example:8443", &proxy),
            "another scheme"
        );
    }
}
