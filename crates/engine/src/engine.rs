//! The engine: drives every active task through its life, one step at a time.
//!
//! One scheduler loop looks at all active tasks. A task whose step is due gets that step run
//! (never two steps of one task at once); the step records what it is about to do, does it,
//! records the outcome, and tells the loop when the task is next due. Network calls are capped
//! globally (`max_in_flight`), polls are spaced as EvoLink asks, and errors back off with
//! jitter, honouring `Retry-After`. Changes are published as batched events.
//!
//! The engine is started with [`Engine::start`] and stopped by dropping (or
//! [`EngineHandle::shutdown`]) its handle. Everything it knows is in the store, so a new engine
//! on the same store (after a crash, or in another process) resumes exactly where it stopped.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use evolink::{
    Client, Error as ApiError, ErrorKind, Orientation, TaskOutcome, TaskStatus, VideoRequest,
};
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, Notify, Semaphore};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::download::download;
use crate::library::{video_stem, Library, Recipe};
use crate::state::TaskState;
use crate::store::{now, NewTask, Patch, Store, StoreError, Task};

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
    KeyRefused { message: String },
}

/// How to fit a reference picture into the frame; stored with the task.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImageFit {
    pub framing: sora_preflight::Framing,
    pub focus: Option<sora_preflight::Focus>,
    pub crop: Option<sora_preflight::CropRect>,
}

