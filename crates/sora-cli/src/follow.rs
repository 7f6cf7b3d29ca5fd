//! Following tasks to their end (or to EvoLink's acceptance), whether this process runs the
//! engine or another one does; what the CLI says on the way; and when to stop following
//! because the queue holds the remaining videos for a reason only a person can lift.

use std::collections::HashMap;
use std::time::Duration;

use sora_engine::{start_of_today, EngineEvent, EngineHandle, Store, Task, TaskState};
use tokio::sync::broadcast;
use tokio::time::Instant;

use crate::tasks::{credits, store_failure, Context, Failure};

/// Wakes the follower when something may have changed. With the engine here, its events do
/// (or two seconds without any). Without it (another process runs the engine), the store is
/// read every half second, and the engine is taken over as soon as the other process lets go
/// of it: nobody else may be left to finish the tasks.
pub struct Watch<'a> {
    context: &'a Context,
    engine: &'a mut Option<EngineHandle>,
    events: Option<broadcast::Receiver<EngineEvent>>,
}

impl<'a> Watch<'a> {
    pub fn new(context: &'a Context, engine: &'a mut Option<EngineHandle>) -> Self {
        let events = engine.as_ref().map(|handle| handle.engine.subscribe());
        Watch {
            context,
            engine,
            events,
        }
    }

    pub async fn next(&mut self) -> Result<(), Failure> {
        match self.events.as_mut() {
            Some(events) => {
                match tokio::time::timeout(Duration::from_secs(2), events.recv()).await {
                    Err(_) | Ok(Ok(_)) | Ok(Err(broadcast::error::RecvError::Lagged(_))) => {}
                    Ok(Err(broadcast::error::RecvError::Closed)) => {
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                }
            }
            None => {
                tokio::time::sleep(Duration::from_millis(500)).await;
                if let Some(handle) = self.context.engine()? {
                    self.events = Some(handle.engine.subscribe());
                    *self.engine = Some(handle);
                }
            }
        }
        Ok(())
    }
}

/// How following shows progress.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// Every status change of every task (`generate`): "Generating 40%", or "take 2: Queued".
    Steps,
    /// A progress line whenever the counts change, and a line for each task that ends
    /// (`batch`, `resume`).
    Summary,
    /// Nothing (`--json`).
    Nothing,
}

/// Where following ended.
pub struct Followed {
    /// Each followed task as it is now; `None` when it was stopped and removed meanwhile.
    pub tasks: Vec<Option<Task>>,
    /// Set when the queue holds every remaining task for a reason only a person can lift.
    pub held: Option<Held>,
}

impl Followed {
    pub fn present(&self) -> impl Iterator<Item = &Task> {
        self.tasks.iter().flatten()
    }

    pub fn any_failed(&self) -> bool {
        self.present().any(|t| {
            matches!(
                t.state,
                TaskState::Failed | TaskState::OutcomeUnknown | TaskState::Expired
            )
        })
    }
}

/// Why the queue holds videos that nothing will start by itself.
#[derive(Debug, Clone, PartialEq)]
pub enum Held {
    Paused,
    SpendLimit { limit: f64, spent: f64 },
}

impl Held {
    /// The sentence for the person, about `count` videos.
    pub fn explain(&self, count: usize) -> String {
        let videos = if count == 1 {
            "1 video waits".to_string()
        } else {
            format!("{count} videos wait")
        };
        match self {
            Held::Paused => format!(
                "{videos} in the queue, which is paused; nothing was paid for them. \
                 `sora-desk-cli queue resume` lets them go, then `sora-desk-cli resume` (or the app) makes them."
            ),
            Held::SpendLimit { limit, spent } => format!(
                "{videos} in the queue: they would pass today's spend limit of {} credits ({} spent so far); nothing was paid for them. \
                 Raise the limit with `sora-desk-cli queue limit --daily-limit CREDITS` (or --no-daily-limit), then run \
                 `sora-desk-cli resume`; otherwise they can start tomorrow.",
                credits(*limit),
                credits(*spent)
            ),
        }
    }
}

/// The queue must hold the tasks this long, across the engine's rescans (every second), before
/// following gives up on them: a rule just changed is seen by the engine within that time.
const HELD_FOR: Duration = Duration::from_millis(1500);

