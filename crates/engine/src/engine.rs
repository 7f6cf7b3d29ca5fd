//! The engine: drives every active task through its life, one step at a time.
//!
//! One scheduler loop looks at all active tasks. A task whose step is due gets that step run
//! (never two steps of one task at once); the step records what it is about to do, does it,
//! records the outcome, and tells the loop when the task is next due. Network calls are capped
//! globally (`max_in_flight`), polls are spaced as EvoLink asks, and errors back off with
//! jitter, honouring `Retry-After`. Changes are published as batched events.
//!
//! Each step lives in its own module (`prepare`, `upload`, `create`, `recover`, `poll`, `save`);
//! `scheduler` runs them, `queue` lets waiting tasks go on to their paid call, `takes` follows
//! the other videos of one call, `accounts` picks the client a task is followed with (its own
//! host and key), `trouble` says why a task waits, `lock` keeps one engine per data folder.
//!
//! The engine is started with [`Engine::start`] and stopped by dropping (or
//! [`EngineHandle::shutdown`]) its handle. Everything it knows is in the store, so a new engine
//! on the same store (after a crash, or in another process) resumes exactly where it stopped.

mod accounts;
mod create;
mod lock;
mod poll;
mod prepare;
mod queue;
mod recover;
mod save;
mod scheduler;
mod takes;
mod trouble;
mod upload;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use evolink::models::{Choices, PictureRoles, Settled};
use evolink::{Client, Error as ApiError, MediaClient, VideoRequest, Words};
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, Notify, Semaphore};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::state::TaskState;
use crate::store::{Grouping, NewPicture, NewTask, Patch, Role, Stopped, Store, StoreError, Task};

use accounts::Accounts;
pub use queue::start_of_today;
pub use trouble::Trouble;

/// How politely and how persistently the engine works.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// First look at a new task (EvoLink's own clients wait about 15 s).
    pub first_poll_after: Duration,
    /// Spacing of later polls: a random point in this range (8 to 15 s for video).
    pub poll_interval: (Duration, Duration),
    /// First wait after an error; doubles with each further error of the same task.
    pub error_backoff: Duration,
    /// Longest wait after errors.
    pub max_backoff: Duration,
    /// Network calls (of all tasks together) allowed at the same time.
    pub max_in_flight: usize,
    /// How long result links live once a task completes (24 h on EvoLink).
    pub results_ttl: Duration,
    /// Reuse an earlier upload of the same picture only if it lives at least this much longer.
    pub upload_reuse_margin: Duration,
    /// Uploaded files live this long when EvoLink does not say (72 h).
    pub upload_ttl: Duration,
    /// Events are gathered for this long and published together.
    pub event_batch: Duration,
    /// How long to wait before checking an uncertain create (EvoLink may still be making it).
    pub check_after: Duration,
    /// Checks of an uncertain create before it is left "outcome unknown" for the person.
    pub max_checks: u32,
    /// How far before and after the recorded send time a task found in EvoLink's list may
    /// have been created to be taken for ours.
    pub lookup_window: (Duration, Duration),
    /// How long a task EvoLink had accepted may be missing there (404, "not your task")
    /// before it is given up; until then it is trouble, retried.
    pub missing_for: Duration,
    /// How long [`Engine::start`] waits for the store's engine lock. Zero (the default) means
    /// another running engine is reported at once; a restart within one process waits a
    /// moment for the stopping engine to let go.
    pub lock_wait: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            first_poll_after: Duration::from_secs(15),
            poll_interval: (Duration::from_secs(8), Duration::from_secs(15)),
            error_backoff: Duration::from_secs(4),
            max_backoff: Duration::from_secs(120),
            max_in_flight: 4,
            results_ttl: Duration::from_secs(24 * 3600),
            upload_reuse_margin: Duration::from_secs(3600),
            upload_ttl: Duration::from_secs(72 * 3600),
            event_batch: Duration::from_millis(200),
            check_after: Duration::from_secs(5),
            max_checks: 6,
            // Clock differences before; the longest a create may take to be handled after.
            lookup_window: (Duration::from_secs(10), Duration::from_secs(120)),
            missing_for: Duration::from_secs(48 * 3600),
            lock_wait: Duration::ZERO,
        }
    }
}