/// What a person asks for when they press Generate.
#[derive(Debug, Clone)]
pub struct SubmitRequest {
    pub prompt: String,
    pub orientation: Orientation,
    pub duration: u32,
    pub model: String,
    pub image: Option<PathBuf>,
    pub image_fit: ImageFit,
    pub callback_url: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{0}")]
    Invalid(ApiError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    NotAllowed(String),
    /// Another process (the app, or another `sora-desk-cli`) runs the engine on this store.
    #[error("Another Sora Desk is already working on these tasks.")]
    Busy,
    #[error("The app's data folder could not be used: {0}")]
    DataFolder(String),
}

impl EngineError {
    /// Stable code for the UI and the CLI.
    pub fn code(&self) -> &'static str {
        match self {
            EngineError::Invalid(e) => e.code(),
            EngineError::Store(StoreError::NotFound(_)) => "not_found",
            EngineError::Store(_) => "storage",
            EngineError::NotAllowed(_) => "not_allowed",
            EngineError::Busy => "engine_busy",
            EngineError::DataFolder(_) => "data_folder",
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
    library: Library,
    prepared_dir: PathBuf,
    client: RwLock<Option<Client>>,
    in_flight: Semaphore,
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

/// Owns the engine's background work: dropping it stops the loop (recorded state stays).
pub struct EngineHandle {
    pub engine: Engine,
    cancel: CancellationToken,
}

impl EngineHandle {
    /// Stops gracefully: no new step starts, and the running ones (a paid call, a download)
    /// get up to `limit` to finish and record their outcome. Dropping the handle instead
    /// stops at once, which is as safe as a crash but may leave a paid call's outcome unknown.
    pub async fn shutdown(self, limit: Duration) {
        let inner = &self.engine.inner;
        inner
            .stopping
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let deadline = Instant::now() + limit;
        while !inner
            .busy
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty()
            && Instant::now() < deadline
        {
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

impl Engine {
    /// Starts the engine on `store`. Every unfinished task is resumed. `client` may be `None`
    /// until a key is set ([`Engine::set_client`]); tasks then wait.
    ///
    /// Only one engine runs per data folder, across processes (an OS file lock): a second one
    /// gets [`EngineError::Busy`] and should [`record`] tasks for the running one instead
    /// (after waiting up to `config.lock_wait` for it to go away).
    pub fn start(
        config: EngineConfig,
        store: Arc<Store>,
        library: Library,
        data_dir: &Path,
        client: Option<Client>,
    ) -> Result<EngineHandle, EngineError> {
        let lock = lock_engine(data_dir, config.lock_wait)?;
        let (events, _) = broadcast::channel(256);
        let cancel = CancellationToken::new();
        let inner = Arc::new(Inner {
            _lock: lock,
            cancel: cancel.clone(),
            stopping: std::sync::atomic::AtomicBool::new(false),
            in_flight: Semaphore::new(config.max_in_flight.max(1)),
            config,
            store,
            library,
            prepared_dir: data_dir.join("prepared"),
            client: RwLock::new(client),
            busy: Mutex::new(HashSet::new()),
            schedule: Mutex::new(HashMap::new()),
            wake: Notify::new(),
            changed: Mutex::new(HashSet::new()),
            events,
            uploading: Mutex::new(HashMap::new()),
        });
        let engine = Engine { inner };
        engine.resume_interrupted();
        tokio::spawn(engine.clone().run(cancel.clone()));
        tokio::spawn(engine.clone().publish(cancel.clone()));
        Ok(EngineHandle { engine, cancel })
    }

    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        self.inner.events.subscribe()
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.inner.store
    }

    /// Uses a new client (a new key or new hosts); waiting tasks go on at once.
    pub fn set_client(&self, client: Option<Client>) {
        *self.inner.client.write().unwrap_or_else(|p| p.into_inner()) = client;
        self.wake_all();
    }

    /// Records a new task and starts it. Invalid requests are refused before anything is
    /// recorded; nothing is paid until the engine reaches the create step.
    pub fn submit(&self, request: SubmitRequest) -> Result<Task, EngineError> {
        let task = record(&self.inner.store, request)?;
        self.changed(&task.id);
        self.due_now(&task.id);
        Ok(task)
    }

    /// Records a task and wakes the scheduler for it.
    fn start_task(&self, new: NewTask) -> Result<Task, EngineError> {
        let task = self.inner.store.insert(&new)?;
        self.changed(&task.id);
        self.due_now(&task.id);
        Ok(task)
    }

    /// Starts a new task with the same settings as `id` (a new paid call, only when asked).
    pub fn retry(&self, id: &str) -> Result<Task, EngineError> {
        let old = self.inner.store.get(id)?;
        if !old.state.is_final() {
            return Err(EngineError::NotAllowed(
                "This video is still being made; wait for it to finish first.".into(),
            ));
        }
        self.start_task(NewTask {
            id: new_task_id(),
            model: old.model,
            prompt: old.prompt,
            orientation: old.orientation,
            duration: old.duration,
            callback_url: old.callback_url,
            source_image: old.source_image,
            image_options: old.image_options,
            retry_of: Some(old.id),
        })
    }

    /// Forgets a finished task and moves its video and recipe to the OS trash.
    pub fn delete(&self, id: &str) -> Result<Task, EngineError> {
        let task = self.inner.store.get(id)?;
        if !task.state.is_final() {
            return Err(EngineError::NotAllowed(
                "This video is still being made; it can be deleted once it has finished.".into(),
            ));
        }
        if let Some(video) = task.video_path.as_deref().map(Path::new) {
            for path in [video.to_path_buf(), video.with_extension("json")] {
                if path.exists() {
                    trash::delete(&path).map_err(|e| {
                        EngineError::NotAllowed(format!(
                            "The video could not be moved to the trash ({e}). Nothing was deleted."
                        ))
                    })?;
                }
            }
        }
        let task = self.inner.store.delete(id)?;
        self.changed(id);
        Ok(task)
    }

    pub fn set_favourite(&self, id: &str, favourite: bool) -> Result<Task, EngineError> {
        let task = self.inner.store.set_favourite(id, favourite)?;
        self.changed(id);
        Ok(task)
    }

    /// Tasks found mid-step when the engine starts. Only one step is not safe to redo: the
    /// paid create call, whose outcome a crash leaves unknown.
    fn resume_interrupted(&self) {
        let Ok(active) = self.inner.store.active() else {
            return;
        };
        for task in active {
            if task.state == TaskState::Submitting {
                let _ = self.fail_as(
                    &task,
                    TaskState::OutcomeUnknown,
                    &ApiError::new(
                        ErrorKind::OutcomeUnknown,
                        "Sora Desk stopped while sending this request, so it cannot tell whether \
                         EvoLink started the video. Check your EvoLink dashboard before trying \
                         again: a new try is charged again.",
                    ),
                );
            } else {
                self.due_now(&task.id);
            }
        }
    }

    async fn run(self, cancel: CancellationToken) {
        loop {
            // Look at the store at least every second: another process (the CLI next to the
            // app) may have recorded a task for this engine to carry.
            let rescan = Instant::now() + RESCAN;
            let next = self.start_due_steps().map_or(rescan, |at| at.min(rescan));
            let sleep = tokio::time::sleep_until(next);
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = self.inner.wake.notified() => {}
                _ = sleep => {}
            }
        }
    }

    /// Starts every due step; returns when the next one is due.
    fn start_due_steps(&self) -> Option<Instant> {
        if self
            .inner
            .stopping
            .load(std::sync::atomic::Ordering::SeqCst)
        {
            return None;
        }
        let active = match self.inner.store.active() {
            Ok(active) => active,
            Err(_) => return Some(Instant::now() + Duration::from_secs(5)),
        };
        let now = Instant::now();
        let mut next: Option<Instant> = None;
        for task in active {
            let due = {
                let mut schedule = self
                    .inner
                    .schedule
                    .lock()
                    .unwrap_or_else(|p| p.into_inner());
                *schedule
                    .entry(task.id.clone())
                    .or_insert(Due { at: now, errors: 0 })
            };
            if due.at > now {
                next = Some(next.map_or(due.at, |n| n.min(due.at)));
                continue;
            }
            let mut busy = self.inner.busy.lock().unwrap_or_else(|p| p.into_inner());
            if !busy.insert(task.id.clone()) {
                continue;
            }
            drop(busy);
            let engine = self.clone();
            let id = task.id;
            tokio::spawn(async move {
                // The list above may be stale by now: a step that just ended may have moved
                // this task on. Work from what the store says, now that the task is ours.
                if let Ok(Some(task)) = engine.inner.store.find(&id) {
                    if task.state.is_active() {
                        // Stopping the engine drops the step at its next await, like a crash:
                        // every step is recorded before its side effect, so that is safe.
                        tokio::select! {
                            _ = engine.inner.cancel.cancelled() => {}
                            _ = engine.step(task) => {}
                        }
                    }
                }
                engine
                    .inner
                    .busy
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&id);
                engine.inner.wake.notify_one();
            });
        }
        next
    }

    async fn step(&self, task: Task) {
        let Some(client) = self.client() else {
            // No key yet: look again when one is set (set_client wakes everything).
            self.due_in(&task.id, Duration::from_secs(3600), false);
            return;
        };
        let result = match task.state {
            TaskState::Preparing => self.prepare(&task).await,
            TaskState::Uploading => self.upload(&client, &task).await,
            TaskState::Submitting => self.create(&client, &task).await,
            TaskState::Queued | TaskState::Generating => self.poll(&client, &task).await,
            TaskState::Downloading => self.save(&client, &task).await,
            _ => Ok(Next::Done),
        };
        match result {
            Ok(Next::Now) => self.due_now(&task.id),
            Ok(Next::After(wait)) => self.due_in(&task.id, wait, false),
            Ok(Next::Done) => {
                self.inner
                    .schedule
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&task.id);
            }
            Err(StepError::Later(error)) => {
                if error.kind() == ErrorKind::BadKey {
                    let _ = self.inner.events.send(EngineEvent::KeyRefused {
                        message: error.message().to_string(),
                    });
                }
                // One hiccup passes unseen; from the second in a row the card says why it waits.
                if self.errors_in_a_row(&task.id) >= 1 {
                    let noted = self.inner.store.note_trouble(
                        &task.id,
                        task.state,
                        error.code(),
                        error.message(),
                    );
                    if noted.is_ok() {
                        self.changed(&task.id);
                    }
                }
                let wait = self.backoff(&task.id, error.retry_after());
                self.due_in(&task.id, wait, true);
            }
            Err(StepError::Store) => {
                // Someone else moved the task (another process on the same store), or the
                // disk is unhappy: look at it again shortly, from what the store says.
                self.due_in(&task.id, Duration::from_secs(2), true);
            }
        }
    }

    /// Prepares the reference picture (if any) into the data folder.
    async fn prepare(&self, task: &Task) -> StepResult {
        let Some(source) = task.source_image.clone() else {
            self.advance(task, TaskState::Submitting, Patch::default())?;
            return Ok(Next::Now);
        };
        let fit: ImageFit = task
            .image_options
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or_default();
        let options = sora_preflight::Options {
            orientation: Some(match task.orientation {
                Orientation::Landscape => sora_preflight::Orientation::Landscape,
                Orientation::Portrait => sora_preflight::Orientation::Portrait,
            }),
            framing: fit.framing,
            focus: fit.focus,
            crop: fit.crop,
            ..Default::default()
        };
        let prepared_dir = self.inner.prepared_dir.clone();
        let id = task.id.clone();
        let outcome = tokio::task::spawn_blocking(move || -> Result<(PathBuf, String), String> {
            let prepared =
                sora_preflight::preflight_path(&source, &options).map_err(|e| e.to_string())?;
            std::fs::create_dir_all(&prepared_dir).map_err(|e| e.to_string())?;
            let path = prepared_dir.join(format!("{id}.{}", prepared.output.format.extension()));
            let temp = path.with_extension("part");
            std::fs::write(&temp, &prepared.bytes).map_err(|e| e.to_string())?;
            std::fs::rename(&temp, &path).map_err(|e| e.to_string())?;
            let sha = crate::library::hex(&sha2::Sha256::digest(&prepared.bytes));
            Ok((path, sha))
        })
        .await;
        match outcome {
            Ok(Ok((path, sha))) => {
                self.advance(
                    task,
                    TaskState::Uploading,
                    Patch {
                        prepared_image: Some(path.display().to_string()),
                        prepared_sha256: Some(sha),
                        ..Patch::default()
                    },
                )?;
                Ok(Next::Now)
            }
            Ok(Err(message)) => {
                self.fail_as(
                    task,
                    TaskState::Failed,
                    &ApiError::new(ErrorKind::ImageRejected, message),
                )?;
                Ok(Next::Done)
            }
            Err(_) => {
                self.fail_as(
                    task,
                    TaskState::Failed,
                    &ApiError::new(
                        ErrorKind::ImageRejected,
                        "The picture could not be prepared.",
                    ),
                )?;
                Ok(Next::Done)
            }
        }
    }

    /// Uploads the prepared picture, or reuses an earlier upload of the same bytes.
    async fn upload(&self, client: &Client, task: &Task) -> StepResult {
        let (Some(path), Some(sha)) = (task.prepared_image.clone(), task.prepared_sha256.clone())
        else {
            // The preparation was lost (a crash before it was recorded): prepare again.
            return Err(StepError::Later(ApiError::new(
                ErrorKind::ServerTrouble,
                "preparing again",
            )));
        };
        let margin = self.inner.config.upload_reuse_margin.as_secs() as i64;
        let same_picture = self
            .inner
            .uploading
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(sha.clone())
            .or_default()
            .clone();
        let _one_at_a_time = same_picture.lock().await;
        let (url, expires_at) = match self.inner.store.reusable_upload(&sha, margin)? {
            Some(found) => found,
            None => {
                let _permit = self.inner.in_flight.acquire().await;
                let uploaded = match client.upload_image(Path::new(&path)).await {
                    Ok(uploaded) => uploaded,
                    Err(e) if e.retryable() => return Err(StepError::Later(e)),
                    Err(e) => {
                        self.fail_as(task, TaskState::Failed, &e)?;
                        return Ok(Next::Done);
                    }
                };
                let expires_at = uploaded
                    .expires_at
                    .as_deref()
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| t.timestamp())
                    .unwrap_or_else(|| now() + self.inner.config.upload_ttl.as_secs() as i64);
                self.inner
                    .store
                    .remember_upload(&sha, &uploaded.file_url, expires_at)?;
                (uploaded.file_url, expires_at)
            }
        };
        // Recorded before the paid call: from here on, a crash leaves the outcome unknown.
        self.advance(
            task,
            TaskState::Submitting,
            Patch {
                upload_url: Some(url),
                upload_expires_at: Some(expires_at),
                ..Patch::default()
            },
        )?;
        Ok(Next::Now)
    }