/// Follows `ids` until `done` holds for each (removed tasks count as done), or until the queue
/// holds all that are left (see [`held`]).
pub async fn follow_all(
    context: &Context,
    engine: &mut Option<EngineHandle>,
    ids: &[String],
    shown: Shown,
    done: impl Fn(&Task, &[Option<Task>]) -> bool,
) -> Result<Followed, Failure> {
    let mut watch = Watch::new(context, engine);
    let mut said = Said::new(ids.len());
    let mut held_since: Option<(Instant, Held)> = None;
    loop {
        let tasks = read(&context.store, ids)?;
        let spent = context.store.spent_on(ids).map_err(store_failure)?;
        said.show(shown, &tasks, spent);
        if tasks
            .iter()
            .all(|t| t.as_ref().is_none_or(|t| done(t, &tasks)))
        {
            return Ok(Followed { tasks, held: None });
        }
        match held(&context.store, &tasks)? {
            Some(why) => match &held_since {
                Some((since, before)) if *before == why && since.elapsed() >= HELD_FOR => {
                    return Ok(Followed {
                        tasks,
                        held: Some(why),
                    });
                }
                Some((_, before)) if *before == why => {}
                _ => held_since = Some((Instant::now(), why)),
            },
            None => held_since = None,
        }
        watch.next().await?;
    }
}

/// Each task of `ids` as the store has it now (`None`: removed). The unfinished ones come from
/// one read of the store, so that counts made of them are true of one instant (a video is
/// never seen both before and after a slot changed hands); ended ones no longer change.
pub fn read(store: &Store, ids: &[String]) -> Result<Vec<Option<Task>>, Failure> {
    let mut active: HashMap<String, Task> = store
        .active()
        .map_err(store_failure)?
        .into_iter()
        .map(|t| (t.id.clone(), t))
        .collect();
    ids.iter()
        .map(|id| match active.remove(id) {
            Some(task) => Ok(Some(task)),
            None => store.find(id).map_err(store_failure),
        })
        .collect()
}

/// Whether the queue holds every unfinished task of `tasks` for a reason that will not go away
/// by itself: the queue is paused, or each would pass today's spend limit. A task waiting for
/// a free slot is not held: slots free up as other videos finish.
pub fn held(store: &Store, tasks: &[Option<Task>]) -> Result<Option<Held>, Failure> {
    let open: Vec<&Task> = tasks
        .iter()
        .flatten()
        .filter(|t| t.state.is_active())
        .collect();
    if open.is_empty() || open.iter().any(|t| t.state != TaskState::Waiting) {
        return Ok(None);
    }
    // A video of another task's request waits for that request: held only if that one is.
    let leads: Vec<&&Task> = open.iter().filter(|t| t.lead_id.is_none()).collect();
    let followers_held = open
        .iter()
        .filter_map(|t| t.lead_id.as_deref())
        .all(|lead| leads.iter().any(|l| l.id == lead));
    if leads.is_empty() || !followers_held {
        return Ok(None);
    }
    let rules = store.queue_rules().map_err(store_failure)?;
    if rules.paused {
        return Ok(Some(Held::Paused));
    }
    let Some(limit) = rules.daily_limit else {
        return Ok(None);
    };
    let spent = store.spent_since(start_of_today()).map_err(store_failure)?;
    let over = leads
        .iter()
        .all(|t| !rules.fits_today(spent, t.estimate_credits.unwrap_or(0.0)));
    Ok(over.then_some(Held::SpendLimit { limit, spent }))
}

/// What has been printed, so that only changes are.
struct Said {
    lines: Vec<Option<String>>,
    ended: Vec<bool>,
    progress: String,
}

impl Said {
    fn new(n: usize) -> Self {
        Said {
            lines: vec![None; n],
            ended: vec![false; n],
            progress: String::new(),
        }
    }

    /// `spent`: the credits spent on these tasks so far (the store counts them).
    fn show(&mut self, shown: Shown, tasks: &[Option<Task>], spent: f64) {
        match shown {
            Shown::Nothing => {}
            Shown::Steps => self.steps(tasks),
            Shown::Summary => self.summary(tasks, spent),
        }
    }

    fn steps(&mut self, tasks: &[Option<Task>]) {
        let several = tasks.len() > 1;
        for (i, task) in tasks.iter().enumerate() {
            let prefix = if several {
                let take = task.as_ref().and_then(|t| t.take).unwrap_or(i as u32 + 1);
                format!("take {take}: ")
            } else {
                String::new()
            };
            let Some(task) = task else {
                if !self.ended[i] {
                    self.ended[i] = true;
                    println!("{prefix}stopped and removed; nothing was paid");
                }
                continue;
            };
            let line = status_line(task);
            if self.lines[i].as_deref() != Some(line.as_str()) {
                println!("{prefix}{line}");
                self.lines[i] = Some(line);
            }
            if task.state.is_final() && !self.ended[i] {
                self.ended[i] = true;
                if let Some(video) = &task.video_path {
                    println!("{prefix}Saved to {video}");
                }
                if let Some(message) = &task.error_message {
                    println!("{prefix}{message}");
                }
            }
        }
    }