/// Environment variable that shortens the polling schedule, for tests and for support (e.g.
/// against a local fake server): the first look and the spacing of polls, in milliseconds.
pub const ENV_POLL_MS: &str = "SORA_DESK_POLL_MS";

impl EngineConfig {
    /// A schedule for a fake server on this computer whose clock runs fast (as
    /// `evolink_mock::MockConfig::fast`): a task's whole life takes a second or two. For tests.
    pub fn fast() -> Self {
        Self {
            first_poll_after: Duration::from_millis(100),
            poll_interval: (Duration::from_millis(80), Duration::from_millis(150)),
            error_backoff: Duration::from_millis(30),
            max_backoff: Duration::from_millis(400),
            event_batch: Duration::from_millis(50),
            check_after: Duration::from_millis(100),
            // Tests restart engines within one process: give a stopping one a moment.
            lock_wait: Duration::from_secs(2),
            ..Self::default()
        }
    }

    /// The default schedule, or a proportionally faster one when `SORA_DESK_POLL_MS` is set.
    pub fn from_env() -> Self {
        let poll_ms = std::env::var(ENV_POLL_MS)
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|ms| *ms > 0);
        match poll_ms {
            Some(ms) => Self {
                first_poll_after: Duration::from_millis(ms),
                poll_interval: (Duration::from_millis(ms), Duration::from_millis(ms * 3 / 2)),
                error_backoff: Duration::from_millis((ms / 4).max(10)),
                max_backoff: Duration::from_millis(ms * 4),
                event_batch: Duration::from_millis(ms.clamp(10, 200)),
                check_after: Duration::from_millis(ms),
                ..Self::default()
            },
            None => Self::default(),
        }
    }
}

/// What the engine tells the app and the CLI.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EngineEvent {
    /// These tasks changed (each as it is now in the store).
    Tasks { tasks: Vec<Task> },
    /// The account balance, refreshed after a task ended.
    Balance { credits: Option<f64> },
    /// The key was refused: polling waits until a new key is set.
    KeyRefused { message: Words },
    /// The task store could not be written (disk full, read-only...): work waits and is
    /// retried; `None` once writing works again.
    StoreTrouble { message: Option<Words> },
}

/// How to fit a reference picture into the frame; stored with the task.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImageFit {
    pub framing: sora_preflight::Framing,
    pub focus: Option<sora_preflight::Focus>,
    pub crop: Option<sora_preflight::CropRect>,
}

impl ImageFit {
    /// The fit recorded with a task (the default when none was, or it cannot be read).
    pub fn from_stored(json: Option<&str>) -> ImageFit {
        json.and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or_default()
    }
}

/// What a person asks for when they press Generate.
#[derive(Debug, Clone)]
pub struct SubmitRequest {
    pub prompt: String,
    /// The model: its manifest id (`kling-v3`) or one of its EvoLink ids.
    pub model: String,
    /// What the person chose; the rest is the model's default.
    pub choices: Choices,
    /// The first frame (the only picture of most models).
    pub image: Option<PathBuf>,
    pub image_fit: ImageFit,
    /// The last frame, for models that take one.
    pub last_image: Option<PathBuf>,
    pub last_image_fit: ImageFit,
    pub callback_url: Option<String>,
}

