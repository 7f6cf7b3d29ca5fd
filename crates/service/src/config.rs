//! What the service is started with: folders, overrides from the environment, the keychain
//! entry, polling, the demo; and the choices that follow from them and the settings.

use std::path::PathBuf;
use std::time::Duration;

use evolink::{ApiKey, Client, ClientConfig};
use sora_core::{AppPaths, Endpoints};
use sora_engine::{EngineConfig, Store};
use sora_keychain::KeyVault;

use crate::{settings, Problem};

/// How the built-in demo behaves.
#[derive(Debug, Clone)]
pub struct DemoConfig {
    /// How much faster than EvoLink the fake server's clock runs (a real video takes minutes;
    /// a demo one should take well under a minute).
    pub time_scale: f64,
    /// Polling suited to a server on this computer.
    pub engine: EngineConfig,
}

impl Default for DemoConfig {
    fn default() -> Self {
        DemoConfig {
            time_scale: 6.0,
            engine: EngineConfig {
                first_poll_after: Duration::from_millis(800),
                poll_interval: (Duration::from_millis(800), Duration::from_millis(1200)),
                error_backoff: Duration::from_millis(500),
                max_backoff: Duration::from_secs(5),
                ..EngineConfig::default()
            },
        }
    }
}

/// Everything the service needs at start.
pub struct ServiceConfig {
    pub version: &'static str,
    /// Data folder, and the library folder from the environment or the OS default.
    pub paths: AppPaths,
    /// `SORA_DESK_LIBRARY_DIR` was set: it wins over the library folder chosen in settings.
    pub library_from_env: bool,
    /// `SORA_DESK_API_BASE` / `SORA_DESK_FILES_BASE`: they win over the settings.
    pub api_base_from_env: Option<String>,
    pub files_base_from_env: Option<String>,
    /// `EVOLINK_API_KEY`: used instead of the keychain when set.
    pub env_key: Option<String>,
    pub vault: KeyVault,
    pub engine: EngineConfig,
    pub demo: DemoConfig,
    /// Adjusts every EvoLink client (tests shorten timeouts).
    pub client_tuning: fn(ClientConfig) -> ClientConfig,
    /// Where the media server listens: bound on loopback beforehand by the app, whose page may
    /// load pictures and videos from that port alone (its CSP is written with the port).
    /// `None`: a free loopback port.
    pub media_listener: Option<std::net::TcpListener>,
}

impl ServiceConfig {
    /// The hosts the environment overrides name (a proxy, the fake server): settings may name
    /// them too.
    pub fn hosts_named_by_env(&self) -> Vec<String> {
        [&self.api_base_from_env, &self.files_base_from_env]
            .into_iter()
            .flatten()
            .cloned()
            .collect()
    }

    /// The app's configuration: this machine's folders, the overrides from the environment,
    /// the keychain entry of this build.
    pub fn from_env(version: &'static str) -> Self {
        let non_empty = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        ServiceConfig {
            version,
            paths: AppPaths::from_env(),
            library_from_env: non_empty(sora_core::paths::ENV_LIBRARY_DIR).is_some(),
            api_base_from_env: non_empty(evolink::ENV_API_BASE),
            files_base_from_env: non_empty(evolink::ENV_FILES_BASE),
            env_key: non_empty(evolink::ENV_API_KEY),
            vault: KeyVault::for_app(),
            engine: EngineConfig {
                // A command-line run may hold the store for a moment at launch.
                lock_wait: Duration::from_secs(5),
                ..EngineConfig::from_env()
            },
            demo: DemoConfig::default(),
            client_tuning: |c| c,
            media_listener: None,
        }
    }
}

/// The EvoLink hosts: the environment wins, then the settings, then EvoLink's own.
pub(crate) fn endpoints(config: &ServiceConfig, home: &Store) -> Endpoints {
    endpoints_with(config, &|key| settings::stored(home, key))
}

/// The endpoints with the settings `stored` gives (a change not saved yet, say).
pub(crate) fn endpoints_with(
    config: &ServiceConfig,
    stored: &dyn Fn(&str) -> Option<String>,
) -> Endpoints {
    Endpoints::resolve_with_settings(
        &|name| match name {
            evolink::ENV_API_BASE => config.api_base_from_env.clone(),
            _ => config.files_base_from_env.clone(),
        },
        stored,
    )
}

/// The library folder: the environment wins, then the settings, then the OS default.
pub(crate) fn library_dir(config: &ServiceConfig, home: &Store) -> PathBuf {
    config
        .paths
        .clone()
        .with_chosen_library(
            config.library_from_env,
            settings::stored(home, settings::KEY_LIBRARY_DIR),
        )
        .library_dir
}

pub(crate) fn make_client(
    config: &ServiceConfig,
    key: ApiKey,
    at: &Endpoints,
) -> Result<Client, Problem> {
    let mut client_config = ClientConfig::new(key).with_bases(&at.api_base, &at.files_base);
    client_config.app_version = config.version.to_string();
    Client::new((config.client_tuning)(client_config)).map_err(Problem::from)
}
