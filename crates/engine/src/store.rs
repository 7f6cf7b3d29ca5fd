//! The task store: SQLite in WAL mode, numbered migrations embedded in the binary.
//!
//! There is one writer path: every change goes through a method here, each a single statement
//! or transaction, and each state change is a compare-and-set on the current state so two
//! writers (the app and the CLI on the same store) can never both move the same task.

use std::path::Path;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use evolink::models::{Choices, Settled};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;
use sora_words::Words;

use crate::state::TaskState;

mod posters;
mod queue;
pub use queue::{QueueRules, Run};

/// Migrations, in order. A database records how many it has applied in `user_version`.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/001_tasks.sql"),
    include_str!("migrations/002_bound_and_checked.sql"),
    include_str!("migrations/003_models.sql"),
    include_str!("migrations/004_queue.sql"),
    include_str!("migrations/005_posters.sql"),
    include_str!("migrations/006_queue_order_index.sql"),
];

/// The queue place of a task recorded now: after every other (`tasks_by_queue_order` makes
/// this one index look-up, not a read of every task).
const END_OF_QUEUE: &str = "(SELECT COALESCE(MAX(queue_order), 0) + 1 FROM tasks)";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the task database could not be used: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the task database was written by a newer version of Sora Desk (schema {found}, this version knows {known}); update the app")]
    TooNew { found: i64, known: i64 },
    #[error("no task with id {0}")]
    NotFound(String),
    #[error("task {id} is {actual}, not {expected}")]
    WrongState {
        id: String,
        expected: String,
        actual: TaskState,
    },
    #[error("a task cannot go from {from} to {to}")]
    BadTransition { from: TaskState, to: TaskState },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Seconds since the Unix epoch, the store's only time unit.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// What the person asked for.
#[derive(Debug, Clone)]
pub struct NewTask {
    pub id: String,
    pub prompt: String,
    /// The model (its EvoLink id, `settled.api_id`) and every choice, checked and complete.
    pub settled: Settled,
    pub callback_url: Option<String>,
    pub first: Option<NewPicture>,
    pub last: Option<NewPicture>,
    pub retry_of: Option<String>,
    /// The tasks it was recorded with (a batch, the takes of one prompt).
    pub grouping: Grouping,
    /// What its paid call is estimated to cost (None for a video of another task's call).
    pub estimate_credits: Option<f64>,
}

/// Where a new task sits among the tasks recorded with it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Grouping {
    pub batch_id: Option<String>,
    pub takes_group: Option<String>,
    /// 1, 2, ... within `takes_group`.
    pub take: Option<u32>,
    /// Set on the other videos of a call that makes several: the task making the call.
    pub lead_id: Option<String>,
}

impl NewTask {
    /// A text-only task for `model` (a manifest id) with its default choices and `choices`.
    /// Panics on choices the model cannot take: for tests, tools and examples only.
    pub fn with_defaults(id: &str, model: &str, prompt: &str, choices: &Choices) -> NewTask {
        let settled = evolink::models::manifest()
            .model(model)
            .expect("a model of the manifest")
            .settle(choices, Default::default())
            .expect("choices the model takes");
        NewTask {
            id: id.to_string(),
            prompt: prompt.to_string(),
            settled,
            callback_url: None,
            first: None,
            last: None,
            retry_of: None,
            grouping: Grouping::default(),
            estimate_credits: None,
        }
    }
}

/// A picture the person gave, before it is prepared.
#[derive(Debug, Clone)]
pub struct NewPicture {
    pub source: String,
    /// How to fit the picture (framing, focus), as JSON understood by the preflight step.
    pub options: Option<String>,
}

