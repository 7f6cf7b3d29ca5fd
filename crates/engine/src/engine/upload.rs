//! Step 2: the prepared picture goes to EvoLink's file API (or an earlier upload of the same
//! bytes, to the same file host and account, is reused). Not paid; safe to redo.

use std::path::Path;

use evolink::{Client, Error as ApiError, ErrorKind};

use super::{lock, Engine, Next, StepResult};
use crate::state::TaskState;
use crate::store::{now, Patch, Task, UploadKey};

impl Engine {
    pub(super) async fn upload(&self, client: &Client, task: &Task) -> StepResult {
        let (Some(path), Some(sha)) = (task.prepared_image.clone(), task.prepared_sha256.clone())
        else {
            // The preparation was lost (a crash before it was recorded): prepare again.
            return Err(ApiError::new(ErrorKind::ServerTrouble, "preparing again").into());
        };
        // From here on the task belongs to this host and account.
        let task = self.bind(client, task)?;
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
        let (url, expires_at) = match self.inner.store.reusable_upload(&key, margin)? {
            Some(found) => found,
            None => {
                let _permit = self.inner.in_flight.acquire().await;
                let uploaded = match client.upload_image(Path::new(&path)).await {
                    Ok(uploaded) => uploaded,
                    Err(e) if e.retryable() => return Err(e.into()),
                    Err(e) => {
                        self.fail_as(&task, TaskState::Failed, &e)?;
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
                    .remember_upload(&key, &uploaded.file_url, expires_at)?;
                (uploaded.file_url, expires_at)
            }
        };
        self.advance(
            &task,
            TaskState::Submitting,
            Patch {
                upload_url: Some(url),
                upload_expires_at: Some(expires_at),
                ..Patch::default()
            },
        )?;
        Ok(Next::Now)
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
