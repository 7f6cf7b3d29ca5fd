//! The stills the gallery's cards show, made in Rust once a video is saved (`sora-poster`),
//! so the page never loads a video to show a card. One worker per world: at start it makes the
//! stills of videos saved before (by an older version, or while it was not running), newest
//! first, then one for each video the engine saves. One still at a time, off the async
//! threads: it is background work and must not slow the paid path.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sora_engine::{EngineEvent, PosterSize, Store, StoreError, Task, TaskState};
use tokio::sync::broadcast;

/// Videos read from the store at a time.
const BATCH: u32 = 16;
/// A pause after the store refused a write, before trying again.
const STORE_TROUBLE_PAUSE: Duration = Duration::from_secs(30);
/// Why no still was made, when the reason may pass (an unplugged drive, a full disk): these
/// videos get another try at the next start. Other reasons are the video's own and final.
const PASSING_TROUBLE: &[&str] = &["video_unreadable", "poster_unwritable"];

/// Where a task's still is kept.
pub fn poster_path(posters_dir: &Path, id: &str) -> PathBuf {
    posters_dir.join(format!("{id}.jpg"))
}

/// Makes the still of every saved video that has none, then of each video saved from now on
/// (woken by `engine_events`). `made` gets each task whose still was just made.
pub(crate) async fn make_posters(
    store: Arc<Store>,
    dir: PathBuf,
    mut engine_events: broadcast::Receiver<EngineEvent>,
    made: impl Fn(Task) + Send + 'static,
) {
    let _ = store.clear_poster_errors(PASSING_TROUBLE);
    loop {
        let waiting = match store.needing_posters(BATCH) {
            Ok(tasks) => tasks,
            Err(e) => {
                log::warn!("stills: the task store could not be read: {e}");
                tokio::time::sleep(STORE_TROUBLE_PAUSE).await;
                continue;
            }
        };
        if waiting.is_empty() {
            if !video_saved(&mut engine_events).await {
                return;
            }
            continue;
        }
        for task in waiting {
            let result = make_one(&dir, &task).await;
            let outcome = match &result {
                Ok(size) => Ok(*size),
                Err(code) => Err(code.as_str()),
            };
            match store.set_poster(&task.id, outcome) {
                Ok(task) => made(task),
                // Deleted meanwhile: its still goes with it.
                Err(StoreError::NotFound(_)) => {
                    let _ = std::fs::remove_file(poster_path(&dir, &task.id));
                }
                Err(e) => {
                    log::warn!("stills: the task store could not be written: {e}");
                    tokio::time::sleep(STORE_TROUBLE_PAUSE).await;
                }
            }
        }
    }
}

/// Waits until the engine reports a saved video; false once the engine is gone.
async fn video_saved(events: &mut broadcast::Receiver<EngineEvent>) -> bool {
    loop {
        match events.recv().await {
            Ok(EngineEvent::Tasks { tasks })
                if tasks.iter().any(|t| t.state == TaskState::Done) =>
            {
                return true
            }
            Ok(_) => {}
            // Missed events may have held a saved video: look.
            Err(broadcast::error::RecvError::Lagged(_)) => return true,
            Err(broadcast::error::RecvError::Closed) => return false,
        }
    }
}

/// Makes and writes the still of `task`'s video: its size, or the code of why it cannot be.
async fn make_one(dir: &Path, task: &Task) -> Result<PosterSize, String> {
    let video = PathBuf::from(task.video_path.clone().unwrap_or_default());
    let target = poster_path(dir, &task.id);
    let work = move || -> Result<PosterSize, String> {
        let still = sora_poster::still_of(&video).map_err(|e| {
            log::info!("stills: none for {}: {e}", video.display());
            e.code().to_string()
        })?;
        crate::images::write_atomically(&target, &still.jpeg).map_err(|e| {
            log::warn!("stills: {e}");
            "poster_unwritable".to_string()
        })?;
        Ok(PosterSize {
            width: still.width,
            height: still.height,
        })
    };
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|_| Err("video_undecodable".to_string()))
}