impl SubmitRequest {
    /// A request for `model` with every choice at its default and no pictures.
    pub fn new(model: impl Into<String>, prompt: impl Into<String>) -> Self {
        SubmitRequest {
            prompt: prompt.into(),
            model: model.into(),
            choices: Choices::default(),
            image: None,
            image_fit: ImageFit::default(),
            last_image: None,
            last_image_fit: ImageFit::default(),
            callback_url: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{0}")]
    Invalid(ApiError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    NotAllowed(Words),
    /// Another process (the app, or another `sora-desk-cli`) runs the engine on this store.
    #[error("{}", Words::new("problem.engine_busy.engine"))]
    Busy,
    #[error("{}", Words::new("problem.data_folder.engine").with("detail", .0.as_str()))]
    DataFolder(String),
    /// A new paid task from an uncertain one is offered only after a lookup found nothing.
    #[error("{}", Words::new("problem.look_first"))]
    LookFirst,
    /// ...and only once the person accepted that they may pay twice.
    #[error("{}", Words::new("problem.confirm_needed"))]
    ConfirmNeeded,
    /// A paid video is stopped only once the person chose what becomes of it.
    #[error("{}", Words::new("problem.confirm_needed.stop"))]
    StopNeedsChoice,
}

impl EngineError {
    /// The words for the person. A store failure's own text is technical (it stays in
    /// `Display`, for logs); people get what it means for them.
    pub fn words(&self) -> Words {
        match self {
            EngineError::Invalid(e) => e.message().clone(),
            EngineError::Store(StoreError::NotFound(_)) => Words::new("problem.not_found.task"),
            EngineError::Store(_) => Words::new("problem.storage"),
            EngineError::NotAllowed(words) => words.clone(),
            EngineError::Busy => Words::new("problem.engine_busy.engine"),
            EngineError::DataFolder(detail) => {
                Words::new("problem.data_folder.engine").with("detail", detail.as_str())
            }
            EngineError::LookFirst => Words::new("problem.look_first"),
            EngineError::ConfirmNeeded => Words::new("problem.confirm_needed"),
            EngineError::StopNeedsChoice => Words::new("problem.confirm_needed.stop"),
        }
    }

    /// Stable code for the UI and the CLI.
    pub fn code(&self) -> &'static str {
        match self {
            EngineError::Invalid(e) => e.code(),
            EngineError::Store(StoreError::NotFound(_)) => "not_found",
            EngineError::Store(_) => "storage",
            EngineError::NotAllowed(_) => "not_allowed",
            EngineError::Busy => "engine_busy",
            EngineError::DataFolder(_) => "data_folder",
            EngineError::LookFirst => "look_first",
            EngineError::ConfirmNeeded | EngineError::StopNeedsChoice => "confirm_needed",
        }
    }
}

struct Inner {
    /// Held while this engine lives: one engine per store, across processes.
    _lock: std::fs::File,
    cancel: CancellationToken,
    /// Set by a graceful shutdown: no new step starts; running ones finish.
    stopping: std::sync::atomic::AtomicBool,
    config: EngineConfig,
    store: Arc<Store>,
    library: crate::library::Library,
    prepared_dir: PathBuf,
    /// The client of the current settings, and the keys of every account a task was sent with.
    accounts: Accounts,
    /// Saves finished videos; it has no key, so saving goes on without one.
    media: MediaClient,
    in_flight: Semaphore,
    /// Read-held by each paid call from its in-flight mark to its recorded answer; written by
    /// [`Engine::hold_paid_calls`], which so waits for those in flight and holds back new ones.
    paid_calls: Arc<tokio::sync::RwLock<()>>,
    /// Tasks whose step is running now.
    busy: Mutex<HashSet<String>>,
    /// When each task is next due, and how many errors in a row it had.
    schedule: Mutex<HashMap<String, Due>>,
    wake: Notify,
    changed: Mutex<HashSet<String>>,
    events: broadcast::Sender<EngineEvent>,
    /// One upload at a time per picture (by hash): tasks sharing a picture wait for the first
    /// upload and reuse it instead of racing to upload the same bytes.
    uploading: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Tasks whose last change could not be written to the store, with why: shown on the
    /// task (the store cannot hold the note) until a write succeeds again.
    unwritten: Mutex<HashMap<String, Words>>,
}

#[derive(Debug, Clone, Copy)]
struct Due {
    at: Instant,
    errors: u32,
}

/// The running engine. Cheap to clone; stops when [`EngineHandle`] is dropped.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

/// Paid calls held back while this lives ([`Engine::hold_paid_calls`]).
pub struct PaidCallsHeld(#[allow(dead_code)] tokio::sync::OwnedRwLockWriteGuard<()>);

/// Owns the engine's background work: dropping it stops the loop (recorded state stays).
pub struct EngineHandle {
    pub engine: Engine,
    cancel: CancellationToken,
}

impl EngineHandle {
    /// Stops gracefully: no new step starts, and the running ones (a paid call, a download)
    /// get up to `limit` to finish and record their outcome. Dropping the handle instead
    /// stops at once, which is as safe as a crash (an interrupted paid call is reconciled
    /// when the engine starts again).
    pub async fn shutdown(self, limit: Duration) {
        let inner = &self.engine.inner;
        inner
            .stopping
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let deadline = Instant::now() + limit;
        while !lock(&inner.busy).is_empty() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.engine.flush();
    }
}

impl Drop for EngineHandle {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// Locks a mutex, going on after a panic elsewhere: every structure behind these locks stays
/// consistent between statements.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl Engine {
    /// Starts the engine on `store`. Every unfinished task is resumed. `client` may be `None`
    /// until a key is set ([`Engine::set_client`]); tasks that need a key then wait, and
    /// finished videos are saved all the same.
    ///
    /// Only one engine runs per data folder, across processes (an OS file lock): a second one
    /// gets [`EngineError::Busy`] and should [`record`] tasks for the running one instead
    /// (after waiting up to `config.lock_wait` for it to go away).
    pub fn start(
        config: EngineConfig,
        store: Arc<Store>,
        library: crate::library::Library,
        data_dir: &Path,
        client: Option<Client>,
    ) -> Result<EngineHandle, EngineError> {
        let lock = lock::lock_engine(data_dir, config.lock_wait)?;
        let media = MediaClient::for_app().map_err(EngineError::Invalid)?;
        let (events, _) = broadcast::channel(256);
        let cancel = CancellationToken::new();
        let inner = Arc::new(Inner {
            _lock: lock,
            cancel: cancel.clone(),
            stopping: std::sync::atomic::AtomicBool::new(false),
            in_flight: Semaphore::new(config.max_in_flight.max(1)),
            paid_calls: Arc::new(tokio::sync::RwLock::new(())),
            config,
            store,
            library,
            prepared_dir: data_dir.join("prepared"),
            accounts: Accounts::new(client),
            media,
            busy: Mutex::new(HashSet::new()),
            schedule: Mutex::new(HashMap::new()),
            wake: Notify::new(),
            changed: Mutex::new(HashSet::new()),
            events,
            uploading: Mutex::new(HashMap::new()),
            unwritten: Mutex::new(HashMap::new()),
        });
        let engine = Engine { inner };
        log::info!("engine started");
        engine.resume_interrupted();
        tokio::spawn(engine.clone().run(cancel.clone()));
        tokio::spawn(engine.clone().publish(cancel.clone()));
        Ok(EngineHandle { engine, cancel })
    }

    /// Waits until no paid call is in flight, then keeps new ones from leaving until the
    /// answer is dropped; every other step (polls, downloads) goes on. What the app holds
    /// while an update replaces it, so the update never cuts a paid call short. A task held
    /// back has no in-flight mark: it is simply sent later, or after a restart.
    pub async fn hold_paid_calls(&self) -> PaidCallsHeld {
        PaidCallsHeld(self.inner.paid_calls.clone().write_owned().await)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        self.inner.events.subscribe()
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.inner.store
    }

    /// Uses a new client (a new key or new hosts) for tasks sent from now on. Tasks already
    /// sent keep their own host and account: the key they were made with stays known to this
    /// engine, so they finish where they were made. Waiting tasks go on at once.
    pub fn set_client(&self, client: Option<Client>) {
        self.inner.accounts.set_current(client);
        self.wake_all();
    }

    /// Makes a key known for the tasks sent with it (a key kept from before it was replaced).
    pub fn add_key(&self, key: evolink::ApiKey) {
        self.inner.accounts.add_key(key);
        self.wake_all();
    }

    /// Accounts (key fingerprints) that tasks still being made were sent with.
    pub fn accounts_in_use(&self) -> Result<HashSet<String>, EngineError> {
        Ok(self
            .inner
            .store
            .active()?
            .into_iter()
            .filter_map(|t| t.account)
            .collect())
    }

    /// Records a new task and starts it. Invalid requests are refused before anything is
    /// recorded; nothing is paid until the engine reaches the create step.
    pub fn submit(&self, request: SubmitRequest) -> Result<Task, EngineError> {
        Ok(self.submit_all(vec![request], 1, false)?.remove(0))
    }

    /// Records several requests at once, each made `takes` times (see [`record_all`]), and
    /// starts them: they wait their turn in the queue.
    pub fn submit_all(
        &self,
        requests: Vec<SubmitRequest>,
        takes: u32,
        batch: bool,
    ) -> Result<Vec<Task>, EngineError> {
        let tasks = record_all(&self.inner.store, requests, takes, batch)?;
        for task in &tasks {
            self.changed(&task.id);
            self.due_now(&task.id);
        }
        Ok(tasks)
    }

    /// Stops a task: one not yet paid is removed at once and never sent; a paid one (EvoLink
    /// cannot cancel) is marked, once the person chose whether its video is kept if it comes
    /// (`discard`). See [`stop`].
    pub fn stop(&self, id: &str, discard: Option<bool>) -> Result<Stop, EngineError> {
        let outcome = stop(&self.inner.store, &self.inner.prepared_dir, id, discard)?;
        match &outcome {
            Stop::Removed(tasks) => {
                for task in tasks {
                    lock(&self.inner.schedule).remove(&task.id);
                    self.changed(&task.id);
                }
            }
            Stop::Stopped(task) => {
                self.changed(&task.id);
                self.due_now(&task.id);
            }
        }
        Ok(outcome)
    }

    /// Starts a new task with the same settings as `id`: a new paid call, only when asked.
    /// A task whose create may have been accepted (`outcome_unknown`) is made again only once
    /// a lookup found nothing at EvoLink, and only when the person confirmed that they may pay
    /// twice (`confirm_paid_again`).
    pub fn retry(&self, id: &str, confirm_paid_again: bool) -> Result<Task, EngineError> {
        let old = self.inner.store.get(id)?;
        if !old.state.is_final() {
            return Err(EngineError::NotAllowed(Words::new(
                "problem.not_allowed.still_making_retry",
            )));
        }
        if old.state == TaskState::OutcomeUnknown {
            if old.lookup.as_deref() != Some(crate::store::Lookup::NothingFound.as_str()) {
                return Err(EngineError::LookFirst);
            }
            if !confirm_paid_again {
                return Err(EngineError::ConfirmNeeded);
            }
        }
        let picture = |role| {
            let picture = old.picture(role);
            picture.source.map(|source| NewPicture {
                source: source.to_string(),
                options: picture.options.map(str::to_string),
            })
        };
        // One video again, even of a call that made several: each video is its own task.
        let settled = Settled {
            videos: 1,
            ..old.settled()
        };
        let first = picture(Role::First);
        let last = picture(Role::Last);
        let pictures = first.iter().chain(&last).count();
        let task = self.inner.store.insert(&NewTask {
            id: new_task_id(),
            estimate_credits: old.model_entry().map(|m| m.estimate(&settled, pictures)),
            settled,
            first,
            last,
            prompt: old.prompt,
            callback_url: old.callback_url,
            retry_of: Some(old.id),
            grouping: Grouping::default(),
        })?;
        self.changed(&task.id);
        self.due_now(&task.id);
        Ok(task)
    }

    /// "Look again": an uncertain create (`outcome_unknown`) is checked with EvoLink once more,
    /// and followed if it is found.
    pub fn look_again(&self, id: &str) -> Result<Task, EngineError> {
        let task = self.inner.store.get(id)?;
        if task.state != TaskState::OutcomeUnknown {
            return Err(EngineError::NotAllowed(Words::new(
                "problem.not_allowed.look_again",
            )));
        }
        let task = self.inner.store.advance(
            id,
            TaskState::OutcomeUnknown,
            TaskState::Submitting,
            &Patch {
                error: Some(trouble::checking().into_error()),
                ..Patch::default()
            },
        )?;
        log::info!("task {id}: looking for it again at EvoLink");
        self.changed(id);
        self.due_now(id);
        Ok(task)
    }

    /// Forgets a finished task and moves its video and recipe to the OS trash.
    pub fn delete(&self, id: &str) -> Result<Task, EngineError> {
        let task = self.inner.store.get(id)?;
        if !task.state.is_final() {
            return Err(EngineError::NotAllowed(Words::new(
                "problem.not_allowed.still_making_delete",
            )));
        }
        if let Some(video) = task.video_path.as_deref().map(Path::new) {
            for path in [video.to_path_buf(), video.with_extension("json")] {
                if path.exists() {
                    trash::delete(&path).map_err(|e| {
                        EngineError::NotAllowed(
                            Words::new("problem.not_allowed.trash").with("detail", e.to_string()),
                        )
                    })?;
                }
            }
        }
        let task = self.inner.store.delete(id)?;
        self.changed(id);
        Ok(task)
    }

    /// Forgets every task that ended without a video (failed, expired): "Clear failed".
    pub fn clear_failed(&self) -> Result<Vec<Task>, EngineError> {
        let removed = self.inner.store.delete_ended_without_video()?;
        for task in &removed {
            self.changed(&task.id);
        }
        Ok(removed)
    }

    /// The queue's rules or order changed: look at the waiting tasks again now.
    pub fn queue_changed(&self) {
        self.inner.wake.notify_one();
    }

    pub fn set_favourite(&self, id: &str, favourite: bool) -> Result<Task, EngineError> {
        let task = self.inner.store.set_favourite(id, favourite)?;
        self.changed(id);
        Ok(task)
    }

    /// A task as the person should see it: with the trouble the store could not record.
    pub fn with_unwritten(&self, mut task: Task) -> Task {
        if let Some(message) = lock(&self.inner.unwritten).get(&task.id) {
            task.error_code = Some(trouble::STORAGE.to_string());
            task.error_message = Some(message.clone());
            task.error_retryable = Some(true);
        }
        task
    }

    /// Every unfinished task is due at once. A paid call interrupted by a crash is found with
    /// its in-flight mark and reconciled by the create step, never sent as new.
    fn resume_interrupted(&self) {
        let Ok(active) = self.inner.store.active() else {
            return;
        };
        for task in active {
            if task.state == TaskState::Submitting && task.create_sent_at.is_some() {
                log::info!(
                    "task {}: the app stopped during its paid call; checking with EvoLink",
                    task.id
                );
            }
            self.due_now(&task.id);
        }
    }

    fn advance(&self, task: &Task, to: TaskState, patch: Patch) -> Result<Task, StepError> {
        let updated = self.inner.store.advance(&task.id, task.state, to, &patch)?;
        self.written(&task.id);
        if task.state != to {
            log::info!("task {}: {} -> {}", task.id, task.state, to);
        }
        self.changed(&task.id);
        Ok(updated)
    }

    fn fail_as(&self, task: &Task, to: TaskState, error: &ApiError) -> Result<Task, StepError> {
        log::warn!("task {}: {} ({})", task.id, to, error.support_line());
        self.advance(
            task,
            to,
            Patch {
                error: Some((
                    error.code().to_string(),
                    error.message().clone(),
                    error.retryable(),
                )),
                request_id: error.request_id().map(str::to_string),
                ..Patch::default()
            },
        )
    }

    fn changed(&self, id: &str) {
        lock(&self.inner.changed).insert(id.to_string());
    }

    async fn refresh_balance(&self) {
        let Some(client) = self.inner.accounts.current() else {
            return;
        };
        let credits = {
            let _permit = self.inner.in_flight.acquire().await;
            client.credits().await
        };
        if let Ok(credits) = credits {
            let _ = self.inner.events.send(EngineEvent::Balance {
                credits: credits.spendable(),
            });
        }
    }
}

enum Next {
    Now,
    After(Duration),
    Done,
}

enum StepError {
    /// No key is set: the step waits until one is.
    WaitForKey,
    /// Try the same step again later, and say why it waits.
    Later(Trouble),
    /// Another writer moved the task (the CLI next to the app): look at it again from what
    /// the store says.
    Moved,
    /// The store could not be written: shown on the task, retried with backoff.
    Store(String),
}

impl From<StoreError> for StepError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::WrongState { .. } | StoreError::NotFound(_) => StepError::Moved,
            other => StepError::Store(other.to_string()),
        }
    }
}