/// A task as recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Task {
    pub id: String,
    pub remote_id: Option<String>,
    /// EvoLink's `model` value as sent.
    pub model: String,
    pub prompt: String,
    /// The `aspect_ratio` chosen, e.g. `16:9`.
    pub aspect: String,
    /// Seconds, or the model's "let it choose" value.
    pub duration: i64,
    pub quality: Option<String>,
    /// With sound, silent, or not said by the model.
    pub audio: Option<bool>,
    pub seed: Option<u64>,
    pub negative_prompt: Option<String>,
    pub callback_url: Option<String>,
    /// The first frame: the person's picture, how to fit it, its prepared copy and upload.
    pub source_image: Option<String>,
    pub image_options: Option<String>,
    pub prepared_image: Option<String>,
    pub prepared_sha256: Option<String>,
    pub upload_url: Option<String>,
    pub upload_expires_at: Option<i64>,
    /// The last frame, the same way.
    pub last_source_image: Option<String>,
    pub last_image_options: Option<String>,
    pub last_prepared_image: Option<String>,
    pub last_prepared_sha256: Option<String>,
    pub last_upload_url: Option<String>,
    pub last_upload_expires_at: Option<i64>,
    pub state: TaskState,
    pub progress: u8,
    pub remote_status: Option<String>,
    pub error_code: Option<String>,
    /// Why the task failed or waits, as words (stored as their JSON in `error_message`).
    pub error_message: Option<Words>,
    pub error_retryable: Option<bool>,
    pub credits_reserved: Option<f64>,
    pub credits_used: Option<f64>,
    pub estimated_seconds: Option<i64>,
    pub result_urls: Vec<String>,
    pub results_expire_at: Option<i64>,
    pub video_path: Option<String>,
    pub video_size: Option<u64>,
    pub video_sha256: Option<String>,
    pub favourite: bool,
    pub retry_of: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub submitted_at: Option<i64>,
    pub finished_at: Option<i64>,
    /// The task API host the task was sent to (None until it is sent).
    pub api_base: Option<String>,
    /// Fingerprint of the key it was sent with (None until it is sent); never the key.
    pub account: Option<String>,
    /// Set just before the paid call is sent, cleared on a certain refusal: while set, the
    /// task may exist upstream and is reconciled, never sent as new.
    pub create_sent_at: Option<i64>,
    /// Reconciliation attempts of an uncertain create.
    pub checks: u32,
    /// What the last lookup of an uncertain create found (see [`Lookup`]).
    pub lookup: Option<String>,
    /// EvoLink's request id of the last failed call, for support.
    pub request_id: Option<String>,
    /// Place in the queue (lower goes first); meaningful while `waiting`.
    pub queue_order: Option<i64>,
    pub batch_id: Option<String>,
    pub takes_group: Option<String>,
    pub take: Option<u32>,
    /// Videos its paid call makes (Veo's `n`); 1 elsewhere.
    pub videos: u32,
    /// The task whose paid call makes this video too, when it is not this one.
    pub lead_id: Option<String>,
    pub estimate_credits: Option<f64>,
    /// A paid task the person stopped following (see [`Stopped`]).
    pub stopped: Option<Stopped>,
    /// The size of the saved video's still (the poster its card shows), once made.
    pub poster: Option<PosterSize>,
    /// Why no still can be made of the saved video (a code), if so.
    pub poster_error: Option<String>,
}

/// The size in pixels of a saved video's still.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PosterSize {
    pub width: u32,
    pub height: u32,
}

/// What to do with the video of a paid task the person stopped following (EvoLink cannot
/// cancel a started video).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stopped {
    /// Save it if it comes.
    Keep,
    /// Do not save it; the task ends `failed` with `stopped` once EvoLink is done.
    Discard,
}

impl Stopped {
    pub fn as_str(self) -> &'static str {
        match self {
            Stopped::Keep => "keep",
            Stopped::Discard => "discard",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Stopped::Keep, Stopped::Discard]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// The role of a picture in a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The first frame (the only picture of most models).
    First,
    /// The last frame.
    Last,
}

impl Role {
    pub const ALL: [Role; 2] = [Role::First, Role::Last];
}

/// One picture of a task as recorded: the person's file, how to fit it, and its prepared copy.
#[derive(Debug, Clone, Copy)]
pub struct PictureColumns<'a> {
    pub source: Option<&'a str>,
    pub options: Option<&'a str>,
    pub prepared: Option<&'a str>,
    pub prepared_sha256: Option<&'a str>,
}