    fn summary(&mut self, tasks: &[Option<Task>], spent: f64) {
        for (i, task) in tasks.iter().enumerate() {
            if self.ended[i] {
                continue;
            }
            match task {
                None => {
                    self.ended[i] = true;
                    println!("  a video was stopped and removed; nothing was paid for it");
                }
                Some(task) if task.state.is_final() => {
                    self.ended[i] = true;
                    println!("  {}", ending_line(task));
                }
                Some(_) => {}
            }
        }
        let progress = Tally {
            credits: spent,
            ..Tally::of(tasks)
        }
        .line();
        if progress != self.progress {
            println!("{progress}");
            self.progress = progress;
        }
    }
}

/// "sd-…  done: saved to …" or "sd-…  failed: why".
pub fn ending_line(task: &Task) -> String {
    match (&task.video_path, &task.error_message) {
        (Some(video), _) if task.state == TaskState::Done => {
            format!("{}  done: saved to {video}", task.id)
        }
        (_, Some(message)) => format!("{}  {}: {message}", task.id, task.state),
        _ => format!("{}  {}", task.id, task.state),
    }
}

/// Counts of a set of tasks, for progress lines.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Tally {
    pub total: usize,
    pub done: usize,
    pub failed: usize,
    /// Not yet sent: preparing, or waiting in the queue.
    pub waiting: usize,
    /// From the upload to EvoLink's end: what the queue's "at once" counts.
    pub making: usize,
    /// Made, being saved into the library.
    pub saving: usize,
    pub removed: usize,
    pub credits: f64,
}

impl Tally {
    pub fn of(tasks: &[Option<Task>]) -> Tally {
        let mut tally = Tally {
            total: tasks.len(),
            ..Tally::default()
        };
        for task in tasks {
            let Some(task) = task else {
                tally.removed += 1;
                continue;
            };
            match task.state {
                TaskState::Done => tally.done += 1,
                TaskState::Failed | TaskState::OutcomeUnknown | TaskState::Expired => {
                    tally.failed += 1
                }
                TaskState::Preparing | TaskState::Waiting => tally.waiting += 1,
                TaskState::Downloading => tally.saving += 1,
                _ => tally.making += 1,
            }
        }
        tally
    }

    /// "12 of 30 saved, 1 failed, 14 waiting, 3 being made, 1 being saved; 299.52 credits so
    /// far".
    pub fn line(&self) -> String {
        let mut parts = vec![format!("{} of {} saved", self.done, self.total)];
        if self.failed > 0 {
            parts.push(format!("{} failed", self.failed));
        }
        parts.push(format!("{} waiting", self.waiting));
        parts.push(format!("{} being made", self.making));
        if self.saving > 0 {
            parts.push(format!("{} being saved", self.saving));
        }
        if self.removed > 0 {
            parts.push(format!("{} stopped and removed", self.removed));
        }
        format!(
            "{}; {} credits so far",
            parts.join(", "),
            credits(self.credits)
        )
    }
}

/// One short status, as `list` and the progress lines show it.
pub fn status_line(task: &Task) -> String {
    match task.state {
        TaskState::Preparing => "Preparing".into(),
        TaskState::Waiting => match waiting_reason(task) {
            Some(why) => format!("Waiting ({why})"),
            None => "Waiting its turn".into(),
        },
        TaskState::Uploading => "Uploading the picture".into(),
        TaskState::Submitting => "Sending to EvoLink".into(),
        TaskState::Queued => "Queued".into(),
        TaskState::Generating => format!("Generating {}%", task.progress),
        TaskState::Downloading => "Saving".into(),
        TaskState::Done => "Done".into(),
        TaskState::Failed => "Failed".into(),
        TaskState::OutcomeUnknown => "Outcome unknown".into(),
        TaskState::Expired => "Expired".into(),
    }
}

/// Why a waiting task waits, in a few words (the task's note has the whole sentence).
pub fn waiting_reason(task: &Task) -> Option<String> {
    if task.lead_id.is_some() {
        return Some("made by take 1's request".into());
    }
    Some(
        match task.error_code.as_deref()? {
            "waiting_for_slot" => "for a free slot",
            "spend_limit" => "spend limit",
            "queue_paused" => "queue paused",
            _ => return task.error_message.as_ref().map(|w| w.english()),
        }
        .into(),
    )
}