impl From<ApiError> for StepError {
    fn from(e: ApiError) -> Self {
        StepError::Later(Trouble::from(e))
    }
}

type StepResult = Result<Next, StepError>;

/// Validates a request and records it as a new task, for the engine running on this store
/// (here or in another process) to carry. Nothing is sent and nothing is paid here.
pub fn record(store: &Store, request: SubmitRequest) -> Result<Task, EngineError> {
    Ok(record_all(store, vec![request], 1, false)?.remove(0))
}

/// Validates every request and records each `takes` times (1 to 4), all or none, in order at
/// the end of the queue. Takes of one prompt share a `takes_group`; where the model makes
/// several videos in one call (Veo's `n`), the takes are one paid call: the first task makes
/// it and the others wait for its results (`lead_id`). Tasks recorded together (a `batch`, or
/// takes) share a `batch_id`, for the run's progress. Nothing is sent or paid here.
pub fn record_all(
    store: &Store,
    requests: Vec<SubmitRequest>,
    takes: u32,
    batch: bool,
) -> Result<Vec<Task>, EngineError> {
    if !(1..=MOST_TAKES).contains(&takes) {
        return Err(invalid_request(
            Words::new("problem.invalid_input.takes")
                .with("most", MOST_TAKES)
                .with("value", takes),
        ));
    }
    let batch_id = (batch || takes > 1).then(|| new_id("run-"));
    let mut tasks = Vec::new();
    for request in requests {
        let lead = checked_task(request, takes)?;
        let one_call = lead.settled.videos > 1;
        let takes_group = (takes > 1).then(|| new_id("takes-"));
        let grouping = |take: u32, lead_id: Option<String>| Grouping {
            batch_id: batch_id.clone(),
            takes_group: takes_group.clone(),
            take: takes_group.is_some().then_some(take),
            lead_id,
        };
        let lead = NewTask {
            grouping: grouping(1, None),
            ..lead
        };
        let others: Vec<NewTask> = (2..=takes)
            .map(|take| {
                let mut other = NewTask {
                    id: new_task_id(),
                    grouping: grouping(take, one_call.then(|| lead.id.clone())),
                    ..lead.clone()
                };
                if one_call {
                    // Made by the lead's call: never sent, never charged on its own.
                    other.settled.videos = 1;
                    other.estimate_credits = None;
                }
                other
            })
            .collect();
        tasks.push(lead);
        tasks.extend(others);
    }
    Ok(store.insert_all(&tasks)?)
}

