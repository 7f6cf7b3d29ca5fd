//! Step 3: the paid call. Its in-flight mark is written durably just before the request
//! leaves; what the answer means is decided by `evolink::paid::decide` (inside the client),
//! and the outcome is recorded here: followed, refused, tried again later with the same
//! idempotency key, or reconciled (`recover`) when the answer was lost.

use std::time::Duration;

use evolink::{Client, Created, Error as ApiError, ErrorKind, TaskStatus, VideoRequest, Words};

use super::trouble;
use super::{Engine, Next, StepError, StepResult};
use crate::state::TaskState;
use crate::store::{now, Lookup, Patch, Task};

impl Engine {
    /// Sends the paid call of a task that was never sent (or was refused for certain). The task
    /// id is the idempotency key, so every attempt and any replay by EvoLink map to this task.
    pub(super) async fn create(&self, client: &Client, task: &Task) -> StepResult {
        let task = self.bind(client, task)?;
        let request = create_request(&task);
        // Taken before the mark, so a hold (an update) never leaves a task marked "sent".
        let _paid = self.inner.paid_calls.read().await;
        // Recorded (synced to disk) before the request leaves: a crash from here on is
        // reconciled, never answered with a second paid task.
        let task = self.inner.store.mark_create_sent(&task.id)?;
        let result = self.send_create(client, &task, &request).await;
        self.after_create(&task, result, None).await
    }

    pub(super) async fn send_create(
        &self,
        client: &Client,
        task: &Task,
        request: &VideoRequest,
    ) -> Result<Created, ApiError> {
        let _permit = self.inner.in_flight.acquire().await;
        log::info!(
            "task {}: sending the paid call to {}",
            task.id,
            client.api_base()
        );
        client.create_video(request, &task.id).await
    }

    /// Records what an attempt of the paid call came to. `lookup` is what a lookup found just
    /// before, when this attempt is a resend to reconcile a lost answer.
    pub(super) async fn after_create(
        &self,
        task: &Task,
        result: Result<Created, ApiError>,
        lookup: Option<Lookup>,
    ) -> StepResult {
        match result {
            Ok(created) => {
                let how = if created.replayed {
                    "EvoLink gave back the task it had already made"
                } else {
                    "accepted"
                };
                self.accept(task, &created.task, how)
            }
            Err(e) if e.kind() == ErrorKind::OutcomeUnknown => {
                self.still_uncertain(task, lookup, e.retry_after())
            }
            // Refused for a passing reason: nothing was created by this attempt. Unless an
            // earlier attempt may still exist upstream (several candidates were seen), the
            // mark is cleared and the next attempt is a plain send with the same key.
            Err(e) if e.retryable() => {
                if lookup != Some(Lookup::Ambiguous) {
                    self.inner.store.clear_create_sent(&task.id)?;
                }
                Err(e.into())
            }
            Err(e) if lookup == Some(Lookup::Ambiguous) => {
                // The resend was refused, but one of the tasks seen upstream may be ours.
                log::warn!("task {}: resend refused ({})", task.id, e.support_line());
                self.give_up_checking(task, Lookup::Ambiguous)
            }
            Err(e) => {
                // Refused with a reason: nothing was created, nothing is charged.
                self.fail_as(task, TaskState::Failed, &e)?;
                self.refresh_balance().await;
                Ok(Next::Done)
            }
        }
    }

    /// EvoLink has the task: follow it.
    pub(super) fn accept(&self, task: &Task, remote: &evolink::Task, how: &str) -> StepResult {
        log::info!("task {}: {how} as {}", task.id, remote.id);
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
                submitted_at: Some(task.create_sent_at.unwrap_or_else(now)),
                ..Patch::default()
            },
        )?;
        Ok(Next::After(self.first_poll_delay(remote.estimated_time())))
    }

    /// The answer is still not known: check again later, up to `max_checks` times; then the
    /// person is told, with what the last lookup found.
    /// A `Retry-After` EvoLink sent with the failure is honoured when it is longer.
    pub(super) fn still_uncertain(
        &self,
        task: &Task,
        lookup: Option<Lookup>,
        retry_after: Option<Duration>,
    ) -> StepResult {
        let checks = self.inner.store.record_check(&task.id, lookup)?;
        if checks >= self.inner.config.max_checks {
            let found = lookup
                .or_else(|| task.lookup.as_deref().and_then(Lookup::parse))
                .unwrap_or(Lookup::Unavailable);
            return self.give_up_checking(task, found);
        }
        let mut why = trouble::checking();
        let check_after = self.inner.config.check_after;
        why.retry_after = Some(retry_after.map_or(check_after, |asked| asked.max(check_after)));
        Err(StepError::Later(why))
    }

    /// Leaves an uncertain create to the person ("Look again"), saying what is known.
    fn give_up_checking(&self, task: &Task, lookup: Lookup) -> StepResult {
        let message = match lookup {
            Lookup::Ambiguous => Words::new("problem.outcome_unknown.ambiguous"),
            Lookup::Unavailable => Words::new("problem.outcome_unknown.unavailable"),
            Lookup::NothingFound => Words::new("problem.outcome_unknown.nothing_found"),
        };
        log::warn!("task {}: outcome unknown ({})", task.id, lookup.as_str());
        self.advance(
            task,
            TaskState::OutcomeUnknown,
            Patch {
                error: Some((ErrorKind::OutcomeUnknown.code().to_string(), message, false)),
                lookup: Some(lookup),
                ..Patch::default()
            },
        )?;
        Ok(Next::Done)
    }
}

/// The create request of a task, exactly as recorded.
pub(super) fn create_request(task: &Task) -> VideoRequest {
    let mut request =
        VideoRequest::new(task.model.clone(), task.prompt.clone()).with_choices(task.choices());
    if let Some(url) = &task.upload_url {
        request = request.with_image(url.clone());
    }
    if let Some(url) = &task.last_upload_url {
        request = request.with_last_image(url.clone());
    }
    if let Some(url) = &task.callback_url {
        request = request.with_callback(url.clone());
    }
    request
}
