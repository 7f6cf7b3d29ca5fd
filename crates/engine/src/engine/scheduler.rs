//! The scheduler: one loop over every active task. A task whose step is due gets that step run
//! (never two steps of one task at once); the step tells when the task is next due. Errors
//! back off with jitter and honour `Retry-After`; changes are published in batches.

use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::accounts::NoClient;
use super::trouble::{self, Trouble};
use super::{lock, Due, Engine, EngineEvent, Next, StepError, StepResult};
use crate::state::TaskState;
use crate::store::Task;

/// How often the scheduler looks for tasks recorded by other processes.
const RESCAN: Duration = Duration::from_secs(1);

impl Engine {
    pub(super) async fn run(self, cancel: CancellationToken) {
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
        // Waiting tasks the queue lets go move on first, so they are started below.
        self.admit_waiting();
        let active = match self.inner.store.active() {
            Ok(active) => active,
            Err(e) => {
                log::error!("the task store could not be read: {e}");
                return Some(Instant::now() + Duration::from_secs(5));
            }
        };
        let now = Instant::now();
        let mut next: Option<Instant> = None;
        for task in active {
            let due = *lock(&self.inner.schedule)
                .entry(task.id.clone())
                .or_insert(Due { at: now, errors: 0 });
            if due.at > now {
                next = Some(next.map_or(due.at, |n| n.min(due.at)));
                continue;
            }
            if !lock(&self.inner.busy).insert(task.id.clone()) {
                continue;
            }
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
                lock(&engine.inner.busy).remove(&id);
                engine.inner.wake.notify_one();
            });
        }
        next
    }

    async fn step(&self, task: Task) {
        let result = match task.state {
            TaskState::Preparing => self.prepare(&task).await,
            // One of several videos of another task's call: it waits for that call's results.
            TaskState::Waiting if task.lead_id.is_some() => self.follow_lead(&task),
            // Waiting its turn: the queue (queue.rs) moves it on and makes it due.
            TaskState::Waiting => Ok(Next::After(Duration::from_secs(3600))),
            // Saving needs no key: a made video is saved even while the key is missing.
            TaskState::Downloading => self.save(&task).await,
            state if state.is_active() => self.remote_step(&task).await,
            _ => Ok(Next::Done),
        };
        match result {
            Ok(Next::Now) => self.due_now(&task.id),
            Ok(Next::After(wait)) => self.due_in(&task.id, wait, false),
            Ok(Next::Done) => {
                lock(&self.inner.schedule).remove(&task.id);
            }
            Err(StepError::WaitForKey) => {
                // No key yet: look again when one is set (set_client wakes everything).
                self.due_in(&task.id, Duration::from_secs(3600), false);
            }
            Err(StepError::Later(trouble)) => self.later(&task, trouble),
            Err(StepError::Moved) => {
                // Another process moved the task: look at it again from what the store says.
                self.due_in(&task.id, Duration::from_millis(200), false);
            }
            Err(StepError::Store(detail)) => {
                log::error!(
                    "task {}: the task store could not be written: {detail}",
                    task.id
                );
                let message = trouble::storage_message(&detail);
                let first = lock(&self.inner.unwritten)
                    .insert(task.id.clone(), message.clone())
                    .is_none();
                if first {
                    let _ = self.inner.events.send(EngineEvent::StoreTrouble {
                        message: Some(message),
                    });
                }
                self.changed(&task.id);
                let wait = self.backoff(&task.id, None);
                self.due_in(&task.id, wait, true);
            }
        }
    }

    /// A step that speaks to EvoLink, with the client the task is followed with.
    async fn remote_step(&self, task: &Task) -> StepResult {
        let client = self.client_for(task)?;
        match task.state {
            TaskState::Uploading => self.upload(&client, task).await,
            TaskState::Submitting if task.create_sent_at.is_some() => {
                self.reconcile(&client, task).await
            }
            TaskState::Submitting => self.create(&client, task).await,
            _ => self.poll(&client, task).await,
        }
    }

    /// The client a task is followed with (see `accounts`).
    pub(super) fn client_for(&self, task: &Task) -> Result<evolink::Client, StepError> {
        self.inner.accounts.for_task(task).map_err(|e| match e {
            NoClient::NoKey => StepError::WaitForKey,
            NoClient::KeyMissing => StepError::Later(trouble::key_missing()),
        })
    }

    fn later(&self, task: &Task, trouble: Trouble) {
        log::warn!(
            "task {} waits ({}): {}{}",
            task.id,
            trouble.code,
            trouble.message,
            trouble
                .request_id
                .as_deref()
                .map(|r| format!(" [request {r}]"))
                .unwrap_or_default()
        );
        // Only the key of the current settings can be "the key" the person is told about.
        let current = self.inner.accounts.current_account();
        if trouble.key_refused && (task.account.is_none() || task.account == current) {
            let _ = self.inner.events.send(EngineEvent::KeyRefused {
                message: trouble.message.clone(),
            });
        }
        // One hiccup passes unseen; from the second in a row the card says why it waits.
        if trouble.at_once || self.errors_in_a_row(&task.id) >= 1 {
            match self.inner.store.note_trouble(
                &task.id,
                task.state,
                &trouble.code,
                &trouble.message,
                trouble.request_id.as_deref(),
            ) {
                Ok(()) => {
                    self.written(&task.id);
                    self.changed(&task.id);
                }
                Err(e) => log::error!("task {}: the note could not be written: {e}", task.id),
            }
        }
        let wait = self.backoff(&task.id, trouble.retry_after);
        self.due_in(&task.id, wait, true);
    }

    /// A write for this task worked: whatever kept it from being written is over.
    pub(super) fn written(&self, id: &str) {
        let mut unwritten = lock(&self.inner.unwritten);
        if unwritten.remove(id).is_some() {
            log::info!("task {id}: the task store can be written again");
            if unwritten.is_empty() {
                let _ = self
                    .inner
                    .events
                    .send(EngineEvent::StoreTrouble { message: None });
            }
        }
    }

    pub(super) fn due_now(&self, id: &str) {
        self.due_in(id, Duration::ZERO, false);
    }

    fn due_in(&self, id: &str, wait: Duration, error: bool) {
        let mut schedule = lock(&self.inner.schedule);
        let entry = schedule.entry(id.to_string()).or_insert(Due {
            at: Instant::now(),
            errors: 0,
        });
        entry.at = Instant::now() + wait;
        entry.errors = if error { entry.errors + 1 } else { 0 };
        drop(schedule);
        self.inner.wake.notify_one();
    }

    pub(super) fn wake_all(&self) {
        for due in lock(&self.inner.schedule).values_mut() {
            due.at = Instant::now();
        }
        self.inner.wake.notify_one();
    }

    fn errors_in_a_row(&self, id: &str) -> u32 {
        lock(&self.inner.schedule).get(id).map_or(0, |d| d.errors)
    }

    /// Exponential backoff with full jitter, or what the server asked for.
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

    pub(super) fn first_poll_delay(&self, estimated: Option<f64>) -> Duration {
        let first = self.inner.config.first_poll_after;
        match estimated {
            // A long estimate is no reason to look later than usual: progress is shown.
            Some(seconds) if seconds > 0.0 => first.min(Duration::from_secs_f64(seconds)),
            _ => first,
        }
    }

    pub(super) fn poll_delay(&self) -> Duration {
        let (low, high) = self.inner.config.poll_interval;
        low + (high.saturating_sub(low)).mul_f64(fastrand::f64())
    }

    /// Publishes the tasks that changed, gathered over `event_batch`.
    pub(super) async fn publish(self, cancel: CancellationToken) {
        let mut tick = tokio::time::interval(self.inner.config.event_batch);
        loop {
            tokio::select! {
                _ = cancel.cancelled() => { self.flush(); return; }
                _ = tick.tick() => self.flush(),
            }
        }
    }

    pub(super) fn flush(&self) {
        let ids: Vec<String> = lock(&self.inner.changed).drain().collect();
        if ids.is_empty() {
            return;
        }
        let tasks: Vec<Task> = ids
            .iter()
            .filter_map(|id| self.inner.store.find(id).ok().flatten())
            .map(|task| self.with_unwritten(task))
            .collect();
        let _ = self.inner.events.send(EngineEvent::Tasks { tasks });
    }
}