impl Task {
    /// The columns of the picture in `role`.
    pub fn picture(&self, role: Role) -> PictureColumns<'_> {
        let (source, options, prepared, sha) = match role {
            Role::First => (
                &self.source_image,
                &self.image_options,
                &self.prepared_image,
                &self.prepared_sha256,
            ),
            Role::Last => (
                &self.last_source_image,
                &self.last_image_options,
                &self.last_prepared_image,
                &self.last_prepared_sha256,
            ),
        };
        PictureColumns {
            source: source.as_deref(),
            options: options.as_deref(),
            prepared: prepared.as_deref(),
            prepared_sha256: sha.as_deref(),
        }
    }

    /// The model and every choice the task was recorded with.
    pub fn settled(&self) -> Settled {
        Settled {
            api_id: self.model.clone(),
            duration: self.duration,
            quality: self.quality.clone(),
            aspect: self.aspect.clone(),
            audio: self.audio,
            seed: self.seed,
            negative_prompt: self.negative_prompt.clone(),
            videos: self.videos,
        }
    }

    /// The choices the task was recorded with, as a request carries them.
    pub fn choices(&self) -> Choices {
        Choices {
            duration: Some(self.duration),
            quality: self.quality.clone(),
            aspect: Some(self.aspect.clone()),
            audio: self.audio,
            seed: self.seed,
            negative_prompt: self.negative_prompt.clone(),
            videos: (self.videos > 1).then_some(self.videos),
        }
    }

    /// Whether the paid call of this task may have been made (it is then never removed
    /// without a trace: EvoLink cannot cancel, so it may cost money).
    pub fn may_be_paid(&self) -> bool {
        match self.state {
            TaskState::Preparing | TaskState::Waiting | TaskState::Uploading => false,
            TaskState::Submitting => self.create_sent_at.is_some(),
            _ => true,
        }
    }

    /// The shape that was asked of EvoLink: `None` when the model takes its shape from the
    /// pictures and the task has some (Kling and MiniMax with frames, Grok with a picture).
    pub fn aspect_sent(&self) -> Option<&str> {
        let with_pictures = Role::ALL
            .iter()
            .any(|&role| self.picture(role).source.is_some());
        let sent = self
            .model_entry()
            .is_none_or(|m| m.sends_aspect(with_pictures));
        sent.then_some(self.aspect.as_str())
    }

    /// The model's entry in the manifest (None for a model this version no longer knows).
    pub fn model_entry(&self) -> Option<&'static evolink::models::Model> {
        evolink::models::manifest()
            .by_api_id(&self.model)
            .map(|(m, _)| m)
    }
}

/// What looking up an uncertain create at EvoLink found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// No task at EvoLink could be this one: it was very likely never created.
    NothingFound,
    /// Several tasks could be this one.
    Ambiguous,
    /// EvoLink could not be asked.
    Unavailable,
}

impl Lookup {
    pub const ALL: [Lookup; 3] = [Lookup::NothingFound, Lookup::Ambiguous, Lookup::Unavailable];

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Lookup::NothingFound => "nothing_found",
            Lookup::Ambiguous => "ambiguous",
            Lookup::Unavailable => "unavailable",
        }
    }
}

/// What the library holds and what it cost.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    /// Credits charged for every task in the store.
    pub credits_used_total: f64,
    /// Credits charged for tasks finished since the time asked for.
    pub credits_used_since: f64,
    pub favourites: u64,
    /// How many tasks are in each state (states with none are left out).
    pub counts: std::collections::BTreeMap<TaskState, u64>,
}

/// A page of the gallery: newest first, optionally filtered.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub states: Vec<TaskState>,
    /// Words that must all appear in the prompt (case-insensitive).
    pub search: Option<String>,
    pub favourites_only: bool,
    /// Only the takes of one prompt.
    pub takes_group: Option<String>,
    pub offset: u32,
    pub limit: u32,
}

/// A change recorded together with a state change; unset fields are left as they are.
#[derive(Debug, Clone, Default)]
pub struct Patch {
    pub remote_id: Option<String>,
    pub prepared_image: Option<String>,
    pub prepared_sha256: Option<String>,
    pub upload_url: Option<String>,
    pub upload_expires_at: Option<i64>,
    pub last_prepared_image: Option<String>,
    pub last_prepared_sha256: Option<String>,
    pub last_upload_url: Option<String>,
    pub last_upload_expires_at: Option<i64>,
    pub progress: Option<u8>,
    pub remote_status: Option<String>,
    pub error: Option<(String, Words, bool)>,
    pub credits_reserved: Option<f64>,
    pub credits_used: Option<f64>,
    pub estimated_seconds: Option<i64>,
    pub result_urls: Option<Vec<String>>,
    pub results_expire_at: Option<i64>,
    pub video: Option<(String, u64, String)>,
    pub submitted_at: Option<i64>,
    pub request_id: Option<String>,
    /// What a lookup found, recorded with the move to `outcome_unknown`.
    pub lookup: Option<Lookup>,
}

/// An upload is reused only for the same picture, file host and account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadKey {
    pub sha256: String,
    pub files_base: String,
    pub account: String,
}

pub struct Store {
    conn: Mutex<Connection>,
}