/// The most takes of one prompt asked for at once.
pub const MOST_TAKES: u32 = 4;

fn invalid_request(message: Words) -> EngineError {
    EngineError::Invalid(ApiError::new(evolink::ErrorKind::InvalidInput, message))
}

/// One request checked against its model and made into a task to record: the first of
/// `takes` versions, making them all in its one call where the model can.
fn checked_task(mut request: SubmitRequest, takes: u32) -> Result<NewTask, EngineError> {
    let invalid = |e: evolink::models::Invalid| invalid_request(e.message);
    let model = evolink::models::manifest()
        .find(&request.model)
        .map_err(invalid)?;
    // How many videos one call makes follows from the takes, never from the page.
    request.choices.videos = model.one_call_for(takes);
    let roles = PictureRoles {
        first: request.image.is_some(),
        last: request.last_image.is_some(),
    };
    let settled = model.settle(&request.choices, roles).map_err(invalid)?;
    // The whole create request, checked now with stand-in picture URLs, so that nothing the
    // model cannot take is ever recorded.
    let mut check = VideoRequest::new(settled.api_id.clone(), request.prompt.clone())
        .with_choices(request.choices.clone());
    if request.image.is_some() {
        check = check.with_image("https://files.invalid/first.jpg");
    }
    if request.last_image.is_some() {
        check = check.with_last_image("https://files.invalid/last.jpg");
    }
    if let Some(url) = &request.callback_url {
        check = check.with_callback(url.clone());
    }
    check.to_body().map_err(EngineError::Invalid)?;
    let picture = |path: Option<PathBuf>, fit: &ImageFit| {
        path.map(|p| NewPicture {
            source: p.display().to_string(),
            options: Some(serde_json::to_string(fit).unwrap_or_default()),
        })
    };
    Ok(NewTask {
        id: new_task_id(),
        prompt: request.prompt,
        estimate_credits: Some(model.estimate(&settled, roles.count())),
        settled,
        callback_url: request.callback_url,
        first: picture(request.image, &request.image_fit),
        last: picture(request.last_image, &request.last_image_fit),
        retry_of: None,
        grouping: Grouping::default(),
    })
}

