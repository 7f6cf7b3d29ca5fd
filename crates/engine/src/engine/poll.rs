//! Step 4: following a task EvoLink accepted, on its own host and as its own account, until
//! it is made (then saved) or ends without a video.

use evolink::{Client, Error as ApiError, ErrorKind, TaskOutcome, TaskStatus};

use super::trouble;
use super::{Engine, Next, StepError, StepResult};
use crate::state::TaskState;
use crate::store::{now, Patch, Stopped, Task};

impl Engine {
    pub(super) async fn poll(&self, client: &Client, task: &Task) -> StepResult {
        let Some(remote_id) = task.remote_id.clone() else {
            return Err(StepError::from(ApiError::new(
                ErrorKind::ServerTrouble,
                evolink::Words::new("problem.server_trouble.no_remote_id"),
            )));
        };
        let remote = {
            let _permit = self.inner.in_flight.acquire().await;
            client.get_task(&remote_id).await
        };
        let remote = match remote {
            Ok(remote) => remote,
            // EvoLink accepted this task, so "not found" (or "not your task") is trouble on
            // its side or in between, retried for hours; given up only once it has been
            // missing for longer than EvoLink keeps anything.
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::Expired | ErrorKind::NotFound | ErrorKind::BadKey
                ) && e.status().is_some_and(|s| matches!(s, 403 | 404 | 410)) =>
            {
                let since = task.submitted_at.unwrap_or(task.created_at);
                if now() - since > self.inner.config.missing_for.as_secs() as i64 {
                    self.fail_as(task, TaskState::Failed, &e)?;
                    return Ok(Next::Done);
                }
                return Err(StepError::Later(trouble::task_missing(e)));
            }
            Err(e) => return Err(e.into()),
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
            TaskOutcome::Succeeded { .. } => {
                let ttl = self.inner.config.results_ttl.as_secs() as i64;
                let made = Patch {
                    progress: Some(100),
                    remote_status: Some(status),
                    // Every video of the call: the others are saved by their own tasks.
                    result_urls: Some(remote.video_urls()),
                    results_expire_at: Some(now() + ttl),
                    credits_used: remote.credits(),
                    ..Patch::default()
                };
                if task.stopped == Some(Stopped::Discard) {
                    self.discard(task, made)?;
                    return Ok(Next::Done);
                }
                self.advance(task, TaskState::Downloading, made)?;
                Ok(Next::Now)
            }
            TaskOutcome::Failed(error) => {
                self.fail_as(task, TaskState::Failed, &error)?;
                // Failed tasks are refunded: show the balance as it is now.
                self.refresh_balance().await;
                Ok(Next::Done)
            }
        }
    }
}
