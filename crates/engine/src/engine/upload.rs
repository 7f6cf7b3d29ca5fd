//! Step 2: the prepared pictures go to EvoLink's file API (or an earlier upload of the same
//! bytes, to the same file host and account, is reused). Not paid; safe to redo.

use std::path::Path;

use evolink::{Client, Error as ApiError, ErrorKind};

use super::{lock, Engine, Next, StepResult};
use crate::state::TaskState;
use crate::store::{now, Patch, Role, Task, UploadKey};

impl Engine {
    pub(super) async fn upload(&self, client: &Client, task: &Task) -> StepResult {
        let mut prepared = Vec::new();
        for role in Role::ALL {
            let picture = task.picture(role);
            match (picture.source, picture.prepared, picture.prepared_sha256) {
                (None, _, _) => prepared.push(None),
                (Some(_), Some(path), Some(sha)) => {
                    prepared.push(Some((path.to_string(), sha.to_string())))
                }
                // The preparation was lost (a crash before it was recorded): prepare again.
                _ => {
                    return Err(ApiError::new(
                        ErrorKind::ServerTrouble,
                        evolink::Words::new("problem.server_trouble.prepare_again"),
                    )
                    .into())
                }
            }
        }
        // From here on the task belongs to this host and account.
        let task = self.bind(client, task)?;
        let mut uploaded = Vec::new();
        for picture in prepared {
            match picture {
                None => uploaded.push(None),
                Some((path, sha)) => match self.upload_one(client, &task, &path, sha).await? {
                    Ok(found) => uploaded.push(Some(found)),
                    Err(next) => return Ok(next),
                },
            }
        }
        let (first, last) = (uploaded[0].clone(), uploaded[1].clone());
        self.advance(
            &task,
            TaskState::Submitting,
            Patch {
                upload_url: first.as_ref().map(|(url, _)| url.clone()),
                upload_expires_at: first.map(|(_, at)| at),
                last_upload_url: last.as_ref().map(|(url, _)| url.clone()),
                last_upload_expires_at: last.map(|(_, at)| at),
                ..Patch::default()
            },
        )?;
        Ok(Next::Now)
    }

    /// Uploads one prepared picture, or finds an earlier upload of the same bytes to the same
    /// file host and account. `Ok(Err(next))` when EvoLink refused it for good (the task has
    /// failed).
    async fn upload_one(
        &self,
        client: &Client,
        task: &Task,
        path: &str,
        sha: String,
    ) -> Result<Result<(String, i64), Next>, super::StepError> {
        let key = UploadKey {
            sha256: sha,
            files_base: client.files_base().to_string(),
            account: client.account(),
        };
        let margin = self.inner.config.upload_reuse_margin.as_secs() as i64;
        let same_picture = lock(&self.inner.uploading)
            .entry(key.sha256.clone())
            .or_default()
            .clone();
        let _one_at_a_time = same_picture.lock().await;
        if let Some(found) = self.inner.store.reusable_upload(&key, margin)? {
            return Ok(Ok(found));
        }
        let _permit = self.inner.in_flight.acquire().await;
        let uploaded = match client.upload_image(Path::new(path)).await {
            Ok(uploaded) => uploaded,
            Err(e) if e.retryable() => return Err(e.into()),
            Err(e) => {
                self.fail_as(task, TaskState::Failed, &e)?;
                return Ok(Err(Next::Done));
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
            .remember_upload(&key, &uploaded.file_url, expires_at)?;
        Ok(Ok((uploaded.file_url, expires_at)))
    }

    /// Binds a task not yet sent to the host and account of `client`.
    pub(super) fn bind(&self, client: &Client, task: &Task) -> Result<Task, super::StepError> {
        if task.account.is_some() {
            return Ok(task.clone());
        }
        let bound = self
            .inner
            .store
            .bind(&task.id, client.api_base(), &client.account())?;
        log::info!("task {}: sent to {}", task.id, client.api_base());
        Ok(bound)
    }
}