    /// The paid call. The task id is the idempotency key, so the client's safe retries and any
    /// replay by EvoLink map to this one task.
    async fn create(&self, client: &Client, task: &Task) -> StepResult {
        let mut request = VideoRequest::new(task.prompt.clone(), task.orientation, task.duration)
            .with_model(task.model.clone());
        if let Some(url) = &task.upload_url {
            request = request.with_image(url.clone());
        }
        if let Some(url) = &task.callback_url {
            request = request.with_callback(url.clone());
        }
        let result = {
            let _permit = self.inner.in_flight.acquire().await;
            client.create_video(&request, &task.id).await
        };
        match result {
            Ok(created) => {
                let remote = created.task;
                let next = match remote.status {
                    TaskStatus::Processing => TaskState::Generating,
                    _ => TaskState::Queued,
                };
                self.advance(
                    task,
                    next,
                    Patch {
                        remote_id: Some(remote.id.clone()),
                        remote_status: Some(remote.status.as_str().to_string()),
                        credits_reserved: remote.credits(),
                        estimated_seconds: remote.estimated_time().map(|s| s as i64),
                        submitted_at: Some(now()),
                        ..Patch::default()
                    },
                )?;
                Ok(Next::After(self.first_poll_delay(remote.estimated_time())))
            }
            Err(e) if e.kind() == ErrorKind::OutcomeUnknown => {
                self.fail_as(task, TaskState::OutcomeUnknown, &e)?;
                Ok(Next::Done)
            }
            // Refused before acceptance (the client already retried what was safe to retry):
            // nothing was created, nothing is charged. Network trouble before sending is safe
            // to try again later with the same key.
            Err(e) if e.kind() == ErrorKind::NetworkDown || e.kind() == ErrorKind::RateLimited => {
                Err(StepError::Later(e))
            }
            Err(e) => {
                self.fail_as(task, TaskState::Failed, &e)?;
                self.refresh_balance(client).await;
                Ok(Next::Done)
            }
        }
    }

