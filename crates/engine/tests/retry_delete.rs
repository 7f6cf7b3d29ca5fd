//! Retry makes a new paid task only when asked; delete forgets a finished task and moves its
//! video and recipe to the OS trash (here a temporary one: this test runs in its own process
//! and points the freedesktop trash at a temporary folder before anything else happens).

mod common;

use std::time::Duration;

use common::*;
use sora_engine::{EngineConfig, TaskState};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_starts_a_new_task_and_delete_moves_the_video_to_the_trash() {
    let trash_home = tempfile::tempdir().unwrap();
    std::env::set_var("XDG_DATA_HOME", trash_home.path());

    let server = mock(mock_config()).await;
    let rig = Rig::start(&server, EngineConfig::fast());

    let failed = rig.submit("A celebrity waving");
    let failed = rig.finished(&failed.id, Duration::from_secs(30)).await;
    assert_eq!(failed.state, TaskState::Failed);
    assert_eq!(server.counters().tasks_created, 1);

    // A task still running cannot be retried or deleted.
    let running = rig.submit("A red balloon drifting over a city");
    assert_eq!(
        rig.engine().retry(&running.id, false).unwrap_err().code(),
        "not_allowed"
    );
    assert_eq!(
        rig.engine().delete(&running.id).unwrap_err().code(),
        "not_allowed"
    );
    let done = rig.finished(&running.id, Duration::from_secs(30)).await;
    assert_eq!(done.state, TaskState::Done);

    let again = rig.engine().retry(&failed.id, false).unwrap();
    assert_ne!(again.id, failed.id);
    assert_eq!(again.retry_of.as_deref(), Some(failed.id.as_str()));
    assert_eq!(again.prompt, failed.prompt);
    let again = rig.finished(&again.id, Duration::from_secs(30)).await;
    assert_eq!(
        again.state,
        TaskState::Failed,
        "the same prompt is blocked again"
    );
    assert_eq!(
        server.counters().tasks_created,
        3,
        "exactly one new paid task for the retry"
    );

    let video = std::path::PathBuf::from(done.video_path.clone().unwrap());
    let recipe = video.with_extension("json");
    assert!(video.exists() && recipe.exists());
    rig.engine().delete(&done.id).unwrap();
    assert!(!video.exists() && !recipe.exists());
    assert!(rig.store.find(&done.id).unwrap().is_none());
    let trashed: Vec<String> = std::fs::read_dir(trash_home.path().join("Trash/files"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(trashed.iter().any(|n| n.ends_with(".mp4")), "{trashed:?}");
    assert!(trashed.iter().any(|n| n.ends_with(".json")), "{trashed:?}");
}
