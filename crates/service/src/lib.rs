//! What the Sora Desk app does, without its window.
//!
//! The desktop shell (`src-tauri/`) exposes each method of [`Service`] as one IPC command and
//! forwards [`ServiceEvent`]s to the page; everything else lives here so it is tested with plain
//! `cargo test`. A service owns:
//!
//! - the **real world**: the task store, the engine and the EvoLink client of the person's key;
//! - the **demo world**, once demo mode was switched on: the fake EvoLink's [`Simulator`]
//!   (EvoLink's own routes only: no admin route, no fault) running inside the app on loopback,
//!   with a demo key and its own store and library folder. Both engines keep
//!   running side by side, so a paid task in flight carries on while someone plays with the demo;
//!   the page sees the world that is switched on;
//! - the **media server** that lets the page play saved videos (see `media.rs`).
//!
//! The API key only ever goes from the page into [`Service::set_key`]; nothing returns it.

mod config;
pub mod images;
pub mod media;
pub mod models;
pub mod pictures;
mod posters;
pub mod problem;
pub mod queue;
pub mod redact;
pub mod settings;
pub mod updates;
pub mod views;
mod world;

use crate::problem::Words;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use evolink::models::Choices;
use evolink::{ApiKey, Client};
use evolink_mock::{Simulator, SimulatorConfig};
use serde::{Deserialize, Serialize};
use sora_core::Endpoints;
use sora_engine::{Engine, ImageFit, ListQuery, Store, SubmitRequest};
use sora_keychain::{Source, Storage};
use tokio::sync::{broadcast, Mutex};

pub use images::{PrepareRequest, PreparedImage};
pub use media::MediaKind;
use problem::off_thread;
pub use problem::Problem;
pub use settings::{Settings, SettingsChange};
pub use sora_core::AppPaths;
pub use sora_engine::{EngineConfig, TaskState};
pub use sora_keychain::KeyVault;
pub use views::{ImageChoice, TaskView};

use media::{MediaServer, Resolver};
use world::{start_world, World};

use config::{endpoints, endpoints_with, library_dir, make_client};
pub use config::{DemoConfig, ServiceConfig};

/// The key of the built-in demo server. Not a secret: it opens nothing but the fake server
/// running inside the app.
pub const DEMO_KEY: &str = "sk-demo-sora-desk-0000";

/// Pages the app may open in the system browser; the page names a topic, never a URL.
pub fn help_url(topic: &str) -> Result<&'static str, Problem> {
    match topic {
        "get_key" => Ok("https://evolink.ai/dashboard"),
        "top_up" => Ok("https://evolink.ai/dashboard"),
        _ => Err(Problem::invalid(Words::new(
            "problem.invalid_argument.help_page",
        ))),
    }
}

/// What the app tells the page about itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppInfo {
    pub name: &'static str,
    pub version: &'static str,
    pub data_dir: String,
    pub library_dir: String,
    /// The task API is not EvoLink's own (a proxy, or a local server).
    pub custom_api: bool,
    /// The page shows the built-in demo.
    pub demo: bool,
    /// The language the app speaks, resolved: Settings' choice, or the system's for "system"
    /// (`en` or `zh-CN`).
    pub language: &'static str,
}

