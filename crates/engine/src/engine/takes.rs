//! Several videos from one paid call (Veo's `n`): the task that makes the call (the lead)
//! records every result link; each other video is a task of its own that waits for them,
//! takes its link, and is saved like any video. It is never sent itself, so nothing is paid
//! twice. Also here: what happens to a paid video the person stopped and chose to discard.

use std::time::Duration;

use evolink::Words;

use super::{Engine, Next, StepResult};
use crate::state::TaskState;
use crate::store::{Patch, Stopped, Task};

/// The code a discarded video ends with.
pub(crate) const STOPPED: &str = "stopped";

impl Engine {
    /// The step of a video made by another task's call.
    pub(super) fn follow_lead(&self, task: &Task) -> StepResult {
        let lead_id = task.lead_id.as_deref().unwrap_or_default();
        let Some(lead) = self.inner.store.find(lead_id)? else {
            self.fail_follower(task, "missing_lead", Words::new("problem.missing_lead"))?;
            return Ok(Next::Done);
        };
        // Its place among the call's results: the lead's own video comes first.
        let index = task
            .take
            .unwrap_or(2)
            .saturating_sub(lead.take.unwrap_or(1)) as usize;
        if let Some(url) = lead.result_urls.get(index) {
            let made = Patch {
                progress: Some(100),
                remote_status: lead.remote_status.clone(),
                result_urls: Some(vec![url.clone()]),
                results_expire_at: lead.results_expire_at,
                submitted_at: lead.submitted_at,
                ..Patch::default()
            };
            if task.stopped == Some(Stopped::Discard) {
                self.discard(task, made)?;
                return Ok(Next::Done);
            }
            self.advance(task, TaskState::Downloading, made)?;
            return Ok(Next::Now);
        }
        let lead_made_it = matches!(lead.state, TaskState::Downloading | TaskState::Done)
            || lead.error_code.as_deref() == Some(STOPPED);
        if lead_made_it {
            self.fail_follower(task, "empty_results", Words::new("problem.empty_results"))?;
            return Ok(Next::Done);
        }
        if matches!(lead.state, TaskState::Failed | TaskState::Expired) {
            let code = lead.error_code.as_deref().unwrap_or("unknown_error");
            let message = lead
                .error_message
                .clone()
                .unwrap_or_else(|| Words::new("problem.unknown_error"));
            self.fail_follower(task, code, message)?;
            return Ok(Next::Done);
        }
        // Still being made (or its start is being checked): look again soon. Only the store is
        // read, so this costs nothing upstream.
        Ok(Next::After(Duration::from_secs(1)))
    }

    fn fail_follower(
        &self,
        task: &Task,
        code: &str,
        message: Words,
    ) -> Result<Task, super::StepError> {
        log::warn!("task {}: failed with its call ({code})", task.id);
        self.advance(
            task,
            TaskState::Failed,
            Patch {
                error: Some((code.to_string(), message, false)),
                ..Patch::default()
            },
        )
    }

    /// Ends a made video the person chose to discard: it is not saved. `made` records what
    /// EvoLink answered (the other videos of its call still need the links).
    pub(super) fn discard(&self, task: &Task, made: Patch) -> Result<Task, super::StepError> {
        log::info!("task {}: made, and discarded as asked", task.id);
        let _ = std::fs::remove_file(self.inner.library.part_path(&task.id));
        self.advance(
            task,
            TaskState::Failed,
            Patch {
                error: Some((STOPPED.to_string(), Words::new("problem.stopped"), false)),
                ..made
            },
        )
    }
}
