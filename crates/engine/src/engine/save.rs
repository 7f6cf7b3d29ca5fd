//! Step 5: saving the made video into the library. It needs no key (result links are public
//! for 24 hours), so it goes on while the key is missing or refused.

use std::path::{Path, PathBuf};

use evolink::{Error as ApiError, ErrorKind, Words};

use super::{Engine, Next, StepError, StepResult};
use crate::download::download;
use crate::library::{video_stem, Recipe};
use crate::state::TaskState;
use crate::store::{now, Patch, Role, Stopped, Task};

impl Engine {
    /// Saves the result into the library: resumable download, verification, a readable name
    /// recorded before the file takes it, then the recipe.
    pub(super) async fn save(&self, task: &Task) -> StepResult {
        if task.stopped == Some(Stopped::Discard) {
            self.discard(task, Patch::default())?;
            return Ok(Next::Done);
        }
        let library = &self.inner.library;
        let part = library.part_path(&task.id);

        // A crash after the file took its recorded name but before the task was marked done
        // (perhaps even before the part file was removed). The file is recognised as ours by
        // the hash recorded with the name: another video may have taken that name meanwhile.
        if let (Some(video), Some(sha)) = (task.video_path.as_deref(), task.video_sha256.as_deref())
        {
            let video = PathBuf::from(video);
            let ours = crate::library::hash_file(&video).is_ok_and(|(hash, _)| hash == sha);
            if ours {
                let _ = std::fs::remove_file(&part);
                return self.finish(task, &video).await;
            }
        }

        let Some(url) = task.result_urls.first().cloned() else {
            self.fail_as(
                task,
                TaskState::Failed,
                &ApiError::from_task_failure("empty_results", None),
            )?;
            return Ok(Next::Done);
        };
        let downloaded = {
            let _permit = self.inner.in_flight.acquire().await;
            download(&self.inner.media, &url, &part).await
        };
        let downloaded = match downloaded {
            Ok(downloaded) => downloaded,
            Err(e) => {
                let past = task.results_expire_at.is_some_and(|at| now() > at);
                if !past {
                    // The link should still live: a refusal now is the media host's passing
                    // trouble. Ask EvoLink for fresh links when the task's key is at hand,
                    // and try again; a paid video is given up only once its links are dead.
                    if e.kind() == ErrorKind::Expired {
                        self.refresh_links(task).await;
                    }
                    return Err(e.into());
                }
                self.fail_as(task, TaskState::Expired, &ApiError::of(ErrorKind::Expired))?;
                let _ = std::fs::remove_file(&part);
                return Ok(Next::Done);
            }
        };

        let stem = video_stem(task);
        loop {
            let target = match &task.video_path {
                Some(planned) if !Path::new(planned).exists() => PathBuf::from(planned),
                _ => library.free_path(&stem),
            };
            // Record the name first: if we crash after placing, the next run finds it.
            let task = self.advance(
                task,
                TaskState::Downloading,
                Patch {
                    video: Some((
                        target.display().to_string(),
                        downloaded.size,
                        downloaded.sha256.clone(),
                    )),
                    ..Patch::default()
                },
            )?;
            match library.place_at(&part, &target) {
                Ok(true) => return self.finish(&task, &target).await,
                Ok(false) => continue,
                Err(e) => {
                    return Err(StepError::from(ApiError::new(
                        ErrorKind::ServerTrouble,
                        Words::new("problem.server_trouble.library_place")
                            .with("detail", e.to_string()),
                    )))
                }
            }
        }
    }

    async fn finish(&self, task: &Task, video: &Path) -> StepResult {
        let (sha, size) = match (&task.video_sha256, task.video_size) {
            (Some(sha), Some(size)) => (sha.clone(), size),
            _ => crate::library::hash_file(video).map_err(|e| {
                StepError::from(ApiError::new(
                    ErrorKind::ServerTrouble,
                    Words::new("problem.server_trouble.library_read").with("detail", e.to_string()),
                ))
            })?,
        };
        let finished_at = now();
        let mut recipe = Recipe::for_task(task, finished_at, &sha);
        if let Some(lead) = task.lead_id.as_deref() {
            // Made by another task's call: the recipe names that call, like its own.
            let lead = self.inner.store.find(lead)?;
            recipe.evolink_task_id = lead.and_then(|lead| lead.remote_id);
        }
        if let Err(e) = self.inner.library.write_recipe(video, &recipe) {
            return Err(StepError::from(ApiError::new(
                ErrorKind::ServerTrouble,
                Words::new("problem.server_trouble.recipe").with("detail", e.to_string()),
            )));
        }
        // The prepared pictures are no longer needed once the video is safe; removed before the
        // task is marked done, so whoever sees it done never finds a stale copy.
        for role in Role::ALL {
            if let Some(prepared) = task.picture(role).prepared {
                let _ = std::fs::remove_file(prepared);
            }
        }
        self.advance(
            task,
            TaskState::Done,
            Patch {
                video: Some((video.display().to_string(), size, sha)),
                ..Patch::default()
            },
        )?;
        self.refresh_balance().await;
        Ok(Next::Done)
    }

    /// Asks EvoLink again for the result links of a made video (they can change).
    async fn refresh_links(&self, task: &Task) {
        let (Ok(client), Some(remote_id)) = (self.client_for(task), task.remote_id.as_deref())
        else {
            return;
        };
        let remote = {
            let _permit = self.inner.in_flight.acquire().await;
            client.get_task(remote_id).await
        };
        if let Ok(remote) = remote {
            if let Some(url) = remote.video_url().filter(|u| !task.result_urls.contains(u)) {
                log::info!("task {}: EvoLink gave a fresh link to the video", task.id);
                let _ = self.advance(
                    task,
                    TaskState::Downloading,
                    Patch {
                        result_urls: Some(vec![url]),
                        ..Patch::default()
                    },
                );
            }
        }
    }
}