    async fn poll(&self, client: &Client, task: &Task) -> StepResult {
        let Some(remote_id) = task.remote_id.clone() else {
            return Err(StepError::Later(ApiError::new(
                ErrorKind::ServerTrouble,
                "no remote id",
            )));
        };
        let remote = {
            let _permit = self.inner.in_flight.acquire().await;
            client.get_task(&remote_id).await
        };
        let remote = match remote {
            Ok(remote) => remote,
            Err(e) if e.kind() == ErrorKind::Expired || e.kind() == ErrorKind::NotFound => {
                self.fail_as(task, TaskState::Failed, &e)?;
                return Ok(Next::Done);
            }
            Err(e) => return Err(StepError::Later(e)),
        };
        let status = remote.status.as_str().to_string();
        match remote.outcome() {
            TaskOutcome::Running { progress } => {
                let next = if remote.status == TaskStatus::Pending {
                    TaskState::Queued
                } else {
                    TaskState::Generating
                };
                if next == task.state {
                    self.inner
                        .store
                        .record_progress(&task.id, next, progress, &status)?;
                    self.changed(&task.id);
                } else {
                    self.advance(
                        task,
                        next,
                        Patch {
                            progress: Some(progress),
                            remote_status: Some(status),
                            estimated_seconds: remote.estimated_time().map(|s| s as i64),
                            ..Patch::default()
                        },
                    )?;
                }
                Ok(Next::After(self.poll_delay()))
            }
            TaskOutcome::Succeeded { video_url } => {
                let ttl = self.inner.config.results_ttl.as_secs() as i64;
                self.advance(
                    task,
                    TaskState::Downloading,
                    Patch {
                        progress: Some(100),
                        remote_status: Some(status),
                        result_urls: Some(vec![video_url]),
                        results_expire_at: Some(now() + ttl),
                        credits_used: remote.credits(),
                        ..Patch::default()
                    },
                )?;
                Ok(Next::Now)
            }
            TaskOutcome::Failed(error) => {
                self.fail_as(task, TaskState::Failed, &error)?;
                // Failed tasks are refunded: show the balance as it is now.
                self.refresh_balance(client).await;
                Ok(Next::Done)
            }
        }
    }

