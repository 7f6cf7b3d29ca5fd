//! The engine against the fake EvoLink server over loopback.

mod common;

use std::time::Duration;

use common::*;
use sora_engine::{EngineConfig, EngineEvent, ImageFit, TaskState};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prompt_becomes_a_saved_video_with_its_recipe() {
    let server = mock(mock_config()).await;
    let rig = Rig::start(&server, EngineConfig::fast());
    let mut events = rig.engine().subscribe();
    let task = rig.submit("A cat playing piano");
    assert_eq!(task.state, TaskState::Preparing);

    let done = rig.finished(&task.id, Duration::from_secs(30)).await;
    assert_eq!(done.state, TaskState::Done, "{done:?}");
    assert!(done
        .remote_id
        .as_deref()
        .unwrap()
        .starts_with("task-unified-"));
    assert!(done.credits_reserved.is_some());

    let video = std::path::PathBuf::from(done.video_path.as_deref().unwrap());
    assert_eq!(video.parent().unwrap(), rig.library_dir());
    let name = video.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.ends_with(" A cat playing piano (sora-2, landscape, 4s).mp4"),
        "{name}"
    );
    assert_eq!(sha256_file(&video), served_clip_sha("16:9"));
    assert_eq!(
        done.video_sha256.as_deref(),
        Some(served_clip_sha("16:9").as_str())
    );
    let recipe: serde_json::Value =
        serde_json::from_slice(&std::fs::read(video.with_extension("json")).unwrap()).unwrap();
    assert_eq!(recipe["prompt"], "A cat playing piano");
    assert_eq!(recipe["model"], "sora-2-preview");
    assert_eq!(recipe["model_name"], "Sora 2");
    assert_eq!(recipe["aspect"], "16:9");
    assert_eq!(recipe["duration_seconds"], 4);
    assert_eq!(recipe["evolink_task_id"], done.remote_id.clone().unwrap());

    // Exactly one paid call for this task, and the media host never saw the key.
    let counters = server.counters();
    assert_eq!(counters.creates_per_key.get(&task.id), Some(&1));
    assert_eq!(counters.tasks_created, 1);
    assert_eq!(counters.media_requests_with_auth, 0);
    // Nothing half-written is left in the library.
    let leftovers: Vec<_> = std::fs::read_dir(rig.library_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".part"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // The states were published as they happened (in batches), ending with done and a balance.
    let mut seen = Vec::new();
    let mut balance = None;
    while seen.last() != Some(&TaskState::Done) || balance.is_none() {
        let event = tokio::time::timeout(Duration::from_secs(5), events.recv())
            .await
            .expect("events keep coming until done")
            .expect("the channel stays open");
        match event {
            EngineEvent::Tasks { tasks } => seen.extend(tasks.into_iter().map(|t| t.state)),
            EngineEvent::Balance { credits } => balance = credits,
            EngineEvent::KeyRefused { .. } => panic!("the key is fine"),
            EngineEvent::StoreTrouble { message } => panic!("the store is fine: {message:?}"),
        }
    }
    assert!(
        seen.contains(&TaskState::Generating) || seen.contains(&TaskState::Queued),
        "{seen:?}"
    );
    assert!(balance.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_picture_is_prepared_uploaded_once_and_used() {
    let server = mock(mock_config()).await;
    let rig = Rig::start(&server, EngineConfig::fast());
    let picture = rig.dir.path().join("holiday.png");
    image::RgbImage::from_fn(1600, 1200, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    })
    .save(&picture)
    .unwrap();

    let mut ids = Vec::new();
    for _ in 0..2 {
        let mut request = request("Waves rolling onto the beach");
        request.image = Some(picture.clone());
        request.choices.aspect = Some("9:16".into());
        request.image_fit = ImageFit::default();
        ids.push(rig.engine().submit(request).unwrap().id);
    }
    for id in &ids {
        let done = rig.finished(id, Duration::from_secs(30)).await;
        assert_eq!(done.state, TaskState::Done, "{done:?}");
        assert!(done.upload_url.is_some());
        assert_eq!(
            sha256_file(std::path::Path::new(done.video_path.as_deref().unwrap())),
            served_clip_sha("9:16")
        );
        // The prepared copy is not kept once the video is saved.
        assert!(!std::path::Path::new(done.prepared_image.as_deref().unwrap()).exists());
    }
    // The same prepared bytes were uploaded once and reused for the second task.
    assert_eq!(server.counters().uploads, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moderation_block_fails_in_plain_words_and_is_refunded() {
    let server = mock(mock_config()).await;
    let rig = Rig::start(&server, EngineConfig::fast());
    let before = server.balance();
    let task = rig.submit("A celebrity dancing on the moon");
    let failed = rig.finished(&task.id, Duration::from_secs(30)).await;
    assert_eq!(failed.state, TaskState::Failed);
    assert_eq!(failed.error_code.as_deref(), Some("moderation_blocked"));
    assert_eq!(failed.error_retryable, Some(false));
    let words = failed.error_message.unwrap();
    assert_eq!(words.key, "problem.moderation_blocked.task");
    assert!(words.english().len() > 20);
    assert_eq!(server.balance(), before, "failed tasks are refunded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_requests_are_refused_before_anything_is_recorded() {
    let server = mock(mock_config()).await;
    let rig = Rig::start(&server, EngineConfig::fast());
    for bad in [
        request(""),
        {
            let mut r = request("ok");
            r.choices.duration = Some(10);
            r
        },
        request(&"x".repeat(5001)),
        {
            let mut r = request("ok");
            r.callback_url = Some("http://127.0.0.1/hook".into());
            r
        },
    ] {
        let error = rig.engine().submit(bad).unwrap_err();
        assert_eq!(error.code(), "invalid_input", "{error}");
    }
    assert_eq!(rig.store.count(&Default::default()).unwrap(), 0);
    assert_eq!(server.counters().create_calls, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_started_by_one_engine_is_finished_by_the_next() {
    let server = mock(mock_config()).await;
    let first = Rig::start(&server, EngineConfig::fast());
    let task = first.submit("A lighthouse in a storm");
    // Stop as soon as EvoLink has the task.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while first.store.get(&task.id).unwrap().remote_id.is_none() {
        assert!(std::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let Rig { dir, handle, .. } = first;
    drop(handle);

    let second = Rig::start_in(dir, &server, EngineConfig::fast());
    let done = second.finished(&task.id, Duration::from_secs(30)).await;
    assert_eq!(done.state, TaskState::Done);
    assert_eq!(server.counters().creates_per_key.get(&task.id), Some(&1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_engine_per_store_and_it_carries_tasks_recorded_elsewhere() {
    let server = mock(mock_config()).await;
    let rig = Rig::start(&server, EngineConfig::fast());
    let data = rig.dir.path().join("data");

    // A second engine on the same data folder (another process, say) is refused.
    let second = sora_engine::Engine::start(
        sora_engine::EngineConfig {
            lock_wait: Duration::ZERO,
            ..EngineConfig::fast()
        },
        rig.store.clone(),
        sora_engine::library::Library::new(rig.library_dir()),
        &data,
        Some(client(&server)),
    );
    assert!(matches!(second, Err(sora_engine::EngineError::Busy)));

    // That process records its task instead, through its own handle on the store...
    let elsewhere = std::sync::Arc::new(sora_engine::Store::open_in(&data).unwrap());
    let task = sora_engine::record(&elsewhere, request("A tram at night")).unwrap();
    // ...and the running engine notices it and carries it to the end, once.
    let done = rig.finished(&task.id, Duration::from_secs(30)).await;
    assert_eq!(done.state, TaskState::Done);
    assert_eq!(server.counters().tasks_per_key.get(&task.id), Some(&1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graceful_stop_lets_a_paid_call_in_flight_finish_and_record_its_answer() {
    let server = mock(slow_create()).await;
    let rig = Rig::start(&server, EngineConfig::fast());
    let task = rig.submit("A snow globe being shaken");
    // A stop before the paid request left sends nothing, which is a different case.
    rig.until_paid_call_sent(&task.id).await;
    let Rig {
        store,
        handle,
        dir: _dir,
    } = rig;
    handle.shutdown(Duration::from_secs(10)).await;
    let after = store.get(&task.id).unwrap();
    assert!(
        after.remote_id.is_some(),
        "the answer was recorded: {after:?}"
    );
    assert!(
        matches!(after.state, TaskState::Queued | TaskState::Generating),
        "{after:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn holding_paid_calls_waits_for_the_one_in_flight_and_sends_no_other_until_released() {
    let server = mock(slow_create()).await;
    let rig = Rig::start(&server, EngineConfig::fast());
    let first = rig.submit("A kite over a beach");
    rig.until_paid_call_sent(&first.id).await;
    // The hold is granted only once the call in flight has recorded its answer.
    let held = rig.engine().hold_paid_calls().await;
    let answered = rig.store.get(&first.id).unwrap();
    assert!(answered.remote_id.is_some(), "{answered:?}");

    let second = rig.submit("A lighthouse at dusk");
    tokio::time::sleep(Duration::from_millis(800)).await;
    let waiting = rig.store.get(&second.id).unwrap();
    assert!(waiting.create_sent_at.is_none(), "{waiting:?}");
    assert_eq!(
        server.counters().create_calls,
        1,
        "no paid call left while held"
    );

    drop(held);
    let done = rig.finished(&second.id, Duration::from_secs(20)).await;
    assert_eq!(done.state, TaskState::Done);
    assert_eq!(server.counters().tasks_per_key.get(&second.id), Some(&1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_between_naming_the_video_and_cleaning_up_leaves_one_copy() {
    use sora_engine::store::Patch;
    let server = mock(mock_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let library = dir.path().join("library");
    std::fs::create_dir_all(&library).unwrap();
    let clip = std::fs::read(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../evolink-mock/assets/landscape.mp4"),
    )
    .unwrap();
    let sha = served_clip_sha("16:9");

    // The state a crash leaves: the name and hash recorded, the file linked under that name,
    // the part file not yet removed, the task still "downloading".
    let store = sora_engine::Store::open_in(&data).unwrap();
    let task = sora_engine::record(&store, request("A clock tower at noon")).unwrap();
    let video = library.join("2026-11-24 A clock tower at noon (landscape, 4s).mp4");
    std::fs::write(&video, &clip).unwrap();
    std::fs::write(library.join(format!(".{}.mp4.part", task.id)), &clip).unwrap();
    for (from, to) in [
        (TaskState::Preparing, TaskState::Waiting),
        (TaskState::Waiting, TaskState::Submitting),
        (TaskState::Submitting, TaskState::Queued),
        (TaskState::Queued, TaskState::Downloading),
    ] {
        store
            .advance(&task.id, from, to, &Patch::default())
            .unwrap();
    }
    store
        .advance(
            &task.id,
            TaskState::Downloading,
            TaskState::Downloading,
            &Patch {
                result_urls: Some(vec![format!("{}/media/gone.mp4", server.base_url())]),
                video: Some((video.display().to_string(), clip.len() as u64, sha.clone())),
                ..Patch::default()
            },
        )
        .unwrap();
    drop(store);

    let rig = Rig::start_in(dir, &server, EngineConfig::fast());
    let done = rig.finished(&task.id, Duration::from_secs(20)).await;
    assert_eq!(done.state, TaskState::Done);
    assert_eq!(done.video_path.as_deref(), Some(video.to_str().unwrap()));
    let names: Vec<String> = std::fs::read_dir(rig.library_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names.iter().filter(|n| n.ends_with(".mp4")).count(),
        1,
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n.ends_with(".part")), "{names:?}");
    assert_eq!(
        server.counters().media_requests,
        0,
        "nothing was downloaded again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_key_tasks_wait_and_go_on_once_one_is_set() {
    let server = mock(mock_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let store = std::sync::Arc::new(sora_engine::Store::open_in(&data).unwrap());
    let handle = sora_engine::Engine::start(
        EngineConfig::fast(),
        store.clone(),
        sora_engine::library::Library::new(dir.path().join("library")),
        &data,
        None,
    )
    .unwrap();
    let task = handle
        .engine
        .submit(request("A windmill in a storm"))
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Work on this computer goes on; nothing is sent without a key.
    assert_eq!(
        store.get(&task.id).unwrap().state,
        TaskState::Waiting,
        "the task is prepared, then waits in the queue for a key"
    );
    assert_eq!(server.counters().create_calls, 0);
    assert!(server.counters().requests.is_empty(), "nothing was sent");

    handle.engine.set_client(Some(client(&server)));
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !store.get(&task.id).unwrap().state.is_final() {
        assert!(
            std::time::Instant::now() < deadline,
            "the task did not go on once a key was set"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(store.get(&task.id).unwrap().state, TaskState::Done);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_that_keeps_meeting_trouble_says_so_until_it_moves_on() {
    use evolink_mock::{Action, Faults, Injection, MockConfig};
    let server = mock(MockConfig {
        faults: Faults {
            // Three client attempts per poll: four polls in a row fail.
            inject: vec![Injection::new(
                "get_task",
                12,
                Action::Status {
                    status: 503,
                    retry_after: None,
                },
            )],
            ..Faults::default()
        },
        ..mock_config()
    })
    .await;
    let rig = Rig::start(&server, EngineConfig::fast());
    let mut events = rig.engine().subscribe();
    let task = rig.submit("A lighthouse in fog");
    let mut noted = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while noted.is_none() {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("the trouble is reported while the task waits")
            .unwrap();
        if let EngineEvent::Tasks { tasks } = event {
            noted = tasks
                .into_iter()
                .find(|t| t.id == task.id && t.error_code.is_some());
        }
    }
    let noted = noted.unwrap();
    assert!(noted.state.is_active(), "{noted:?}");
    assert_eq!(noted.error_code.as_deref(), Some("server_trouble"));
    assert_eq!(noted.error_retryable, Some(true));

    let done = rig.finished(&task.id, Duration::from_secs(30)).await;
    assert_eq!(done.state, TaskState::Done);
    assert_eq!(
        done.error_code, None,
        "the note is cleared once it moved on"
    );
}

/// Kling V3 with a first and a last frame, 10 s at 1080p with sound: both pictures are
/// prepared and uploaded, the paid call carries them as `image_start` and `image_end` with the
/// choices, and the video is saved under a name and a recipe that say which model made it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_and_a_last_frame_reach_kling_with_every_choice() {
    let server = mock(mock_config()).await;
    let rig = Rig::start(&server, EngineConfig::fast());
    let picture = |name: &str, shade: u8| {
        let path = rig.dir.path().join(name);
        image::RgbImage::from_fn(1200, 900, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, shade])
        })
        .save(&path)
        .unwrap();
        path
    };
    let mut request = request("A kite rises from the beach into the clouds");
    request.model = "kling-v3".into();
    request.choices = evolink::models::Choices {
        duration: Some(10),
        quality: Some("1080p".into()),
        audio: Some(true),
        ..Default::default()
    };
    request.image = Some(picture("start.png", 10));
    request.last_image = Some(picture("end.png", 200));
    let task = rig.engine().submit(request).unwrap();
    assert_eq!(task.model, "kling-v3-image-to-video");
    let done = rig.finished(&task.id, Duration::from_secs(30)).await;
    assert_eq!(done.state, TaskState::Done, "{done:?}");
    assert_eq!(
        server.counters().uploads,
        2,
        "two different pictures, two uploads"
    );
    let body = server.counters().create_bodies.last().cloned().unwrap();
    assert_eq!(body["model"], "kling-v3-image-to-video");
    assert_eq!(
        body["image_start"],
        done.upload_url.clone().unwrap().as_str()
    );
    assert_eq!(
        body["image_end"],
        done.last_upload_url.clone().unwrap().as_str()
    );
    assert_ne!(body["image_start"], body["image_end"]);
    assert_eq!(
        (
            body["duration"].clone(),
            body["quality"].clone(),
            body["sound"].clone()
        ),
        (10.into(), "1080p".into(), "on".into())
    );
    assert!(
        body.get("aspect_ratio").is_none(),
        "the pictures decide Kling's shape"
    );
    assert_eq!(done.credits_used, Some(108.0));
    assert!(
        done.aspect_sent().is_none(),
        "the frames decide Kling's shape"
    );
    let video = std::path::PathBuf::from(done.video_path.unwrap());
    let name = video.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.ends_with("(kling-v3, 10s).mp4"), "{name}");
    let recipe: serde_json::Value =
        serde_json::from_slice(&std::fs::read(video.with_extension("json")).unwrap()).unwrap();
    assert_eq!(recipe["model"], "kling-v3-image-to-video");
    assert_eq!(recipe["model_name"], "Kling V3");
    assert_eq!(
        (
            recipe["duration_seconds"].clone(),
            recipe["quality"].clone(),
            recipe["sound"].clone()
        ),
        (10.into(), "1080p".into(), true.into())
    );
    assert!(recipe["first_frame"]
        .as_str()
        .unwrap()
        .ends_with("start.png"));
    assert!(recipe["last_frame"].as_str().unwrap().ends_with("end.png"));
    // Neither prepared copy is kept once the video is saved.
    for prepared in [done.prepared_image, done.last_prepared_image] {
        assert!(!std::path::Path::new(&prepared.unwrap()).exists());
    }
}
