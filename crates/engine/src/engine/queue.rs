//! The queue: a waiting task goes on to its upload and paid call only when its account has a
//! free slot (at most `max_active` of its videos being made at once), the day's spend limit
//! leaves room for its estimate, and the queue is not paused; in queue order. Until then it
//! waits, unpaid, with a note that says why. The rules live in the store, so the app and the
//! CLI share them whichever process runs the engine.

use super::trouble::{self, Trouble};
use super::{lock, Engine};
use crate::state::TaskState;
use crate::store::{Patch, Role, StoreError, Task};

impl Engine {
    /// Lets waiting tasks go on, in queue order, as far as the queue's rules allow; notes on
    /// the others why they wait. Called by the scheduler before it starts due steps.
    pub(super) fn admit_waiting(&self) {
        if let Err(e) = self.try_admit_waiting() {
            log::error!("the queue could not be read: {e}");
        }
    }

    fn try_admit_waiting(&self) -> Result<(), StoreError> {
        let store = &self.inner.store;
        // The rules before the line: a person who reorders the queue and then resumes it must
        // never have the old order resumed. Read the other way round, a pass that read the line
        // before the reordering and the rules after the resuming sent the old first one.
        let rules = store.queue_rules()?;
        let in_line = store.in_line()?;
        if !in_line.iter().any(|t| t.state == TaskState::Waiting) {
            return Ok(());
        }
        // Without a key nothing can be sent: the tasks wait for one, as the app says.
        let Some(account) = self.inner.accounts.current_account() else {
            return Ok(());
        };
        let mut taken = store.slots_taken(&account)?;
        let mut spent = store.spent_since(start_of_today())?;
        for task in in_line {
            // A task still being prepared, or whose (waiting) step is running right now, is
            // moved on by a later pass; until then it keeps its place in line.
            let not_yet =
                task.state == TaskState::Preparing || lock(&self.inner.busy).contains(&task.id);
            let estimate = task.estimate_credits.unwrap_or(0.0);
            let why = if rules.paused {
                Some(trouble::queue_paused())
            } else if taken >= rules.max_active {
                Some(trouble::waiting_for_slot(rules.max_active))
            } else if !rules.fits_today(spent, estimate) {
                let limit = rules.daily_limit.unwrap_or_default();
                Some(trouble::spend_limit(estimate, limit, spent))
            } else {
                None
            };
            match why {
                // It keeps the slot and credits it will need, so no task behind it passes it.
                None if not_yet => {
                    taken += 1;
                    spent += estimate;
                }
                Some(_) if not_yet => {}
                Some(why) => self.note_waiting(&task, why),
                None => {
                    let has_pictures = Role::ALL
                        .iter()
                        .any(|&role| task.picture(role).source.is_some());
                    let next = if has_pictures {
                        TaskState::Uploading
                    } else {
                        TaskState::Submitting
                    };
                    // Compare-and-set: a task stopped (removed) meanwhile is simply skipped.
                    match self.advance(&task, next, Patch::default()) {
                        Ok(_) => {
                            taken += 1;
                            spent += estimate;
                            self.due_now(&task.id);
                        }
                        Err(_) => continue,
                    }
                }
            }
        }
        Ok(())
    }

    /// Notes why a task waits, only when that changed (each note is a write and an event).
    fn note_waiting(&self, task: &Task, why: Trouble) {
        let same = task.error_code.as_deref() == Some(why.code.as_str())
            && task.error_message.as_ref() == Some(&why.message);
        if same {
            return;
        }
        match self.inner.store.note_trouble(
            &task.id,
            TaskState::Waiting,
            &why.code,
            &why.message,
            None,
        ) {
            Ok(()) => self.changed(&task.id),
            Err(e) => log::error!("task {}: the note could not be written: {e}", task.id),
        }
    }
}

/// Midnight of today on this computer's clock, in Unix seconds: the spend limit is per day as
/// the person lives it.
pub fn start_of_today() -> i64 {
    use chrono::{Local, TimeZone};
    let midnight = Local::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists");
    Local
        .from_local_datetime(&midnight)
        .earliest()
        .map_or_else(|| Local::now().timestamp() - 86_400, |t| t.timestamp())
}