    /// Saves the result into the library: resumable download, verification, a readable name
    /// recorded before the file takes it, then the recipe.
    async fn save(&self, client: &Client, task: &Task) -> StepResult {
        let library = &self.inner.library;
        let part = library.part_path(&task.id);

        // A crash after the file took its recorded name but before the task was marked done
        // (perhaps even before the part file was removed). The file is recognised as ours by
        // the hash recorded with the name: another video may have taken that name meanwhile.
        if let (Some(video), Some(sha)) = (task.video_path.as_deref(), task.video_sha256.as_deref())
        {
            let video = PathBuf::from(video);
            let ours = crate::library::hash_file(&video).is_ok_and(|(hash, _)| hash == sha);
            if ours {
                let _ = std::fs::remove_file(&part);
                return self.finish(client, task, &video).await;
            }
        }

        let Some(url) = task.result_urls.first().cloned() else {
            self.fail_as(
                task,
                TaskState::Failed,
                &ApiError::from_task_failure("empty_results", None),
            )?;
            return Ok(Next::Done);
        };
        let downloaded = {
            let _permit = self.inner.in_flight.acquire().await;
            download(client, &url, &part).await
        };
        let downloaded = match downloaded {
            Ok(downloaded) => downloaded,
            Err(e) => {
                let expired = e.kind() == ErrorKind::Expired
                    || task.results_expire_at.is_some_and(|at| now() > at);
                if !expired {
                    return Err(StepError::Later(e));
                }
                // The links are dead: what was downloaded can never be completed.
                self.fail_as(task, TaskState::Expired, &ApiError::of(ErrorKind::Expired))?;
                let _ = std::fs::remove_file(&part);
                return Ok(Next::Done);
            }
        };

        let stem = video_stem(task);
        loop {
            let target = match &task.video_path {
                Some(planned) if !Path::new(planned).exists() => PathBuf::from(planned),
                _ => library.free_path(&stem),
            };
            // Record the name first: if we crash after placing, the next run finds it.
            let task = self.advance(
                task,
                TaskState::Downloading,
                Patch {
                    video: Some((
                        target.display().to_string(),
                        downloaded.size,
                        downloaded.sha256.clone(),
                    )),
                    ..Patch::default()
                },
            )?;
            match library.place_at(&part, &target) {
                Ok(true) => return self.finish(client, &task, &target).await,
                Ok(false) => continue,
                Err(e) => {
                    return Err(StepError::Later(ApiError::new(
                        ErrorKind::ServerTrouble,
                        format!("The video could not be saved in the library folder ({e})."),
                    )))
                }
            }
        }
    }