/// What stopping a task did.
#[derive(Debug, Clone)]
pub enum Stop {
    /// It was not paid yet: removed, with the other videos of its call. Never sent.
    Removed(Vec<Task>),
    /// It may be paid: marked, and followed to its end as the person chose.
    Stopped(Box<Task>),
}

/// Stops a task in `store`, from any process (the engine that runs the store sees the change
/// at its next step). A task whose paid call was certainly never made is removed in one
/// transaction that the paid call's in-flight mark cannot pass (see `Store::remove_unpaid`),
/// and its prepared pictures are deleted. A paid one needs `discard` answered.
pub fn stop(
    store: &Store,
    prepared_dir: &Path,
    id: &str,
    discard: Option<bool>,
) -> Result<Stop, EngineError> {
    let task = store.get(id)?;
    if task.state.is_final() {
        return Err(EngineError::NotAllowed(Words::new(
            "problem.not_allowed.finished",
        )));
    }
    if let Some(lead_id) = task.lead_id.as_deref() {
        let lead_paid = store.find(lead_id)?.is_none_or(|lead| lead.may_be_paid());
        if !lead_paid {
            return Err(EngineError::NotAllowed(Words::new(
                "problem.not_allowed.stop_first",
            )));
        }
    } else if let Some(removed) = store.remove_unpaid(id)? {
        for task in &removed {
            for role in Role::ALL {
                if let Some(prepared) = task.picture(role).prepared {
                    if Path::new(prepared).starts_with(prepared_dir) {
                        let _ = std::fs::remove_file(prepared);
                    }
                }
            }
        }
        log::info!("task {id}: stopped before its paid call and removed");
        return Ok(Stop::Removed(removed));
    }
    let choice = match discard {
        None => return Err(EngineError::StopNeedsChoice),
        Some(true) => Stopped::Discard,
        Some(false) => Stopped::Keep,
    };
    let task = store.set_stopped(id, choice)?;
    log::info!("task {id}: stopped following ({})", choice.as_str());
    Ok(Stop::Stopped(Box::new(task)))
}

/// A fresh task id, also used as the idempotency key: `sd-` and 26 random alphanumerics.
fn new_task_id() -> String {
    new_id("sd-")
}

/// `prefix` and 26 random lowercase alphanumerics.
fn new_id(prefix: &str) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let random: String = (0..26)
        .map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char)
        .collect();
    format!("{prefix}{random}")
}
