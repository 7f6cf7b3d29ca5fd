//! Step 1: the pictures (first frame, and last frame where the model takes one) are prepared
//! into the data folder for the task's model. Nothing leaves the computer and nothing is paid;
//! after a crash the step is simply done again.

use std::path::PathBuf;

use evolink::{Error as ApiError, ErrorKind, Words};
use sha2::Digest as _;

use super::{Engine, ImageFit, Next, StepResult};
use crate::state::TaskState;
use crate::store::{Patch, Role, Task};

/// A prepared copy: where it is and the SHA-256 of its bytes.
type Prepared = (PathBuf, String);

impl Engine {
    /// Prepares the task's pictures (if any) into the data folder.
    pub(super) async fn prepare(&self, task: &Task) -> StepResult {
        if task.lead_id.is_some() {
            // Made by another task's call, from that task's pictures: nothing to prepare.
            self.advance(task, TaskState::Waiting, Patch::default())?;
            return Ok(Next::Now);
        }
        let first = self.prepare_one(task, Role::First).await;
        let last = self.prepare_one(task, Role::Last).await;
        let (first, last) = match (first, last) {
            (Ok(first), Ok(last)) => (first, last),
            (Err(message), _) | (_, Err(message)) => {
                self.fail_as(
                    task,
                    TaskState::Failed,
                    &ApiError::new(ErrorKind::ImageRejected, message),
                )?;
                return Ok(Next::Done);
            }
        };
        let text = |p: &Option<Prepared>| p.as_ref().map(|(path, _)| path.display().to_string());
        let sha = |p: &Option<Prepared>| p.as_ref().map(|(_, sha)| sha.clone());
        // Prepared: it waits its turn in the queue (queue.rs) before anything is uploaded or paid.
        self.advance(
            task,
            TaskState::Waiting,
            Patch {
                prepared_image: text(&first),
                prepared_sha256: sha(&first),
                last_prepared_image: text(&last),
                last_prepared_sha256: sha(&last),
                ..Patch::default()
            },
        )?;
        Ok(Next::Now)
    }

    /// Prepares one picture of the task, or nothing when it has none in that role.
    async fn prepare_one(&self, task: &Task, role: Role) -> Result<Option<Prepared>, Words> {
        let picture = task.picture(role);
        let Some(source) = picture.source.map(str::to_string) else {
            return Ok(None);
        };
        let fit = ImageFit::from_stored(picture.options);
        let model = task.model_entry().ok_or_else(|| {
            Words::new("problem.image_rejected.unknown_model").with("model", task.model.as_str())
        })?;
        let options = sora_preflight::Options {
            framing: fit.framing,
            focus: fit.focus,
            crop: fit.crop,
            ..sora_preflight::Options::for_model(model, Some(&task.aspect), task.quality.as_deref())
        };
        let prepared_dir = self.inner.prepared_dir.clone();
        let name = format!("{}{}", task.id, suffix(role));
        let outcome = tokio::task::spawn_blocking(move || -> Result<Prepared, Words> {
            let disk = |e: std::io::Error| {
                Words::new("problem.image_rejected.not_saved").with("detail", e.to_string())
            };
            let prepared =
                sora_preflight::preflight_path(&source, &options).map_err(|e| e.words())?;
            std::fs::create_dir_all(&prepared_dir).map_err(disk)?;
            let path = prepared_dir.join(format!("{name}.{}", prepared.output.format.extension()));
            let temp = path.with_extension("part");
            std::fs::write(&temp, &prepared.bytes).map_err(disk)?;
            std::fs::rename(&temp, &path).map_err(disk)?;
            let sha = crate::library::hex(&sha2::Sha256::digest(&prepared.bytes));
            Ok((path, sha))
        })
        .await;
        match outcome {
            Ok(result) => result.map(Some),
            Err(_) => Err(Words::new("problem.image_rejected.not_prepared")),
        }
    }
}

/// What a prepared copy's name carries after the task id.
fn suffix(role: Role) -> &'static str {
    match role {
        Role::First => "",
        Role::Last => "-last",
    }
}