/// What the page may know about the key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyStatus {
    pub set: bool,
    /// Such as `sk-…9f3a`.
    pub hint: Option<String>,
    /// `keychain`, `session_only`, `environment` or `none`.
    pub storage: &'static str,
    /// Why no key could be read, when that is the case.
    pub problem: Option<ProblemNote>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProblemNote {
    pub code: &'static str,
    pub message: Words,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeySaved {
    pub status: KeyStatus,
    pub credits: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Balance {
    pub credits: Option<f64>,
    pub demo: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmitInput {
    pub prompt: String,
    /// The model's manifest id (`kling-v3`).
    pub model: String,
    #[serde(default)]
    pub choices: Choices,
    /// The first frame (the only picture of most models).
    #[serde(default)]
    pub image: Option<ImageChoice>,
    /// The last frame, for models that take one.
    #[serde(default)]
    pub last_image: Option<ImageChoice>,
    /// Versions of the video (1 to 4).
    #[serde(default = "one_take")]
    pub takes: u32,
}

fn one_take() -> u32 {
    1
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ListInput {
    pub states: Vec<TaskState>,
    pub search: String,
    pub favourites_only: bool,
    /// Only the takes of one prompt (`TaskView::takes_group`).
    pub takes_group: Option<String>,
    pub offset: u32,
    pub limit: u32,
}

/// Most tasks one page of the gallery may ask for.
pub const MAX_PAGE: u32 = 500;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskPage {
    pub tasks: Vec<TaskView>,
    pub total: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatsView {
    pub credits_used_total: f64,
    pub credits_used_30_days: f64,
    pub counts: std::collections::BTreeMap<TaskState, u64>,
    pub favourites: u64,
}

/// What the service tells the shell, which passes it on to the page.
#[derive(Debug, Clone, PartialEq)]
pub enum ServiceEvent {
    /// Tasks of the world on show changed (each as it is now).
    TasksChanged(Vec<TaskView>),
    BalanceChanged(Balance),
    /// EvoLink refused the person's key; work waits for a new one.
    KeyRefused(Words),
    /// Demo mode was switched on or off: everything on the page is to be read again.
    ModeChanged(AppInfo),
    /// The task store could not be written (Some: why) or can be again (None).
    StoreTrouble(Option<Words>),
    /// A task ended (in either world): the shell may notify the person. A task of a run
    /// (`batch_id`) is told about with its run ([`ServiceEvent::RunFinished`]).
    Finished {
        task: Box<TaskView>,
        demo: bool,
    },
    /// The queue of the world on show changed (sent with each batch of task changes).
    QueueChanged(Box<QueueView>),
    /// Every task of a run (a batch, or the takes of one prompt) ended.
    RunFinished {
        run: queue::RunView,
        demo: bool,
    },
}

pub use queue::QueueView;

/// What stopping a task did (docs/IPC.md, `stopTask`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StopResult {
    /// It was not paid yet and is gone.
    pub removed: bool,
    pub task: TaskView,
}

struct Worlds {
    real: World,
    demo: Option<World>,
}

struct Inner {
    config: ServiceConfig,
    home: Arc<Store>,
    media: Arc<MediaServer>,
    resolver: Arc<RwLock<Arc<Resolver>>>,
    worlds: Mutex<Worlds>,
    demo_on: Arc<AtomicBool>,
    /// Where the key in use came from (`None`: no key).
    key_source: std::sync::Mutex<Option<Source>>,
    events: broadcast::Sender<ServiceEvent>,
    /// Which models the key in use may use, as EvoLink last said.
    availability: std::sync::Mutex<models::Availability>,
    /// Pictures the person gave, by handle.
    pictures: pictures::Pictures,
}

/// The app's service; cheap to clone.
#[derive(Clone)]
pub struct Service {
    inner: Arc<Inner>,
}

/// What a command needs of the world on show.
struct Active {
    demo: bool,
    paths: AppPaths,
    store: Arc<Store>,
    engine: Result<Engine, Problem>,
    client: Option<Client>,
    posters: PathBuf,
}

impl Service {
    /// Opens the store, starts the engine (resuming every unfinished task) with the key from
    /// the environment or the keychain, starts the media server, and the demo if it was on.
    pub async fn start(mut config: ServiceConfig) -> Result<Service, Problem> {
        let home = Arc::new(Store::open_in(&config.paths.data_dir).map_err(|e| {
            Problem::new(
                "data_folder",
                Words::new("problem.data_folder.open")
                    .with("path", config.paths.data_dir.display().to_string())
                    .with("detail", e.to_string()),
                false,
            )
        })?);
        let resolver: Arc<RwLock<Arc<Resolver>>> = Arc::new(RwLock::new(Arc::new(|_, _| None)));
        let media = Arc::new(
            MediaServer::start(resolver.clone(), config.media_listener.take())
                .await
                .map_err(|e| {
                    Problem::internal(
                        Words::new("problem.internal.player").with("detail", e.to_string()),
                    )
                })?,
        );
        let (events, _) = broadcast::channel(256);
        let demo_on = Arc::new(AtomicBool::new(false));
        let vault = &config.vault;
        let env_key = config.env_key.clone();
        // The keychain may block (D-Bus, an unlock prompt): off the async threads.
        let resolved = blocking(|| vault.resolve(env_key.as_deref()));
        let (client, source) = match resolved {
            Ok(Some((key, source))) => (
                Some(make_client(&config, key, &endpoints(&config, &home))?),
                Some(source),
            ),
            _ => (None, None),
        };
        let paths = AppPaths {
            data_dir: config.paths.data_dir.clone(),
            library_dir: library_dir(&config, &home),
        };
        let real = start_world(
            &config.engine,
            false,
            paths,
            home.clone(),
            client,
            None,
            &events,
            &media,
            &demo_on,
        )?;
        let service = Service {
            inner: Arc::new(Inner {
                config,
                home,
                media,
                resolver,
                worlds: Mutex::new(Worlds { real, demo: None }),
                demo_on,
                key_source: std::sync::Mutex::new(source),
                events,
                availability: std::sync::Mutex::new(models::Availability::default()),
                pictures: pictures::Pictures::default(),
            }),
        };
        service.update_resolver().await;
        service.restore_kept_keys().await;
        if settings::stored(&service.inner.home, settings::KEY_DEMO).as_deref() == Some("on") {
            service.set_demo(true).await?;
        }
        Ok(service)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<ServiceEvent> {
        self.inner.events.subscribe()
    }

    /// The media server's base URL (for the page's content security policy and tests).
    pub fn media_base_url(&self) -> String {
        self.inner.media.base_url()
    }

    /// Stops both engines gracefully: a paid call in flight gets up to `limit` to record
    /// its answer. Recorded work resumes at the next start.
    pub async fn shutdown(&self, limit: Duration) {
        let mut worlds = self.inner.worlds.lock().await;
        let Worlds { real, demo } = &mut *worlds;
        for world in std::iter::once(real).chain(demo.as_mut()) {
            if let Some(handle) = world.handle.take() {
                handle.shutdown(limit).await;
            }
            world.stop_background();
        }
    }

    async fn active(&self) -> Active {
        let worlds = self.inner.worlds.lock().await;
        let world = match (&worlds.demo, self.is_demo()) {
            (Some(demo), true) => demo,
            _ => &worlds.real,
        };
        Active {
            demo: world.demo,
            paths: world.paths.clone(),
            store: world.store.clone(),
            engine: world.engine(),
            client: world.client.clone(),
            posters: world.posters_dir(),
        }
    }

    fn is_demo(&self) -> bool {
        self.inner.demo_on.load(Ordering::SeqCst)
    }

    fn view(&self, task: sora_engine::Task) -> TaskView {
        TaskView::new(task, &self.inner.media)
    }

    /// A task as the page should see it, with trouble the store could not record.
    fn view_of(&self, active: &Active, task: sora_engine::Task) -> TaskView {
        let task = match &active.engine {
            Ok(engine) => engine.with_unwritten(task),
            Err(_) => task,
        };
        self.view(task)
    }

    // ---- The app and the key ----

    pub async fn app_info(&self) -> AppInfo {
        let active = self.active().await;
        let endpoints = endpoints(&self.inner.config, &self.inner.home);
        AppInfo {
            name: sora_core::APP_NAME,
            version: self.inner.config.version,
            data_dir: self.inner.config.paths.data_dir.display().to_string(),
            library_dir: active.paths.library_dir.display().to_string(),
            custom_api: !active.demo && endpoints.api_base != evolink::DEFAULT_API_BASE,
            demo: active.demo,
            language: self.language().tag(),
        }
    }

    /// The language the app speaks now: Settings' choice, or the system's (`SORA_DESK_LANG`
    /// first) when the setting is "system". Native surfaces render in it when they show.
    pub fn language(&self) -> sora_words::Lang {
        settings::language(&self.inner.home).unwrap_or_else(sora_words::Lang::system)
    }

    pub async fn key_status(&self) -> KeyStatus {
        let source = *lock(&self.inner.key_source);
        if source == Some(Source::Environment) {
            let hint = self
                .inner
                .config
                .env_key
                .as_deref()
                .and_then(|k| ApiKey::new(k).ok())
                .map(|k| k.hint());
            return KeyStatus {
                set: true,
                hint,
                storage: "environment",
                problem: None,
            };
        }
        let status = self.blocking_vault(|vault| vault.status()).await;
        let problem = status.error.map(|code| ProblemNote {
            code,
            message: match code {
                "keychain_unavailable" => Words::new("problem.keychain_unavailable.status"),
                "keychain_denied" => Words::new("problem.keychain_denied.status"),
                "invalid_key" => Words::new("problem.invalid_key.status"),
                _ => Words::new("problem.keychain_failed.status"),
            },
        });
        KeyStatus {
            set: status.set,
            hint: status.hint,
            storage: storage_name(status.storage),
            problem,
        }
    }

    async fn blocking_vault<T: Send + 'static>(
        &self,
        f: impl FnOnce(&KeyVault) -> T + Send + 'static,
    ) -> T {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || f(&inner.config.vault))
            .await
            .expect("keychain calls do not panic")
    }

    /// Checks the key with a real balance call, then keeps it (in the keychain, or for this
    /// session only when the person chose that), and puts it to work. A key EvoLink refuses is
    /// never saved. Saving a key leaves demo mode: the person is ready for the real thing.
    pub async fn set_key(&self, key: String, session_only: bool) -> Result<KeySaved, Problem> {
        // Refused before anything is sent: the message says what is wrong with it, never it.
        let key = ApiKey::new(key.trim())
            .map_err(|e| Problem::new("invalid_key", e.message().clone(), false))?;
        let client = make_client(
            &self.inner.config,
            key.clone(),
            &endpoints(&self.inner.config, &self.inner.home),
        )?;
        let credits = client.credits().await.map_err(|e| match e.kind() {
            evolink::ErrorKind::BadKey => {
                Problem::new("bad_key", Words::new("problem.bad_key.not_accepted"), false)
            }
            _ => Problem::from(e),
        })?;
        let to_save = key.clone();
        let saved = if session_only {
            self.blocking_vault(move |vault| vault.set_for_session(&to_save))
                .await
        } else {
            self.blocking_vault(move |vault| vault.set(&to_save))
                .await?
        };
        *lock(&self.inner.key_source) = Some(if session_only {
            Source::Session
        } else {
            Source::Keychain
        });
        self.use_real_client(Some(client)).await;
        if self.is_demo() {
            self.set_demo(false).await?;
        }
        let balance = Balance {
            credits: credits.spendable(),
            demo: false,
        };
        let _ = self
            .inner
            .events
            .send(ServiceEvent::BalanceChanged(balance.clone()));
        Ok(KeySaved {
            // What was just saved; no need to ask the keychain again.
            status: KeyStatus {
                set: true,
                hint: Some(saved.hint),
                storage: storage_name(saved.storage),
                problem: None,
            },
            credits: balance.credits,
        })
    }

    /// Forgets the key (keychain and session). Tasks in flight wait until a key is set again.
    pub async fn clear_key(&self) -> Result<KeyStatus, Problem> {
        self.blocking_vault(|vault| vault.clear()).await?;
        let from_env = {
            let mut source = lock(&self.inner.key_source);
            // The environment's key cannot be removed from here; it stays in use.
            let from_env = *source == Some(Source::Environment);
            if !from_env {
                *source = None;
            }
            from_env
        };
        if !from_env {
            self.use_real_client(None).await;
        }
        Ok(self.key_status().await)
    }

    /// Puts a new client (key or hosts) to work for new tasks. A key being replaced or
    /// removed while videos made with it are still followed is kept for them in the
    /// keychain, under its account's fingerprint, so they finish with it after a restart too.
    async fn use_real_client(&self, client: Option<Client>) {
        let mut worlds = self.inner.worlds.lock().await;
        let old_key = worlds
            .real
            .client
            .as_ref()
            .map(|c| c.config().api_key.clone());
        let new_account = client.as_ref().map(Client::account);
        if let (Some(handle), Some(old_key)) = (&worlds.real.handle, old_key) {
            let old_account = old_key.fingerprint();
            let in_use = handle
                .engine
                .accounts_in_use()
                .is_ok_and(|accounts| accounts.contains(&old_account));
            if in_use && new_account.as_ref() != Some(&old_account) {
                let kept = self
                    .blocking_vault(move |vault| vault.keep_for_tasks(&old_key))
                    .await;
                match kept {
                    Ok(()) => log::info!("kept the previous key for the videos it is following"),
                    Err(e) => log::warn!(
                        "the previous key is kept for this session only ({})",
                        e.code()
                    ),
                }
            }
        }
        if let Some(handle) = &worlds.real.handle {
            handle.engine.set_client(client.clone());
        }
        worlds.real.client = client;
    }

    /// Videos still being made in either world: a paid video in flight counts while the demo
    /// is on show too (closing the window asks about it).
    pub async fn active_count(&self) -> u64 {
        // Counted by the store, not by reading every task: the tray asks on each change.
        let active = ListQuery {
            states: TaskState::ALL
                .into_iter()
                .filter(|s| s.is_active())
                .collect(),
            ..ListQuery::default()
        };
        let worlds = self.inner.worlds.lock().await;
        std::iter::once(&worlds.real)
            .chain(worlds.demo.as_ref())
            .map(|world| world.store.count(&active).unwrap_or(0))
            .sum()
    }

    /// Gives the engine the keys kept for tasks made with an earlier key.
    async fn restore_kept_keys(&self) {
        let worlds = self.inner.worlds.lock().await;
        let Some(handle) = &worlds.real.handle else {
            return;
        };
        let current = worlds.real.client.as_ref().map(Client::account);
        let accounts = handle.engine.accounts_in_use().unwrap_or_default();
        for account in accounts.into_iter().filter(|a| Some(a) != current.as_ref()) {
            let found = {
                let account = account.clone();
                self.blocking_vault(move |vault| vault.kept(&account)).await
            };
            match found {
                Ok(Some(key)) => handle.engine.add_key(key),
                Ok(None) => log::warn!("no key kept for account {account}; its videos wait for it"),
                Err(e) => log::warn!("a kept key could not be read ({})", e.code()),
            }
        }
    }

    pub async fn refresh_balance(&self) -> Result<Balance, Problem> {
        let active = self.active().await;
        let Some(client) = active.client else {
            return Err(no_key());
        };
        let credits = client.credits().await?.spendable();
        let balance = Balance {
            credits,
            demo: active.demo,
        };
        let _ = self
            .inner
            .events
            .send(ServiceEvent::BalanceChanged(balance.clone()));
        Ok(balance)
    }

    /// Switches the page to the built-in demo or back. The demo world starts the first time
    /// and then keeps running, as the real one does, so nobody's tasks stop half-way.
    pub async fn set_demo(&self, on: bool) -> Result<AppInfo, Problem> {
        if on {
            self.ensure_demo_world().await?;
        }
        self.inner.demo_on.store(on, Ordering::SeqCst);
        settings::save(
            &self.inner.home,
            &[(settings::KEY_DEMO, if on { "on" } else { "off" }.into())],
        )?;
        let info = self.app_info().await;
        let _ = self
            .inner
            .events
            .send(ServiceEvent::ModeChanged(info.clone()));
        Ok(info)
    }

    async fn ensure_demo_world(&self) -> Result<(), Problem> {
        let mut worlds = self.inner.worlds.lock().await;
        if worlds.demo.is_some() {
            return Ok(());
        }
        let config = &self.inner.config;
        let mock = Simulator::start(SimulatorConfig {
            key: DEMO_KEY.into(),
            time_scale: config.demo.time_scale,
            balance: 500.0,
            seed: std::process::id() as u64,
        })
        .await
        .map_err(|e| {
            Problem::internal(Words::new("problem.internal.demo").with("detail", e.to_string()))
        })?;
        let key = ApiKey::new(DEMO_KEY).expect("the demo key is well formed");
        let client = make_client(
            config,
            key,
            &Endpoints {
                api_base: mock.base_url(),
                files_base: mock.base_url(),
            },
        )?;
        let data_dir = config.paths.data_dir.join("demo");
        let store = Arc::new(Store::open_in(&data_dir)?);
        let paths = AppPaths {
            library_dir: data_dir.join("Videos"),
            data_dir,
        };
        let world = start_world(
            &config.demo.engine,
            true,
            paths,
            store,
            Some(client),
            Some(mock),
            &self.inner.events,
            &self.inner.media,
            &self.inner.demo_on,
        )?;
        worlds.demo = Some(world);
        drop(worlds);
        self.update_resolver().await;
        Ok(())
    }

    /// Points the media server at the stores of every running world.
    async fn update_resolver(&self) {
        let worlds = self.inner.worlds.lock().await;
        let places: Vec<(Arc<Store>, PathBuf)> = std::iter::once(&worlds.real)
            .chain(worlds.demo.as_ref())
            .map(|w| (w.store.clone(), w.posters_dir()))
            .collect();
        let resolve: Arc<Resolver> = Arc::new(move |kind, id| {
            if !is_task_id(id) {
                return None;
            }
            places.iter().find_map(|(store, posters_dir)| {
                let task = store.find(id).ok().flatten()?;
                let path = match kind {
                    MediaKind::Video => PathBuf::from(task.video_path?),
                    MediaKind::Poster => posters::poster_path(posters_dir, id),
                };
                path.is_file().then_some(path)
            })
        });
        *self
            .inner
            .resolver
            .write()
            .unwrap_or_else(|p| p.into_inner()) = resolve;
    }

    // ---- Settings ----

    pub async fn settings(&self) -> Settings {
        let home = &self.inner.home;
        let config = &self.inner.config;
        let active = self.active().await;
        let endpoints = endpoints(config, home);
        // The queue's limits are the world's own (the demo has its own queue).
        let rules = active.store.queue_rules().unwrap_or_default();
        Settings {
            library_dir: if active.demo {
                self.inner
                    .worlds
                    .lock()
                    .await
                    .real
                    .paths
                    .library_dir
                    .display()
                    .to_string()
            } else {
                active.paths.library_dir.display().to_string()
            },
            notifications: settings::notifications(home),
            theme: settings::theme(home),
            language: settings::language_setting(home),
            default_model: settings::default_model(home),
            model_choices: settings::model_choices(home),
            api_base: endpoints.api_base,
            files_base: endpoints.files_base,
            callback_url: settings::stored(home, settings::KEY_CALLBACK_URL),
            max_active: rules.max_active,
            daily_limit: rules.daily_limit,
            auto_update_check: updates::auto_check(home),
        }
    }

    /// Checks the whole change, stores it, and applies it: new hosts give the real engine a new
    /// client; a new library folder restarts the real engine on it (gracefully: a paid call in
    /// flight finishes first).
    pub async fn set_settings(&self, change: SettingsChange) -> Result<Settings, Problem> {
        let writes = settings::validate(&change, &self.inner.config.hosts_named_by_env())?;
        if change.max_active.is_some() || change.daily_limit.is_some() {
            let store = self.active().await.store;
            queue::set_limits(&store, change.max_active, change.daily_limit)?;
            self.queue_changed().await;
        }
        let config = &self.inner.config;
        // A new host gets the key only once it has accepted it: checked before anything is
        // saved, so a refusal leaves every setting (and every task) where it was.
        let mut new_client = None;
        if change.api_base.is_some() || change.files_base.is_some() {
            let home = &self.inner.home;
            let now = endpoints(config, home);
            let next = endpoints_with(
                config,
                &|key| match writes.iter().find(|(k, _)| *k == key) {
                    Some((_, value)) => Some(value.clone()).filter(|v| !v.is_empty()),
                    None => settings::stored(home, key),
                },
            );
            let source = *lock(&self.inner.key_source);
            if next != now && source.is_some() {
                let env_key = config.env_key.clone();
                let key = self
                    .blocking_vault(move |vault| vault.resolve(env_key.as_deref()))
                    .await?;
                if let Some((key, _)) = key {
                    let client = make_client(config, key, &next)?;
                    check_key_at(&client, &now, &next).await?;
                    new_client = Some(client);
                }
            }
        }
        settings::save(&self.inner.home, &writes)?;
        if let Some(client) = new_client {
            self.use_real_client(Some(client)).await;
        }
        if change.library_dir.is_some() && !config.library_from_env {
            self.restart_real_engine().await?;
        }
        Ok(self.settings().await)
    }

    /// Whether the automatic look for a newer version may run now (`updates::due`); when it
    /// may, the look is recorded at once, so two asks in a row make one check.
    pub fn update_check_due(&self) -> bool {
        let now = sora_engine::store::now();
        let home = &self.inner.home;
        updates::due(home, now) && updates::record_check(home, now).is_ok()
    }

    /// Records a look for updates the person asked for (it counts as the day's check).
    pub fn update_checked(&self) {
        if let Err(problem) = updates::record_check(&self.inner.home, sora_engine::store::now()) {
            log::warn!(
                "the time of the update check was not kept: {}",
                problem.message.english()
            );
        }
    }

    /// Waits until no paid call is in flight, in either world, and holds new ones back while
    /// the answer lives: what an update holds while it replaces the app.
    pub async fn hold_paid_calls(&self) -> Vec<sora_engine::PaidCallsHeld> {
        let engines: Vec<_> = {
            let worlds = self.inner.worlds.lock().await;
            std::iter::once(&worlds.real)
                .chain(worlds.demo.as_ref())
                .filter_map(|world| world.engine().ok())
                .collect()
        };
        let mut held = Vec::new();
        for engine in engines {
            held.push(engine.hold_paid_calls().await);
        }
        held
    }

    async fn restart_real_engine(&self) -> Result<(), Problem> {
        let config = &self.inner.config;
        let mut worlds = self.inner.worlds.lock().await;
        let real = &mut worlds.real;
        if let Some(handle) = real.handle.take() {
            handle.shutdown(Duration::from_secs(30)).await;
        }
        real.stop_background();
        let paths = AppPaths {
            data_dir: config.paths.data_dir.clone(),
            library_dir: library_dir(config, &self.inner.home),
        };
        let world = start_world(
            &config.engine,
            false,
            paths,
            real.store.clone(),
            real.client.clone(),
            None,
            &self.inner.events,
            &self.inner.media,
            &self.inner.demo_on,
        )?;
        worlds.real = world;
        Ok(())
    }

    // ---- Pictures ----

    /// Keeps a picture the person gave by their own gesture (a drop on the window, the file
    /// dialog's answer) and returns its handle for the page. Never for a path the page names.
    pub fn give_picture(&self, path: PathBuf) -> String {
        self.inner.pictures.give(path)
    }

    /// The picture behind a handle the page sent (the same refusal for anything else).
    async fn picture_path(&self, handle: &str) -> Result<PathBuf, Problem> {
        let store = self.active().await.store;
        self.inner.pictures.path(handle, &store)
    }

    /// A picture of a submission: the file its handle names, and how to fit it.
    async fn picture_choice(
        &self,
        choice: Option<ImageChoice>,
    ) -> Result<(Option<PathBuf>, ImageFit), Problem> {
        let Some(choice) = choice else {
            return Ok((None, ImageFit::default()));
        };
        let path = self.picture_path(&choice.picture).await?;
        pictures::check_still_there(&path)?;
        if let Some(crop) = &choice.crop {
            images::check_crop(crop)?;
        }
        Ok((
            Some(path),
            ImageFit {
                framing: choice.framing,
                focus: None,
                crop: choice.crop,
            },
        ))
    }

    pub async fn prepare_image(&self, request: PrepareRequest) -> Result<PreparedImage, Problem> {
        let path = self.picture_path(&request.picture).await?;
        images::prepare(path, request).await
    }

    /// Keeps a pasted picture among the app's data and returns its handle.
    pub async fn save_pasted_image(&self, bytes: Vec<u8>) -> Result<String, Problem> {
        let dir = self.inner.config.paths.data_dir.join("pasted");
        let path = off_thread(Words::new("problem.internal.paste_stopped"), move || {
            images::save_pasted(&dir, &bytes)
        })
        .await?;
        Ok(self.give_picture(path))
    }

    // ---- Tasks ----

    /// Records a task, made `takes` times (before anything is sent or paid), and starts it:
    /// it waits its turn in the queue.
    pub async fn submit(&self, input: SubmitInput) -> Result<Vec<TaskView>, Problem> {
        let active = self.active().await;
        let engine = active.engine.clone()?;
        if active.client.is_none() {
            return Err(no_key());
        }
        let model = models::model(&input.model)?;
        let pictures = models::PicturesGiven {
            first: input.image.is_some(),
            last: input.last_image.is_some(),
        };
        self.check_available(&active, model, pictures).await?;
        let (image, image_fit) = self.picture_choice(input.image).await?;
        let (last_image, last_image_fit) = self.picture_choice(input.last_image).await?;
        let tasks = engine.submit_all(
            vec![SubmitRequest {
                prompt: input.prompt,
                model: model.id.clone(),
                choices: input.choices.clone(),
                image,
                image_fit,
                last_image,
                last_image_fit,
                callback_url: self.callback_url(&active),
            }],
            input.takes,
            false,
        )?;
        settings::remember_choices(&self.inner.home, &model.id, &input.choices)?;
        Ok(self.views(&active, tasks))
    }

    /// A model EvoLink said this key cannot use is refused before anything is recorded, with
    /// other models that take the same pictures.
    async fn check_available(
        &self,
        active: &Active,
        model: &evolink::models::Model,
        pictures: models::PicturesGiven,
    ) -> Result<(), Problem> {
        let (listed, refused) = self.availability(active).await;
        if let Some(why) = models::unavailable_reason(model, listed.as_deref(), &refused) {
            let mut problem = Problem::new("model_unavailable", why, false);
            problem.alternatives =
                models::alternatives(model, listed.as_deref(), &refused, pictures);
            return Err(problem);
        }
        Ok(())
    }

    /// The webhook sent with new tasks (never in the demo).
    fn callback_url(&self, active: &Active) -> Option<String> {
        if active.demo {
            None
        } else {
            settings::stored(&self.inner.home, settings::KEY_CALLBACK_URL)
        }
    }

    /// Tasks for the page, with the queue positions of waiting ones.
    fn views(&self, active: &Active, tasks: Vec<sora_engine::Task>) -> Vec<TaskView> {
        let mut views: Vec<TaskView> = tasks.into_iter().map(|t| self.view_of(active, t)).collect();
        views::in_context(&active.store, &mut views);
        views
    }

    // ---- The queue and batches ----

    /// Reads and prices a batch, saying which lines cannot be sent as they are.
    pub fn plan_batch(
        &self,
        input: &queue::BatchInput,
    ) -> Result<sora_engine::batch::BatchPlan, Problem> {
        queue::plan(input)
    }

    /// Records a batch the person confirmed (count and total), all waiting in the queue.
    pub async fn submit_batch(&self, input: queue::BatchInput) -> Result<Vec<TaskView>, Problem> {
        let active = self.active().await;
        let engine = active.engine.clone()?;
        if active.client.is_none() {
            return Err(no_key());
        }
        let model = models::model(&input.model)?;
        self.check_available(&active, model, models::PicturesGiven::default())
            .await?;
        let requests = queue::confirmed_requests(&input, self.callback_url(&active))?;
        let tasks = engine.submit_all(requests, input.takes, true)?;
        Ok(self.views(&active, tasks))
    }

    /// Reads a file of prompts the person chose in the system's dialog.
    pub async fn read_batch_file(&self, path: PathBuf) -> Result<queue::BatchFile, Problem> {
        off_thread(Words::new("problem.internal.read_stopped"), move || {
            queue::read_file(&path)
        })
        .await
    }

    pub async fn queue_status(&self) -> Result<QueueView, Problem> {
        let active = self.active().await;
        queue::read(&active.store, |t| self.view_of(&active, t))
    }

    /// Pauses the queue (no waiting task starts its paid call) or lets it go on.
    pub async fn pause_queue(&self, paused: bool) -> Result<QueueView, Problem> {
        let active = self.active().await;
        let rules = active.store.queue_rules()?;
        active
            .store
            .set_queue_rules(&sora_engine::QueueRules { paused, ..rules })?;
        if let Ok(engine) = &active.engine {
            engine.queue_changed();
        }
        self.queue_changed().await;
        self.queue_status().await
    }

    /// Puts these waiting tasks first, in this order.
    pub async fn reorder_queue(&self, ids: Vec<String>) -> Result<QueueView, Problem> {
        if ids.len() > 1000 {
            return Err(Problem::invalid(Words::new(
                "problem.invalid_argument.reorder",
            )));
        }
        for id in &ids {
            check_id(id)?;
        }
        let active = self.active().await;
        active.store.reorder_waiting(&ids)?;
        if let Ok(engine) = &active.engine {
            engine.queue_changed();
        }
        self.queue_changed().await;
        self.queue_status().await
    }

    /// Stops a task: one not yet paid is removed and never sent; a paid one needs `discard`
    /// answered (EvoLink cannot cancel it; it may still be charged).
    pub async fn stop(&self, id: &str, discard: Option<bool>) -> Result<StopResult, Problem> {
        check_id(id)?;
        let active = self.active().await;
        let engine = active.engine.clone()?;
        let result = match engine.stop(id, discard)? {
            sora_engine::Stop::Removed(mut tasks) => {
                for task in &tasks {
                    let _ = std::fs::remove_file(posters::poster_path(&active.posters, &task.id));
                }
                StopResult {
                    removed: true,
                    task: self.view(tasks.remove(0)),
                }
            }
            sora_engine::Stop::Stopped(task) => StopResult {
                removed: false,
                task: self.view_of(&active, *task),
            },
        };
        self.queue_changed().await;
        Ok(result)
    }

    /// Forgets every task that ended without a video (failed, expired).
    pub async fn clear_failed(&self) -> Result<u64, Problem> {
        let active = self.active().await;
        let engine = active.engine?;
        let removed = off_thread(Words::new("problem.internal.clear_stopped"), move || {
            engine.clear_failed()
        })
        .await?;
        for task in &removed {
            let _ = std::fs::remove_file(posters::poster_path(&active.posters, &task.id));
        }
        Ok(removed.len() as u64)
    }

    /// Tells the page the queue as it is now (after a change that is not a task's).
    async fn queue_changed(&self) {
        if let Ok(status) = self.queue_status().await {
            let _ = self
                .inner
                .events
                .send(ServiceEvent::QueueChanged(Box::new(status)));
        }
    }

    // ---- Models ----

    /// Every model, each marked available or not for the key in use.
    pub async fn list_models(&self) -> models::ModelList {
        let active = self.active().await;
        let (listed, refused) = self.availability(&active).await;
        models::list(listed.as_deref(), &refused)
    }

    /// Checks a request against its model and prices it, before anything is recorded.
    pub fn estimate(&self, input: &models::EstimateInput) -> Result<models::Estimate, Problem> {
        models::estimate(input)
    }

    /// The EvoLink ids the key may use (asked at most every few minutes; `None` when EvoLink
    /// could not be asked, so the manifest is trusted), and the ids a create was refused for as
    /// unavailable since that list was made.
    async fn availability(&self, active: &Active) -> (Option<Vec<String>>, Vec<String>) {
        let Some(client) = &active.client else {
            return (None, Vec::new());
        };
        let account = client.account();
        let cached = lock(&self.inner.availability)
            .fresh(&account)
            .map(|ids| ids.map(<[String]>::to_vec));
        let listed = match cached {
            Some(known) => known,
            None => {
                let asked = match client.models().await {
                    Ok(list) => Some(list.into_iter().map(|m| m.id).collect::<Vec<_>>()),
                    Err(e) => {
                        log::info!(
                            "the models this key may use are unknown ({})",
                            e.support_line()
                        );
                        None
                    }
                };
                lock(&self.inner.availability).asked =
                    Some((std::time::Instant::now(), account, asked.clone()));
                asked
            }
        };
        let since = sora_engine::store::now() - models::MODELS_CHECK_TTL.as_secs() as i64;
        let refused = active.store.refused_models(since).unwrap_or_default();
        (listed, refused)
    }

    pub async fn list(&self, input: ListInput) -> Result<TaskPage, Problem> {
        if input.limit > MAX_PAGE {
            return Err(Problem::invalid(
                Words::new("problem.invalid_argument.page").with("most", MAX_PAGE),
            ));
        }
        let active = self.active().await;
        let search = input.search.trim();
        let query = ListQuery {
            states: input.states,
            search: (!search.is_empty()).then(|| search.to_string()),
            favourites_only: input.favourites_only,
            takes_group: input.takes_group,
            offset: input.offset,
            limit: if input.limit == 0 { 100 } else { input.limit },
        };
        let store = active.store.clone();
        let (tasks, total) = off_thread(Words::new("problem.internal.list_stopped"), move || {
            Ok::<_, Problem>((store.list(&query)?, store.count(&query)?))
        })
        .await?;
        Ok(TaskPage {
            tasks: self.views(&active, tasks),
            total,
        })
    }

    pub async fn get(&self, id: &str) -> Result<TaskView, Problem> {
        check_id(id)?;
        let active = self.active().await;
        let task = active.store.get(id)?;
        Ok(self.views(&active, vec![task]).remove(0))
    }

    /// A new paid task with the same settings (only ever on the person's request). From a
    /// task whose start is uncertain, only after a lookup found nothing and with the person's
    /// confirmation that they may pay twice (`confirm_paid_again`).
    pub async fn retry(&self, id: &str, confirm_paid_again: bool) -> Result<TaskView, Problem> {
        check_id(id)?;
        let active = self.active().await;
        if active.client.is_none() {
            return Err(no_key());
        }
        let task = active.engine?.retry(id, confirm_paid_again)?;
        Ok(self.view(task))
    }

    /// "Look again": asks EvoLink once more whether a video whose start is uncertain exists,
    /// and follows it if so.
    pub async fn look_again(&self, id: &str) -> Result<TaskView, Problem> {
        check_id(id)?;
        let active = self.active().await;
        let task = active.engine?.look_again(id)?;
        Ok(self.view(task))
    }

    /// Forgets a finished task; its video, recipe and poster go to the OS trash / away.
    pub async fn delete(&self, id: &str) -> Result<TaskView, Problem> {
        check_id(id)?;
        let active = self.active().await;
        let engine = active.engine?;
        let id_owned = id.to_string();
        let task = off_thread(Words::new("problem.internal.delete_stopped"), move || {
            engine.delete(&id_owned)
        })
        .await?;
        let _ = std::fs::remove_file(posters::poster_path(&active.posters, id));
        Ok(self.view(task))
    }

    pub async fn set_favourite(&self, id: &str, favourite: bool) -> Result<TaskView, Problem> {
        check_id(id)?;
        let active = self.active().await;
        let task = active.engine?.set_favourite(id, favourite)?;
        Ok(self.view(task))
    }

    /// The saved video of a task, checked to be there.
    pub async fn video_path(&self, id: &str) -> Result<PathBuf, Problem> {
        let task = self.get(id).await?;
        let path = task.video_path.map(PathBuf::from).ok_or_else(|| {
            Problem::new(
                "not_allowed",
                Words::new("problem.not_allowed.not_saved"),
                false,
            )
        })?;
        if !path.is_file() {
            return Err(Problem::new(
                "file_missing",
                Words::new("problem.file_missing.video").with("path", path.display().to_string()),
                false,
            ));
        }
        Ok(path)
    }

    /// Copies a saved video to `destination` (chosen in the system's save dialog). Written
    /// beside it first and renamed, so a full disk never leaves half a video under that name.
    pub async fn copy_video(&self, id: &str, destination: &Path) -> Result<(), Problem> {
        let source = self.video_path(id).await?;
        if destination == source {
            return Ok(());
        }
        let part = destination.with_extension("sora-desk-part");
        let failed = |e: std::io::Error| {
            Problem::new(
                "save_failed",
                Words::new("problem.save_failed").with("detail", e.to_string()),
                true,
            )
        };
        tokio::fs::copy(&source, &part).await.map_err(failed)?;
        tokio::fs::rename(&part, destination).await.map_err(|e| {
            let _ = std::fs::remove_file(&part);
            failed(e)
        })
    }

    /// The library folder on show (the demo's own in demo mode).
    pub async fn library_dir(&self) -> PathBuf {
        let dir = self.active().await.paths.library_dir;
        let _ = std::fs::create_dir_all(&dir);
        dir
    }

    pub async fn stats(&self) -> Result<StatsView, Problem> {
        let store = self.active().await.store;
        let since = sora_engine::store::now() - 30 * 24 * 3600;
        let stats = store.stats(since)?;
        Ok(StatsView {
            credits_used_total: stats.credits_used_total,
            credits_used_30_days: stats.credits_used_since,
            counts: stats.counts,
            favourites: stats.favourites,
        })
    }
}

fn storage_name(storage: Storage) -> &'static str {
    match storage {
        Storage::Keychain => "keychain",
        Storage::SessionOnly => "session_only",
        Storage::None => "none",
    }
}

fn no_key() -> Problem {
    Problem::new("no_key", Words::new("problem.no_key"), false)
}

/// Task ids as the engine makes them (`sd-` and 26 letters or digits); anything else from the
/// page is refused before it reaches a store or a file name.
pub fn is_task_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn check_id(id: &str) -> Result<(), Problem> {
    if is_task_id(id) {
        Ok(())
    } else {
        Err(Problem::invalid(Words::new(
            "problem.invalid_argument.task_id",
        )))
    }
}

/// Runs a blocking call in place when there is no runtime to hand it to (start-up).
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

/// A std mutex, kept usable after a panic elsewhere (its data stays consistent: plain values).
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// Asks each host that changes whether it takes the key (the balance at the task API, the
/// storage quota at the file API), before the key is used there for anything else.
async fn check_key_at(client: &Client, now: &Endpoints, next: &Endpoints) -> Result<(), Problem> {
    let refused = |host: &str, e: evolink::Error| {
        let problem = Problem::from(e);
        // The words of the refusal itself are not repeated inside these (words do not nest);
        // the code still says what went wrong.
        let message = if problem.retryable {
            Words::new("problem.network_down.key_check")
        } else {
            Words::new("problem.bad_key.refused_at")
        }
        .with("host", host);
        Problem::new(problem.code, message, problem.retryable)
    };
    if next.api_base != now.api_base {
        client
            .credits()
            .await
            .map_err(|e| refused(&next.api_base, e))?;
    }
    if next.files_base != now.files_base {
        client
            .file_quota()
            .await
            .map_err(|e| refused(&next.files_base, e))?;
    }
    Ok(())
}