impl Store {
    /// Opens (creating if needed) the store in `data_dir/sora-desk.sqlite3`.
    pub fn open_in(data_dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| StoreError::Sqlite(rusqlite::Error::ToSqlConversionFailure(e.into())))?;
        Self::open(&data_dir.join("sora-desk.sqlite3"))
    }

    pub fn open(path: &Path) -> Result<Self> {
        // Switching a new database to WAL needs a lock SQLite does not wait for, so another
        // process opening the same new store at that instant makes us "busy": try again.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            match Self::open_once(path) {
                Err(StoreError::Sqlite(e))
                    if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                        && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                other => return other,
            }
        }
    }

    fn open_once(path: &Path) -> Result<Self> {
        let conn = Connection::open(path)?;
        // A busy timeout (set first, so it covers everything below) lets the app and the CLI
        // share one store without spurious "database is locked". WAL: readers (the gallery)
        // never wait for the writer (the engine).
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        Self::init(conn)
    }

    /// A private store in memory, for tests.
    pub fn in_memory() -> Result<Self> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Self> {
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrate(&mut conn)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (each change is one
        // statement or transaction), so a poisoned lock is safe to keep using.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records a new task in `preparing`, before anything else happens for it.
    pub fn insert(&self, new: &NewTask) -> Result<Task> {
        Ok(self.insert_all(std::slice::from_ref(new))?.remove(0))
    }

    /// Records several tasks at once (a batch, the takes of one prompt): all of them or, if
    /// anything fails, none. They join the end of the queue in the order given.
    pub fn insert_all(&self, tasks: &[NewTask]) -> Result<Vec<Task>> {
        let now = now();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for new in tasks {
            let s = &new.settled;
            let (first, last) = (new.first.as_ref(), new.last.as_ref());
            let g = &new.grouping;
            tx.execute(
                &format!(
                    "INSERT INTO tasks (id, model, prompt, aspect, duration, quality, audio, seed,
                                    negative_prompt, callback_url, source_image, image_options,
                                    last_source_image, last_image_options, retry_of, state,
                                    created_at, updated_at, videos, batch_id, takes_group, take,
                                    lead_id, estimate_credits, queue_order)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                         ?17, ?17, ?18, ?19, ?20, ?21, ?22, ?23, {END_OF_QUEUE})"
                ),
                params![
                    new.id,
                    s.api_id,
                    new.prompt,
                    s.aspect,
                    s.duration,
                    s.quality,
                    s.audio,
                    s.seed.map(|n| n as i64),
                    s.negative_prompt,
                    new.callback_url,
                    first.map(|p| &p.source),
                    first.and_then(|p| p.options.as_ref()),
                    last.map(|p| &p.source),
                    last.and_then(|p| p.options.as_ref()),
                    new.retry_of,
                    TaskState::Preparing.as_str(),
                    now,
                    s.videos,
                    g.batch_id,
                    g.takes_group,
                    g.take,
                    g.lead_id,
                    new.estimate_credits,
                ],
            )?;
        }
        // Read back before the commit: the tasks as recorded, before the engine, which may
        // see them the moment they are committed, moves them on.
        let recorded = tasks
            .iter()
            .map(|t| tx.query_row("SELECT * FROM tasks WHERE id = ?1", [&t.id], task_from_row))
            .collect::<rusqlite::Result<Vec<_>>>()?;
        tx.commit()?;
        Ok(recorded)
    }

    pub fn get(&self, id: &str) -> Result<Task> {
        self.find(id)?
            .ok_or_else(|| StoreError::NotFound(id.to_string()))
    }

    pub fn find(&self, id: &str) -> Result<Option<Task>> {
        Ok(self
            .conn()
            .query_row("SELECT * FROM tasks WHERE id = ?1", [id], task_from_row)
            .optional()?)
    }

    /// Moves a task from `from` to `to`, recording `patch` in the same statement. Fails without
    /// changing anything when the task is no longer in `from` (someone else moved it).
    pub fn advance(&self, id: &str, from: TaskState, to: TaskState, patch: &Patch) -> Result<Task> {
        if !from.can_become(to) {
            return Err(StoreError::BadTransition { from, to });
        }
        let now = now();
        let finished_at = to.is_final().then_some(now);
        let error = patch.error.as_ref();
        let video = patch.video.as_ref();
        let changed = self.conn().execute(
            "UPDATE tasks SET
                state = ?3,
                remote_id = COALESCE(?4, remote_id),
                prepared_image = COALESCE(?5, prepared_image),
                prepared_sha256 = COALESCE(?6, prepared_sha256),
                upload_url = COALESCE(?7, upload_url),
                upload_expires_at = COALESCE(?8, upload_expires_at),
                progress = COALESCE(?9, progress),
                remote_status = COALESCE(?10, remote_status),
                error_code = CASE WHEN ?25 THEN NULL ELSE COALESCE(?11, error_code) END,
                error_message = CASE WHEN ?25 THEN NULL ELSE COALESCE(?12, error_message) END,
                error_retryable = CASE WHEN ?25 THEN NULL ELSE COALESCE(?13, error_retryable) END,
                credits_reserved = COALESCE(?14, credits_reserved),
                credits_used = COALESCE(?15, credits_used),
                estimated_seconds = COALESCE(?16, estimated_seconds),
                result_urls = COALESCE(?17, result_urls),
                results_expire_at = COALESCE(?18, results_expire_at),
                video_path = COALESCE(?19, video_path),
                video_size = COALESCE(?20, video_size),
                video_sha256 = COALESCE(?21, video_sha256),
                submitted_at = COALESCE(?22, submitted_at),
                finished_at = CASE WHEN ?2 = 'outcome_unknown' THEN NULL ELSE COALESCE(?23, finished_at) END,
                updated_at = ?24,
                request_id = COALESCE(?26, request_id),
                lookup = COALESCE(?27, lookup),
                checks = CASE WHEN ?2 = 'outcome_unknown' THEN 0 ELSE checks END,
                last_prepared_image = COALESCE(?28, last_prepared_image),
                last_prepared_sha256 = COALESCE(?29, last_prepared_sha256),
                last_upload_url = COALESCE(?30, last_upload_url),
                last_upload_expires_at = COALESCE(?31, last_upload_expires_at)
             WHERE id = ?1 AND state = ?2",
            params![
                id,
                from.as_str(),
                to.as_str(),
                patch.remote_id,
                patch.prepared_image,
                patch.prepared_sha256,
                patch.upload_url,
                patch.upload_expires_at,
                patch.progress,
                patch.remote_status,
                error.map(|e| &e.0),
                error.map(|e| stored_words(&e.1)),
                error.map(|e| e.2),
                patch.credits_reserved,
                patch.credits_used,
                patch.estimated_seconds,
                patch
                    .result_urls
                    .as_ref()
                    .map(|urls| serde_json::to_string(urls).unwrap_or_default()),
                patch.results_expire_at,
                video.map(|v| &v.0),
                video.map(|v| v.1 as i64),
                video.map(|v| &v.2),
                patch.submitted_at,
                finished_at,
                now,
                // Moving on to an active state clears trouble noted on the way (note_trouble).
                !to.is_final() && error.is_none(),
                patch.request_id,
                patch.lookup.map(Lookup::as_str),
                patch.last_prepared_image,
                patch.last_prepared_sha256,
                patch.last_upload_url,
                patch.last_upload_expires_at,
            ],
        )?;
        if changed == 0 {
            return Err(self.wrong_state(id, from));
        }
        self.get(id)
    }

    /// Binds a task to the host and account it is about to be sent to (once: a bound task
    /// stays bound).
    pub fn bind(&self, id: &str, api_base: &str, account: &str) -> Result<Task> {
        self.conn().execute(
            "UPDATE tasks SET api_base = ?2, account = ?3 WHERE id = ?1 AND account IS NULL",
            params![id, api_base, account],
        )?;
        self.get(id)
    }

    /// Records, durably, that the paid call of a `submitting` task is about to be sent. The
    /// write is synced to disk (`synchronous = FULL`) before this returns, so a power cut right
    /// after still finds the mark and reconciles instead of sending a second paid task.
    pub fn mark_create_sent(&self, id: &str) -> Result<Task> {
        let conn = self.conn();
        conn.pragma_update(None, "synchronous", "FULL")?;
        let changed = conn.execute(
            "UPDATE tasks SET create_sent_at = ?2, updated_at = ?2
             WHERE id = ?1 AND state = 'submitting'",
            params![id, now()],
        );
        // Back to the cheaper setting for everything else, whatever happened.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        if changed? == 0 {
            drop(conn);
            return Err(self.wrong_state(id, TaskState::Submitting));
        }
        drop(conn);
        self.get(id)
    }

    /// Clears the in-flight mark after EvoLink refused the paid call for certain (nothing was
    /// created), so a later attempt is a plain send again.
    pub fn clear_create_sent(&self, id: &str) -> Result<()> {
        self.conn().execute(
            "UPDATE tasks SET create_sent_at = NULL WHERE id = ?1 AND state = 'submitting'",
            [id],
        )?;
        Ok(())
    }

    /// Counts one reconciliation attempt of an uncertain create and what its lookup found;
    /// returns the attempts so far.
    pub fn record_check(&self, id: &str, lookup: Option<Lookup>) -> Result<u32> {
        let checks: i64 = self.conn().query_row(
            "UPDATE tasks SET checks = checks + 1, lookup = COALESCE(?2, lookup), updated_at = ?3
             WHERE id = ?1 AND state = 'submitting' RETURNING checks",
            params![id, lookup.map(Lookup::as_str), now()],
            |row| row.get(0),
        )?;
        Ok(checks as u32)
    }

    /// Whether a local task already follows this EvoLink task.
    /// EvoLink ids a create was refused for as unavailable (`model_unavailable`) since `since`.
    pub fn refused_models(&self, since: i64) -> Result<Vec<String>> {
        let conn = self.conn();
        let mut statement = conn.prepare(
            "SELECT DISTINCT model FROM tasks
             WHERE error_code = 'model_unavailable' AND finished_at >= ?1",
        )?;
        let rows = statement.query_map([since], |row| row.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn remote_id_taken(&self, remote_id: &str) -> Result<bool> {
        Ok(self
            .conn()
            .query_row(
                "SELECT 1 FROM tasks WHERE remote_id = ?1",
                [remote_id],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    fn wrong_state(&self, id: &str, expected: TaskState) -> StoreError {
        match self.get(id) {
            Ok(task) => StoreError::WrongState {
                id: id.to_string(),
                expected: expected.as_str().to_string(),
                actual: task.state,
            },
            Err(e) => e,
        }
    }

    /// The gallery: newest first.
    pub fn list(&self, query: &ListQuery) -> Result<Vec<Task>> {
        let (where_sql, args) = list_filter(query);
        let sql = format!(
            "SELECT * FROM tasks {where_sql} ORDER BY created_at DESC, rowid DESC LIMIT {} OFFSET {}",
            query.limit.clamp(1, 1000),
            query.offset
        );
        let conn = self.conn();
        let mut statement = conn.prepare(&sql)?;
        let rows = statement.query_map(rusqlite::params_from_iter(args), task_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many tasks match `query`, ignoring its paging.
    pub fn count(&self, query: &ListQuery) -> Result<u64> {
        let (where_sql, args) = list_filter(query);
        let count: i64 = self.conn().query_row(
            &format!("SELECT COUNT(*) FROM tasks {where_sql}"),
            rusqlite::params_from_iter(args),
            |row| row.get(0),
        )?;
        Ok(count as u64)
    }

    /// Every task the engine still has work to do for, oldest first.
    pub fn active(&self) -> Result<Vec<Task>> {
        let finals: Vec<&str> = TaskState::ALL
            .iter()
            .filter(|s| s.is_final())
            .map(|s| s.as_str())
            .collect();
        let placeholders = vec!["?"; finals.len()].join(", ");
        let conn = self.conn();
        let mut statement = conn.prepare(&format!(
            "SELECT * FROM tasks WHERE state NOT IN ({placeholders}) ORDER BY created_at, rowid"
        ))?;
        let rows = statement.query_map(rusqlite::params_from_iter(finals), task_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn set_favourite(&self, id: &str, favourite: bool) -> Result<Task> {
        let changed = self.conn().execute(
            "UPDATE tasks SET favourite = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, favourite, now()],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound(id.to_string()));
        }
        self.get(id)
    }

    /// Forgets a task. Only final tasks can be deleted: an active one may still cost money.
    pub fn delete(&self, id: &str) -> Result<Task> {
        let task = self.get(id)?;
        if !task.state.is_final() {
            return Err(StoreError::WrongState {
                id: id.to_string(),
                expected: "finished".into(),
                actual: task.state,
            });
        }
        self.conn()
            .execute("DELETE FROM tasks WHERE id = ?1", [id])?;
        Ok(task)
    }

    /// Forgets every task that ended without a video (`failed`, `expired`), in one
    /// transaction; returns them.
    pub fn delete_ended_without_video(&self) -> Result<Vec<Task>> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        // A call's other videos may still need its result links: kept until they have them.
        let ended = "state IN ('failed', 'expired') AND video_path IS NULL
                     AND NOT EXISTS (SELECT 1 FROM tasks f WHERE f.lead_id = tasks.id
                                     AND f.state IN ('preparing', 'waiting'))";
        let removed = {
            let mut statement = tx.prepare(&format!("SELECT * FROM tasks WHERE {ended}"))?;
            let rows = statement.query_map([], task_from_row)?;
            rows.collect::<Result<Vec<_>, _>>()?
        };
        tx.execute(&format!("DELETE FROM tasks WHERE {ended}"), [])?;
        tx.commit()?;
        Ok(removed)
    }

    /// Updates progress of a running task without changing its state.
    pub fn record_progress(
        &self,
        id: &str,
        state: TaskState,
        progress: u8,
        remote_status: &str,
    ) -> Result<()> {
        self.conn().execute(
            "UPDATE tasks SET progress = ?3, remote_status = ?4, updated_at = ?5
             WHERE id = ?1 AND state = ?2",
            params![id, state.as_str(), progress.min(100), remote_status, now()],
        )?;
        Ok(())
    }

    /// Notes why an active task is waiting (the network is down, EvoLink is busy) without
    /// changing its state; the next state change clears it.
    pub fn note_trouble(
        &self,
        id: &str,
        state: TaskState,
        code: &str,
        message: &Words,
        request_id: Option<&str>,
    ) -> Result<()> {
        let message = stored_words(message);
        self.conn().execute(
            "UPDATE tasks SET error_code = ?3, error_message = ?4, error_retryable = 1, updated_at = ?5,
                              request_id = COALESCE(?6, request_id)
             WHERE id = ?1 AND state = ?2",
            params![id, state.as_str(), code, message, now(), request_id],
        )?;
        Ok(())
    }

    /// Spend and counts for the whole library.
    pub fn stats(&self, since: i64) -> Result<Stats> {
        let conn = self.conn();
        let (credits_used_total, credits_used_since, favourites) = conn.query_row(
            "SELECT COALESCE(SUM(credits_used), 0),
                    COALESCE(SUM(CASE WHEN finished_at >= ?1 THEN credits_used END), 0),
                    COALESCE(SUM(favourite), 0)
             FROM tasks",
            [since],
            |row| Ok((row.get(0)?, row.get(1)?, row.get::<_, i64>(2)? as u64)),
        )?;
        let mut statement = conn.prepare("SELECT state, COUNT(*) FROM tasks GROUP BY state")?;
        let counts = statement
            .query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
            })?
            .filter_map(|row| {
                let (state, n) = row.ok()?;
                Some((TaskState::parse(&state)?, n as u64))
            })
            .collect();
        Ok(Stats {
            credits_used_total,
            credits_used_since,
            favourites,
            counts,
        })
    }

    /// An earlier upload of the same picture that EvoLink still keeps for at least `margin` seconds.
    pub fn reusable_upload(
        &self,
        upload: &UploadKey,
        margin: i64,
    ) -> Result<Option<(String, i64)>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT file_url, expires_at FROM uploads
                 WHERE sha256 = ?1 AND files_base = ?2 AND account = ?3 AND expires_at > ?4",
                params![
                    upload.sha256,
                    upload.files_base,
                    upload.account,
                    now() + margin
                ],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?)
    }

    pub fn remember_upload(
        &self,
        upload: &UploadKey,
        file_url: &str,
        expires_at: i64,
    ) -> Result<()> {
        self.conn().execute(
            "INSERT INTO uploads (sha256, files_base, account, file_url, expires_at, uploaded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (sha256, files_base, account)
             DO UPDATE SET file_url = ?4, expires_at = ?5, uploaded_at = ?6",
            params![
                upload.sha256,
                upload.files_base,
                upload.account,
                file_url,
                expires_at,
                now()
            ],
        )?;
        Ok(())
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()?)
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.conn().execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = ?2",
            params![key, value],
        )?;
        Ok(())
    }
}

fn migrate(conn: &mut Connection) -> Result<()> {
    // One immediate (write-locked) transaction that reads the version inside it: two processes
    // opening a new store at the same moment take turns instead of both creating the tables.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let applied: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if applied > known {
        return Err(StoreError::TooNew {
            found: applied,
            known,
        });
    }
    for sql in MIGRATIONS.iter().skip(applied as usize) {
        tx.execute_batch(sql)?;
    }
    if applied < known {
        tx.pragma_update(None, "user_version", known)?;
    }
    tx.commit()?;
    Ok(())
}

