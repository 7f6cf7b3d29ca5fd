//! Step 1: the reference picture (if any) is prepared into the data folder. Nothing leaves the
//! computer and nothing is paid; after a crash the step is simply done again.

use std::path::PathBuf;

use evolink::{Error as ApiError, ErrorKind, Orientation};
use sha2::Digest as _;

use super::{Engine, ImageFit, Next, StepResult};
use crate::state::TaskState;
use crate::store::{Patch, Task};

impl Engine {
    /// Prepares the reference picture (if any) into the data folder.
    pub(super) async fn prepare(&self, task: &Task) -> StepResult {
        let Some(source) = task.source_image.clone() else {
            self.advance(task, TaskState::Submitting, Patch::default())?;
            return Ok(Next::Now);
        };
        let fit: ImageFit = task
            .image_options
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or_default();
        let options = sora_preflight::Options {
            orientation: Some(match task.orientation {
                Orientation::Landscape => sora_preflight::Orientation::Landscape,
                Orientation::Portrait => sora_preflight::Orientation::Portrait,
            }),
            framing: fit.framing,
            focus: fit.focus,
            crop: fit.crop,
            ..Default::default()
        };
        let prepared_dir = self.inner.prepared_dir.clone();
        let id = task.id.clone();
        let outcome = tokio::task::spawn_blocking(move || -> Result<(PathBuf, String), String> {
            let prepared =
                sora_preflight::preflight_path(&source, &options).map_err(|e| e.to_string())?;
            std::fs::create_dir_all(&prepared_dir).map_err(|e| e.to_string())?;
            let path = prepared_dir.join(format!("{id}.{}", prepared.output.format.extension()));
            let temp = path.with_extension("part");
            std::fs::write(&temp, &prepared.bytes).map_err(|e| e.to_string())?;
            std::fs::rename(&temp, &path).map_err(|e| e.to_string())?;
            let sha = crate::library::hex(&sha2::Sha256::digest(&prepared.bytes));
            Ok((path, sha))
        })
        .await;
        match outcome {
            Ok(Ok((path, sha))) => {
                self.advance(
                    task,
                    TaskState::Uploading,
                    Patch {
                        prepared_image: Some(path.display().to_string()),
                        prepared_sha256: Some(sha),
                        ..Patch::default()
                    },
                )?;
                Ok(Next::Now)
            }
            Ok(Err(message)) => {
                self.fail_as(
                    task,
                    TaskState::Failed,
                    &ApiError::new(ErrorKind::ImageRejected, message),
                )?;
                Ok(Next::Done)
            }
            Err(_) => {
                self.fail_as(
                    task,
                    TaskState::Failed,
                    &ApiError::new(
                        ErrorKind::ImageRejected,
                        "The picture could not be prepared.",
                    ),
                )?;
                Ok(Next::Done)
            }
        }
    }
}