    async fn finish(&self, client: &Client, task: &Task, video: &Path) -> StepResult {
        let (sha, size) = match (&task.video_sha256, task.video_size) {
            (Some(sha), Some(size)) => (sha.clone(), size),
            _ => crate::library::hash_file(video).map_err(|e| {
                StepError::Later(ApiError::new(ErrorKind::ServerTrouble, e.to_string()))
            })?,
        };
        let finished_at = now();
        let recipe = Recipe::for_task(task, finished_at, &sha);
        if let Err(e) = self.inner.library.write_recipe(video, &recipe) {
            return Err(StepError::Later(ApiError::new(
                ErrorKind::ServerTrouble,
                format!("The recipe beside the video could not be written ({e})."),
            )));
        }
        self.advance(
            task,
            TaskState::Done,
            Patch {
                video: Some((video.display().to_string(), size, sha)),
                ..Patch::default()
            },
        )?;
        if let Some(prepared) = &task.prepared_image {
            let _ = std::fs::remove_file(prepared);
        }
        self.refresh_balance(client).await;
        Ok(Next::Done)
    }

    async fn refresh_balance(&self, client: &Client) {
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

    fn advance(&self, task: &Task, to: TaskState, patch: Patch) -> Result<Task, StepError> {
        let updated = self.inner.store.advance(&task.id, task.state, to, &patch)?;
        self.changed(&task.id);
        Ok(updated)
    }

    fn fail_as(&self, task: &Task, to: TaskState, error: &ApiError) -> Result<Task, StepError> {
        self.advance(
            task,
            to,
            Patch {
                error: Some((
                    error.code().to_string(),
                    error.message().to_string(),
                    error.retryable(),
                )),
                ..Patch::default()
            },
        )
    }

    fn client(&self) -> Option<Client> {
        self.inner
            .client
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn changed(&self, id: &str) {
        self.inner
            .changed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id.to_string());
    }

    fn due_now(&self, id: &str) {
        self.due_in(id, Duration::ZERO, false);
    }

    fn due_in(&self, id: &str, wait: Duration, error: bool) {
        let mut schedule = self
            .inner
            .schedule
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let entry = schedule.entry(id.to_string()).or_insert(Due {
            at: Instant::now(),
            errors: 0,
        });
        entry.at = Instant::now() + wait;
        entry.errors = if error { entry.errors + 1 } else { 0 };
        drop(schedule);
        self.inner.wake.notify_one();
    }

    fn wake_all(&self) {
        let mut schedule = self
            .inner
            .schedule
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        for due in schedule.values_mut() {
            due.at = Instant::now();
        }
        drop(schedule);
        self.inner.wake.notify_one();
    }

    /// Exponential backoff with full jitter, or what the server asked for.
    fn errors_in_a_row(&self, id: &str) -> u32 {
        self.inner
            .schedule
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .map_or(0, |d| d.errors)
    }

    fn backoff(&self, id: &str, retry_after: Option<Duration>) -> Duration {
        let errors = self.errors_in_a_row(id);
        let config = &self.inner.config;
        let ceiling = config
            .error_backoff
            .saturating_mul(1u32 << errors.min(16))
            .min(config.max_backoff);
        let jittered = ceiling.mul_f64(0.5 + fastrand::f64() * 0.5);
        // The server's Retry-After is a minimum; an absurd one is capped at an hour.
        match retry_after {
            Some(asked) => asked.min(Duration::from_secs(3600)).max(jittered),
            None => jittered,
        }
    }

    fn first_poll_delay(&self, estimated: Option<f64>) -> Duration {
        let first = self.inner.config.first_poll_after;
        match estimated {
            // A long estimate is no reason to look later than usual: progress is shown.
            Some(seconds) if seconds > 0.0 => first.min(Duration::from_secs_f64(seconds)),
            _ => first,
        }
    }

    fn poll_delay(&self) -> Duration {
        let (low, high) = self.inner.config.poll_interval;
        low + (high.saturating_sub(low)).mul_f64(fastrand::f64())
    }

    /// Publishes the tasks that changed, gathered over `event_batch`.
    async fn publish(self, cancel: CancellationToken) {
        let mut tick = tokio::time::interval(self.inner.config.event_batch);
        loop {
            tokio::select! {
                _ = cancel.cancelled() => { self.flush(); return; }
                _ = tick.tick() => self.flush(),
            }
        }
    }

    fn flush(&self) {
        let ids: Vec<String> = self
            .inner
            .changed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain()
            .collect();
        if ids.is_empty() {
            return;
        }
        let tasks: Vec<Task> = ids
            .iter()
            .filter_map(|id| self.inner.store.find(id).ok().flatten())
            .collect();
        let _ = self.inner.events.send(EngineEvent::Tasks { tasks });
    }
}

enum Next {
    Now,
    After(Duration),
    Done,
}

enum StepError {
    /// Try the same step again later (network, rate limit, server trouble).
    Later(ApiError),
    /// The store refused the change: another writer moved the task, or the disk failed. The
    /// step is looked at again from what the store says.
    Store,
}

impl From<StoreError> for StepError {
    fn from(_: StoreError) -> Self {
        StepError::Store
    }
}

type StepResult = Result<Next, StepError>;

/// How often the scheduler looks for tasks recorded by other processes.
const RESCAN: Duration = Duration::from_secs(1);

/// Validates a request and records it as a new task, for the engine running on this store
/// (here or in another process) to carry. Nothing is sent and nothing is paid here.
pub fn record(store: &Store, request: SubmitRequest) -> Result<Task, EngineError> {
    let mut check = VideoRequest::new(
        request.prompt.clone(),
        request.orientation,
        request.duration,
    )
    .with_model(request.model.clone());
    if request.image.is_some() {
        // A stand-in URL: only the number of images matters to validation here.
        check = check.with_image("https://files.invalid/reference.jpg");
    }
    if let Some(url) = &request.callback_url {
        check = check.with_callback(url.clone());
    }
    check.to_body().map_err(EngineError::Invalid)?;
    Ok(store.insert(&NewTask {
        id: new_task_id(),
        model: request.model,
        prompt: request.prompt,
        orientation: request.orientation,
        duration: request.duration,
        callback_url: request.callback_url,
        source_image: request.image.map(|p| p.display().to_string()),
        image_options: Some(serde_json::to_string(&request.image_fit).unwrap_or_default()),
        retry_of: None,
    })?)
}

/// Takes the data folder's engine lock, waiting up to `wait` for another engine to let go.
fn lock_engine(data_dir: &Path, wait: Duration) -> Result<std::fs::File, EngineError> {
    std::fs::create_dir_all(data_dir).map_err(|e| EngineError::DataFolder(e.to_string()))?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(data_dir.join("engine.lock"))
        .map_err(|e| EngineError::DataFolder(e.to_string()))?;
    let deadline = std::time::Instant::now() + wait;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(std::fs::TryLockError::WouldBlock) => return Err(EngineError::Busy),
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(EngineError::DataFolder(e.to_string()))
            }
        }
    }
}

/// A fresh task id, also used as the idempotency key: `sd-` and 26 random alphanumerics.
fn new_task_id() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let random: String = (0..26)
        .map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char)
        .collect();
    format!("sd-{random}")
}

use sha2::Digest as _;