fn list_filter(query: &ListQuery) -> (String, Vec<String>) {
    let mut clauses = Vec::new();
    let mut args = Vec::new();
    if !query.states.is_empty() {
        clauses.push(format!(
            "state IN ({})",
            vec!["?"; query.states.len()].join(", ")
        ));
        args.extend(query.states.iter().map(|s| s.as_str().to_string()));
    }
    for word in query.search.iter().flat_map(|s| s.split_whitespace()) {
        clauses.push("prompt LIKE ? ESCAPE '\\'".to_string());
        let escaped = word
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        args.push(format!("%{escaped}%"));
    }
    if query.favourites_only {
        clauses.push("favourite = 1".to_string());
    }
    if let Some(group) = &query.takes_group {
        clauses.push("takes_group = ?".to_string());
        args.push(group.clone());
    }
    let where_sql = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    (where_sql, args)
}

// A task's note (`error_message`) is stored as the JSON text of its words, `{"key": ...,
// "params": {...}}`, in the column that held an English sentence before: no migration, because
// the old sentences cannot be turned into keys anyway, and a row is told apart by its text
// (JSON words start with `{"key"`, a sentence never does). An old sentence is shown as its
// code's default words (`problem.<code>`), in the person's language.
fn stored_words(words: &Words) -> String {
    serde_json::to_string(words).unwrap_or_default()
}

