//! Reconciling an uncertain paid call: the task has the in-flight mark, so EvoLink may have
//! made it. First a free lookup in EvoLink's task list (same model, created around the
//! recorded send time, not already followed by another task here): exactly one match is
//! adopted. Otherwise the request is resent with the *same* idempotency key: EvoLink answers a
//! replay with the task it already made, or makes it now if it never got it. Never a new key.

use std::time::Duration;

use evolink::{Client, Error as ApiError, TaskListQuery};

use super::create::create_request;
use super::{Engine, StepResult};
use crate::store::{Lookup, Task};

/// The most tasks read from EvoLink's list to find one.
const LOOKUP_PAGES: u32 = 4;
const LOOKUP_PAGE_SIZE: u32 = 50;

enum Found {
    One(Box<evolink::Task>),
    None,
    Several,
}

impl Engine {
    pub(super) async fn reconcile(&self, client: &Client, task: &Task) -> StepResult {
        let found = match self.lookup(client, task).await {
            Ok(found) => found,
            Err(e) => {
                log::warn!("task {}: lookup failed ({})", task.id, e.support_line());
                return self.still_uncertain(task, Some(Lookup::Unavailable), e.retry_after());
            }
        };
        let lookup = match found {
            Found::One(remote) => {
                return self.accept(task, &remote, "found in EvoLink's task list");
            }
            Found::None => Lookup::NothingFound,
            Found::Several => Lookup::Ambiguous,
        };
        log::info!(
            "task {}: lookup found {}; resending with the same idempotency key",
            task.id,
            lookup.as_str()
        );
        let _paid = self.inner.paid_calls.read().await;
        let result = self.send_create(client, task, &create_request(task)).await;
        self.after_create(task, result, Some(lookup)).await
    }

    async fn lookup(&self, client: &Client, task: &Task) -> Result<Found, ApiError> {
        let sent = task.create_sent_at.unwrap_or(task.updated_at);
        let (before, after) = self.inner.config.lookup_window;
        let from = sent - secs(before);
        let to = sent + secs(after);
        let mut candidates = Vec::new();
        for page in 1..=LOOKUP_PAGES {
            let listed = {
                let _permit = self.inner.in_flight.acquire().await;
                client
                    .list_tasks(&TaskListQuery {
                        model: Some(task.model.clone()),
                        page: Some(page),
                        page_size: Some(LOOKUP_PAGE_SIZE),
                        ..TaskListQuery::default()
                    })
                    .await?
            };
            let full_page = listed.data.len() as u32 >= LOOKUP_PAGE_SIZE;
            let mut older_seen = false;
            for remote in listed.data {
                // Newest first: once tasks are older than the window, the rest are too.
                let Some(created) = remote.created else {
                    continue;
                };
                older_seen |= created < from;
                if created < from || created > to {
                    continue;
                }
                if remote.model.as_deref().is_some_and(|m| m != task.model) {
                    continue;
                }
                let duration = remote.task_info.as_ref().and_then(|i| i.video_duration);
                // A length the model chose ("auto") cannot be compared.
                if task.duration > 0 && duration.is_some_and(|d| d.round() as i64 != task.duration)
                {
                    continue;
                }
                let taken = self.inner.store.remote_id_taken(&remote.id).map_err(|e| {
                    ApiError::new(
                        evolink::ErrorKind::ServerTrouble,
                        evolink::Words::new("problem.storage.detail").with("detail", e.to_string()),
                    )
                })?;
                if !taken {
                    candidates.push(remote);
                }
            }
            if older_seen || !full_page {
                break;
            }
        }
        Ok(match candidates.len() {
            0 => Found::None,
            1 => Found::One(Box::new(candidates.remove(0))),
            _ => Found::Several,
        })
    }
}

fn secs(d: Duration) -> i64 {
    d.as_secs() as i64
}