fn words_from_store(text: &str, code: Option<&str>) -> Words {
    serde_json::from_str::<Words>(text)
        .ok()
        .filter(|w| !w.key.is_empty())
        .unwrap_or_else(|| Words::new(format!("problem.{}", code.unwrap_or("unknown_error"))))
}

fn task_from_row(row: &Row<'_>) -> rusqlite::Result<Task> {
    let error_code: Option<String> = row.get("error_code")?;
    let state_text: String = row.get("state")?;
    let state = TaskState::parse(&state_text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("unknown task state {state_text}").into(),
        )
    })?;
    let result_urls: Option<String> = row.get("result_urls")?;
    Ok(Task {
        id: row.get("id")?,
        remote_id: row.get("remote_id")?,
        model: row.get("model")?,
        prompt: row.get("prompt")?,
        aspect: row.get("aspect")?,
        duration: row.get("duration")?,
        quality: row.get("quality")?,
        audio: row.get("audio")?,
        seed: row.get::<_, Option<i64>>("seed")?.map(|n| n as u64),
        negative_prompt: row.get("negative_prompt")?,
        callback_url: row.get("callback_url")?,
        source_image: row.get("source_image")?,
        image_options: row.get("image_options")?,
        prepared_image: row.get("prepared_image")?,
        prepared_sha256: row.get("prepared_sha256")?,
        upload_url: row.get("upload_url")?,
        upload_expires_at: row.get("upload_expires_at")?,
        last_source_image: row.get("last_source_image")?,
        last_image_options: row.get("last_image_options")?,
        last_prepared_image: row.get("last_prepared_image")?,
        last_prepared_sha256: row.get("last_prepared_sha256")?,
        last_upload_url: row.get("last_upload_url")?,
        last_upload_expires_at: row.get("last_upload_expires_at")?,
        state,
        progress: row.get::<_, i64>("progress")?.clamp(0, 100) as u8,
        remote_status: row.get("remote_status")?,
        error_code: error_code.clone(),
        error_message: row
            .get::<_, Option<String>>("error_message")?
            .map(|text| words_from_store(&text, error_code.as_deref())),
        error_retryable: row.get("error_retryable")?,
        credits_reserved: row.get("credits_reserved")?,
        credits_used: row.get("credits_used")?,
        estimated_seconds: row.get("estimated_seconds")?,
        result_urls: result_urls
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default(),
        results_expire_at: row.get("results_expire_at")?,
        video_path: row.get("video_path")?,
        video_size: row.get::<_, Option<i64>>("video_size")?.map(|n| n as u64),
        video_sha256: row.get("video_sha256")?,
        favourite: row.get("favourite")?,
        retry_of: row.get("retry_of")?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
        submitted_at: row.get("submitted_at")?,
        finished_at: row.get("finished_at")?,
        api_base: row.get("api_base")?,
        account: row.get("account")?,
        create_sent_at: row.get("create_sent_at")?,
        checks: row.get::<_, i64>("checks")?.max(0) as u32,
        lookup: row.get("lookup")?,
        request_id: row.get("request_id")?,
        queue_order: row.get("queue_order")?,
        batch_id: row.get("batch_id")?,
        takes_group: row.get("takes_group")?,
        take: row.get("take")?,
        videos: row.get::<_, i64>("videos")?.max(1) as u32,
        lead_id: row.get("lead_id")?,
        estimate_credits: row.get("estimate_credits")?,
        stopped: row
            .get::<_, Option<String>>("stopped")?
            .as_deref()
            .and_then(Stopped::parse),
        poster: match (
            row.get::<_, Option<u32>>("poster_width")?,
            row.get::<_, Option<u32>>("poster_height")?,
        ) {
            (Some(width), Some(height)) => Some(PosterSize { width, height }),
            _ => None,
        },
        poster_error: row.get("poster_error")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_task_finds_the_end_of_the_queue_in_the_index() {
        let store = Store::in_memory().unwrap();
        let conn = store.conn();
        let mut plan = conn
            .prepare(&format!("EXPLAIN QUERY PLAN SELECT {END_OF_QUEUE}"))
            .unwrap();
        let steps: Vec<String> = plan
            .query_map([], |row| row.get::<_, String>("detail"))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(
            steps
                .iter()
                .any(|step| step.contains("SEARCH tasks USING COVERING INDEX tasks_by_queue_order")),
            "{steps:?}"
        );
        assert!(
            !steps.iter().any(|step| step.contains("SCAN tasks")),
            "{steps:?}"
        );
    }
}
