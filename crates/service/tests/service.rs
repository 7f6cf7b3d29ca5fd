//! The app's service against the fake EvoLink server over loopback, with real stores, real
//! files and the real media server. No keychain here: the process is pointed at a D-Bus address
//! that does not exist, so the no-keychain path is the one exercised (the keychain itself is
//! covered by `tests/keychain.rs` inside a real Secret Service session).

use std::path::{Path, PathBuf};
use std::time::Duration;

use evolink::models::Choices;
use evolink::{ClientConfig, RetryPolicy};
use evolink_mock::{MockConfig, MockServer};
use sora_core::AppPaths;
use sora_engine::{EngineConfig, TaskState};
use sora_keychain::KeyVault;
use sora_service::*;

const KEY: &str = "sk-service-test-31b7c0e2d9";

fn no_keychain() {
    // Same value from every test of this binary, so concurrent tests agree.
    std::env::set_var(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/sora-desk-test",
    );
}

fn quick_client(mut config: ClientConfig) -> ClientConfig {
    config.connect_timeout = Duration::from_secs(5);
    config.request_timeout = Duration::from_secs(5);
    config.retry = RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(100),
        max_retry_after: Duration::from_millis(500),
    };
    config
}

struct Rig {
    dir: tempfile::TempDir,
    service: Service,
    _server: Option<MockServer>,
}

async fn mock() -> MockServer {
    MockServer::start(MockConfig {
        keys: vec![KEY.into()],
        time_scale: 100.0,
        ..MockConfig::default()
    })
    .await
    .unwrap()
}

fn config(dir: &Path, server: Option<&MockServer>, env_key: Option<&str>) -> ServiceConfig {
    no_keychain();
    ServiceConfig {
        version: "0.0.0-test",
        paths: AppPaths {
            data_dir: dir.join("data"),
            library_dir: dir.join("Videos"),
        },
        library_from_env: false,
        api_base_from_env: server.map(|s| s.base_url()),
        files_base_from_env: server.map(|s| s.base_url()),
        env_key: env_key.map(String::from),
        vault: KeyVault::new(format!("sora-desk-test-{}", std::process::id())),
        engine: EngineConfig::fast(),
        demo: DemoConfig {
            time_scale: 100.0,
            engine: EngineConfig::fast(),
        },
        client_tuning: quick_client,
        media_listener: None,
    }
}

async fn rig(env_key: Option<&str>) -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let server = mock().await;
    let service = Service::start(config(dir.path(), Some(&server), env_key))
        .await
        .unwrap();
    Rig {
        dir,
        service,
        _server: Some(server),
    }
}

/// A Sora 2 request, landscape, 4 s.
fn prompt(text: &str) -> SubmitInput {
    SubmitInput {
        prompt: text.into(),
        model: "sora-2-preview".into(),
        choices: Choices {
            duration: Some(4),
            aspect: Some("16:9".into()),
            ..Choices::default()
        },
        image: None,
        last_image: None,
        takes: 1,
    }
}

async fn until_final(service: &Service, id: &str) -> TaskView {
    until(service, id, |t| t.state.is_final()).await
}

/// The task once `done` holds of it (within 30 s).
async fn until(service: &Service, id: &str, done: impl Fn(&TaskView) -> bool) -> TaskView {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let task = service.get(id).await.unwrap();
        if done(&task) {
            return task;
        }
        assert!(std::time::Instant::now() < deadline, "stuck: {task:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn picture(dir: &Path, name: &str, w: u32, h: u32) -> PathBuf {
    let path = dir.join(name);
    image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    })
    .save(&path)
    .unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prompt_becomes_a_video_the_page_can_play_with_events_on_the_way() {
    let rig = rig(Some(KEY)).await;
    let service = &rig.service;
    let mut events = service.subscribe();
    let status = service.key_status().await;
    assert_eq!(status.storage, "environment");
    let hint = status.hint.unwrap();
    assert!(hint.starts_with("sk-…") && hint.ends_with("e2d9"), "{hint}");

    let task = service
        .submit(prompt("A paper boat on a rainy street"))
        .await
        .unwrap()
        .remove(0);
    assert_eq!(
        task.state,
        TaskState::Preparing,
        "recorded before anything is sent"
    );
    let done = until_final(service, &task.id).await;
    assert_eq!(done.state, TaskState::Done, "{done:?}");
    assert!(done.credits_used.is_some());

    // Events: the task was seen changing, then reported finished exactly once.
    let mut seen_states = Vec::new();
    let mut finished = 0;
    while let Ok(Ok(event)) = tokio::time::timeout(Duration::from_millis(500), events.recv()).await
    {
        match event {
            ServiceEvent::TasksChanged(tasks) => {
                seen_states.extend(tasks.iter().filter(|t| t.id == task.id).map(|t| t.state))
            }
            ServiceEvent::Finished { task: t, demo } => {
                assert_eq!((t.id.as_str(), demo), (task.id.as_str(), false));
                finished += 1;
            }
            _ => {}
        }
    }
    assert_eq!(finished, 1);
    // Changes are batched, so quick steps may be seen together; the end is always seen.
    assert!(seen_states.iter().any(|s| s.is_active()), "{seen_states:?}");
    assert_eq!(seen_states.last(), Some(&TaskState::Done));

    // The media server plays it: whole, and by range, and only with the token.
    let url = done.video_url.clone().expect("a done task has a video URL");
    let on_disk = std::fs::read(done.video_path.as_deref().unwrap()).unwrap();
    evolink::install_tls();
    let http = reqwest::Client::new();
    let whole = http.get(&url).send().await.unwrap();
    assert_eq!(whole.status(), 200);
    assert!(
        whole.headers().get("access-control-allow-origin").is_none(),
        "the page shows videos, it never reads them"
    );
    // The webview keeps no copy of a file that is on this computer already.
    let no_store = |response: &reqwest::Response| {
        assert_eq!(response.headers().get("cache-control").unwrap(), "no-store")
    };
    no_store(&whole);
    assert_eq!(whole.bytes().await.unwrap().as_ref(), on_disk.as_slice());
    let part = http
        .get(&url)
        .header("Range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(part.bytes().await.unwrap().as_ref(), &on_disk[100..200]);
    let base = service.media_base_url();
    let port_and_token = base.trim_start_matches("http://");
    let (host, token) = port_and_token.split_once('/').unwrap();
    let forged = format!(
        "http://{host}/{}/video/{}",
        "0".repeat(token.len()),
        task.id
    );
    assert_eq!(http.get(&forged).send().await.unwrap().status(), 404);
    for bad in ["../../etc/passwd", "sd-nope", "%2e%2e%2fdata"] {
        let status = http
            .get(format!("{base}/video/{bad}"))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 404, "{bad}");
    }

    // The still its card shows is made in Rust once the video is saved, and served.
    let with_poster = until(service, &task.id, |t| t.poster_url.is_some()).await;
    let poster = with_poster.poster_url.unwrap();
    assert!(poster.ends_with("?v=640x360"), "{poster}");
    let served = http.get(&poster).send().await.unwrap();
    assert_eq!(served.status(), 200);
    no_store(&served);
    let still = image::load_from_memory(&served.bytes().await.unwrap()).expect("a picture");
    assert_eq!((still.width(), still.height()), (640, 360));

    // Listing, searching, favourites, stats.
    let other = service
        .submit(prompt("A fox in deep snow"))
        .await
        .unwrap()
        .remove(0);
    until_final(service, &other.id).await;
    let page = service
        .list(ListInput {
            search: "SNOW fox".into(),
            limit: 10,
            ..ListInput::default()
        })
        .await
        .unwrap();
    assert_eq!(
        (page.total, page.tasks[0].id.as_str()),
        (1, other.id.as_str())
    );
    service.set_favourite(&task.id, true).await.unwrap();
    let favourites = service
        .list(ListInput {
            favourites_only: true,
            ..ListInput::default()
        })
        .await
        .unwrap();
    assert_eq!(favourites.total, 1);
    let stats = service.stats().await.unwrap();
    assert_eq!(stats.counts.get(&TaskState::Done), Some(&2));
    assert!(stats.credits_used_total > 0.0);
    assert_eq!(stats.credits_used_total, stats.credits_used_30_days);
    let too_many = service
        .list(ListInput {
            limit: MAX_PAGE + 1,
            ..ListInput::default()
        })
        .await
        .unwrap_err();
    assert_eq!(too_many.code, "invalid_argument");

    // Save a copy, then delete: the copy stays, the library's files and the poster go.
    let copy = rig.dir.path().join("elsewhere.mp4");
    service.copy_video(&task.id, &copy).await.unwrap();
    assert_eq!(std::fs::read(&copy).unwrap(), on_disk);
    let video = PathBuf::from(done.video_path.unwrap());
    service.delete(&task.id).await.unwrap();
    assert!(!video.exists() && copy.exists());
    assert_eq!(http.get(&poster).send().await.unwrap().status(), 404);
    assert_eq!(service.get(&task.id).await.unwrap_err().code, "not_found");
    service.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_keychain_a_key_is_checked_then_kept_for_the_session_only() {
    let rig = rig(None).await;
    let service = &rig.service;
    let status = service.key_status().await;
    assert!(!status.set);
    assert_eq!(status.problem.unwrap().code, "keychain_unavailable");
    assert_eq!(
        service.submit(prompt("x")).await.unwrap_err().code,
        "no_key"
    );

    let malformed = service
        .set_key("sk-has spaces".into(), false)
        .await
        .unwrap_err();
    assert_eq!(malformed.code, "invalid_key");
    let refused = service
        .set_key("sk-not-the-right-key-123".into(), true)
        .await
        .unwrap_err();
    assert_eq!(refused.code, "bad_key");
    assert!(!service.key_status().await.set, "a refused key is not kept");

    let no_keychain = service.set_key(KEY.into(), false).await.unwrap_err();
    assert_eq!(no_keychain.code, "keychain_unavailable");
    assert!(
        !service.key_status().await.set,
        "never written anywhere else"
    );

    let saved = service.set_key(format!("  {KEY}\n"), true).await.unwrap();
    assert_eq!(saved.status.storage, "session_only");
    assert!(saved.status.set);
    assert_eq!(saved.credits, Some(1000.0));
    assert_eq!(
        service.refresh_balance().await.unwrap().credits,
        Some(1000.0)
    );

    let task = service
        .submit(prompt("A kite over dunes"))
        .await
        .unwrap()
        .remove(0);
    assert_eq!(until_final(service, &task.id).await.state, TaskState::Done);

    let cleared = service.clear_key().await.unwrap();
    assert!(!cleared.set);
    assert_eq!(service.refresh_balance().await.unwrap_err().code, "no_key");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_runs_its_own_server_and_folders_beside_the_real_world() {
    let dir = tempfile::tempdir().unwrap();
    // No real server at all: the demo must need nothing from outside.
    let service = Service::start(config(dir.path(), None, None))
        .await
        .unwrap();
    let mut events = service.subscribe();
    assert!(!service.app_info().await.demo);

    let info = service.set_demo(true).await.unwrap();
    assert!(info.demo);
    assert!(info
        .library_dir
        .starts_with(dir.path().join("data").to_str().unwrap()));
    let mode = loop {
        if let ServiceEvent::ModeChanged(info) = events.recv().await.unwrap() {
            break info;
        }
    };
    assert!(mode.demo);
    assert_eq!(
        service.refresh_balance().await.unwrap().credits,
        Some(500.0)
    );

    let task = service
        .submit(prompt("A robot watering tulips"))
        .await
        .unwrap()
        .remove(0);
    let done = until_final(&service, &task.id).await;
    assert_eq!(done.state, TaskState::Done, "{done:?}");
    assert!(done
        .video_path
        .as_deref()
        .unwrap()
        .starts_with(&info.library_dir));
    let blocked = service
        .submit(prompt("A celebrity on a red carpet"))
        .await
        .unwrap()
        .remove(0);
    let failed = until_final(&service, &blocked.id).await;
    assert_eq!(failed.error.unwrap().code, "moderation_blocked");

    // Off again: the real (empty) library is on show; the demo's tasks stay in the demo.
    let info = service.set_demo(false).await.unwrap();
    assert!(!info.demo);
    assert_eq!(service.list(ListInput::default()).await.unwrap().total, 0);
    assert_eq!(service.get(&task.id).await.unwrap_err().code, "not_found");
    service.shutdown(Duration::from_secs(5)).await;
    drop(service);

    // Demo mode is remembered across restarts.
    let service = Service::start(config(dir.path(), None, None))
        .await
        .unwrap();
    assert!(!service.app_info().await.demo);
    service.set_demo(true).await.unwrap();
    service.shutdown(Duration::from_secs(5)).await;
    drop(service);
    let service = Service::start(config(dir.path(), None, None))
        .await
        .unwrap();
    assert!(service.app_info().await.demo);
    assert_eq!(service.list(ListInput::default()).await.unwrap().total, 2);
}

/// The only test of this binary that reads `SORA_DESK_LANG` (the system's language here).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_language_follows_the_system_until_one_is_chosen() {
    let rig = rig(Some(KEY)).await;
    let service = &rig.service;
    assert_eq!(service.settings().await.language, "system");
    std::env::set_var("SORA_DESK_LANG", "zh_CN.UTF-8");
    assert_eq!(service.app_info().await.language, "zh-CN");
    assert_eq!(service.language(), sora_words::Lang::ZhCn);
    std::env::set_var("SORA_DESK_LANG", "en-GB");
    assert_eq!(service.app_info().await.language, "en");

    // A language chosen in Settings wins over the system's.
    let after = service
        .set_settings(SettingsChange {
            language: Some("zh-CN".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(after.language, "zh-CN");
    assert_eq!(service.app_info().await.language, "zh-CN");
    assert_eq!(service.language(), sora_words::Lang::ZhCn);

    // Anything else is refused, and nothing of the change is saved.
    for bad in ["", "zh", "fr", "EN", "zh-TW"] {
        let refused = service
            .set_settings(SettingsChange {
                language: Some(bad.into()),
                theme: Some(settings::Theme::Dark),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(refused.code, "invalid_argument", "{bad:?}");
        assert_eq!(refused.field, Some("language"), "{bad:?}");
        assert_ne!(refused.message.english(), refused.message.key);
    }
    let now = service.settings().await;
    assert_eq!(now.language, "zh-CN");
    assert_eq!(now.theme, settings::Theme::System);

    // Back to the system's.
    service
        .set_settings(SettingsChange {
            language: Some("system".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(service.settings().await.language, "system");
    assert_eq!(service.app_info().await.language, "en");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_are_checked_whole_before_anything_is_stored() {
    let rig = rig(Some(KEY)).await;
    let service = &rig.service;
    let before = service.settings().await;
    assert_eq!(before.default_model, "sora-2-preview");
    assert!(before.notifications);

    for change in [
        SettingsChange {
            default_model: Some("sora-3".into()),
            ..Default::default()
        },
        SettingsChange {
            theme: Some(settings::Theme::Dark),
            api_base: Some("http://evolink.example.com".into()),
            ..Default::default()
        },
        SettingsChange {
            callback_url: Some("https://192.168.1.20/hook".into()),
            ..Default::default()
        },
        SettingsChange {
            library_dir: Some("relative/folder".into()),
            ..Default::default()
        },
    ] {
        let refused = service.set_settings(change.clone()).await.unwrap_err();
        assert_eq!(refused.code, "invalid_argument", "{change:?}");
        assert!(refused.message.key.starts_with("problem."), "{change:?}");
        assert_ne!(refused.message.english(), refused.message.key, "{change:?}");
    }
    assert_eq!(
        service.settings().await,
        before,
        "a refused change stores nothing"
    );

    let library = rig.dir.path().join("My videos");
    let after = service
        .set_settings(SettingsChange {
            theme: Some(settings::Theme::Dark),
            notifications: Some(false),
            default_model: Some("kling-v3".into()),
            callback_url: Some("https://hooks.example.com/sora".into()),
            library_dir: Some(library.display().to_string()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(after.theme, settings::Theme::Dark);
    assert!(!after.notifications);
    assert_eq!(after.default_model, "kling-v3");
    assert_eq!(
        after.callback_url.as_deref(),
        Some("https://hooks.example.com/sora")
    );
    assert_eq!(after.library_dir, library.display().to_string());

    // The engine was restarted on the new folder: new videos land there.
    let task = service
        .submit(prompt("A heron at dawn"))
        .await
        .unwrap()
        .remove(0);
    let done = until_final(service, &task.id).await;
    assert!(PathBuf::from(done.video_path.unwrap()).starts_with(&library));

    let cleared = service
        .set_settings(SettingsChange {
            callback_url: Some(String::new()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(cleared.callback_url, None);
}

/// A preflight request for the picture `handle` names, for Sora 2, filling the frame.
fn prepare_request(handle: &str, crop: Option<sora_preflight::CropRect>) -> PrepareRequest {
    PrepareRequest {
        picture: handle.to_string(),
        model: "sora-2-preview".into(),
        aspect: None,
        quality: None,
        framing: sora_preflight::Framing::Fill,
        crop,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pictures_the_person_gave_are_checked_prepared_and_previewed() {
    let rig = rig(Some(KEY)).await;
    let service = &rig.service;
    let photo = picture(rig.dir.path(), "photo.png", 1600, 1200);
    let given = service.give_picture(photo.clone());

    let prepared = service
        .prepare_image(prepare_request(&given, None))
        .await
        .unwrap();
    assert_eq!((prepared.output.width, prepared.output.height), (1280, 720));
    assert!(
        prepared.summary.english().contains("1600x1200"),
        "{}",
        prepared.summary
    );
    assert!(prepared.preview_url.starts_with("data:image/jpeg;base64,"));
    assert!(prepared
        .source_preview_url
        .starts_with("data:image/jpeg;base64,"));
    assert_ne!(prepared.preview_url, prepared.source_preview_url);
    // The answer names no file: the page holds the handle, nothing more.
    let answer = serde_json::to_string(&prepared).unwrap();
    assert!(!answer.contains("photo.png"), "{answer}");

    let crop = |x, width| sora_preflight::CropRect {
        x,
        y: 0.0,
        width,
        height: 0.5,
    };
    let moved = service
        .prepare_image(prepare_request(&given, Some(crop(0.0, 0.5))))
        .await
        .unwrap();
    // The top-left quarter (800x600), trimmed about its centre to 16:9.
    assert_eq!(
        (
            moved.region.x,
            moved.region.y,
            moved.region.width,
            moved.region.height
        ),
        (0, 75, 800, 450)
    );

    // What the person gave may have gone since, or not be a picture: said plainly.
    let gone = rig.dir.path().join("gone.png");
    std::fs::copy(&photo, &gone).unwrap();
    let gone = service.give_picture(gone.clone());
    std::fs::remove_file(rig.dir.path().join("gone.png")).unwrap();
    let text = rig.dir.path().join("notes.png");
    std::fs::write(&text, "not a picture").unwrap();
    for (handle, crop, code) in [
        (gone, None, "file_missing"),
        (
            service.give_picture(rig.dir.path().to_path_buf()),
            None,
            "read_failed",
        ),
        (given.clone(), Some(crop(0.8, 0.5)), "invalid_argument"),
        (service.give_picture(text), None, "not_an_image"),
    ] {
        let e = service
            .prepare_image(prepare_request(&handle, crop))
            .await
            .unwrap_err();
        assert_eq!(e.code, code, "{e:?}");
    }

    // Pasting: kept by content, once; only pictures; the answer is a handle.
    let bytes = std::fs::read(&photo).unwrap();
    let pasted = service.save_pasted_image(bytes.clone()).await.unwrap();
    assert!(pasted.starts_with("pic-"), "{pasted}");
    service.save_pasted_image(bytes.clone()).await.unwrap();
    let kept: Vec<_> = std::fs::read_dir(rig.dir.path().join("data/pasted"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(std::fs::read(&kept[0]).unwrap(), bytes);
    let e = service
        .save_pasted_image(b"hello".to_vec())
        .await
        .unwrap_err();
    assert_eq!(e.code, "not_an_image");

    // A task with the pasted picture, framed "fit"; its view remembers the choice, and its
    // picture's handle (derived from the task) prepares the same picture again.
    let task = service
        .submit(SubmitInput {
            image: Some(ImageChoice {
                picture: pasted.clone(),
                framing: sora_preflight::Framing::Fit,
                crop: None,
            }),
            ..prompt("The picture comes alive")
        })
        .await
        .unwrap()
        .remove(0);
    let choice = task.image.clone().unwrap();
    assert_eq!(
        (choice.picture.clone(), choice.framing),
        (
            format!("task:{}:first", task.id),
            sora_preflight::Framing::Fit
        )
    );
    assert_eq!(until_final(service, &task.id).await.state, TaskState::Done);
    let again = service
        .prepare_image(prepare_request(&choice.picture, None))
        .await
        .unwrap();
    assert_eq!(again.summary, prepared.summary);

    // Ids from the page never reach a file name or the store unchecked.
    for id in ["../x", "", "SD-UPPER", "a/b"] {
        assert_eq!(
            service.get(id).await.unwrap_err().code,
            "invalid_argument",
            "{id}"
        );
    }
}

/// The page names no file for Rust to read: a path in place of a handle, a forged handle, a
/// task's handle for a task that has no such picture, all get one answer, whether the file
/// exists or not; nothing is recorded and nothing reaches EvoLink.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_handles_the_app_gave_open_a_picture() {
    let dir = tempfile::tempdir().unwrap();
    let server = mock().await;
    let service = Service::start(config(dir.path(), Some(&server), Some(KEY)))
        .await
        .unwrap();
    let photo = picture(dir.path(), "photo.png", 1280, 720);
    let plain = service
        .submit(prompt("No picture"))
        .await
        .unwrap()
        .remove(0);
    let forged = format!("pic-{}", "ab".repeat(16));
    let no_last = format!("task:{}:last", plain.id);
    let refused = [
        photo.display().to_string(),
        dir.path().join("gone.png").display().to_string(),
        "/etc/passwd".to_string(),
        forged,
        no_last,
        "task:sd-nosuchtask:first".to_string(),
    ];
    for handle in &refused {
        let prepared = service
            .prepare_image(prepare_request(handle, None))
            .await
            .unwrap_err();
        let submitted = service
            .submit(SubmitInput {
                image: Some(ImageChoice {
                    picture: handle.clone(),
                    framing: sora_preflight::Framing::Fill,
                    crop: None,
                }),
                ..prompt("Sent with a path")
            })
            .await
            .unwrap_err();
        for problem in [prepared, submitted] {
            assert_eq!(problem.code, "picture_unknown", "{handle}");
            assert_eq!(
                problem.message,
                sora_service::pictures::unknown().message,
                "{handle}"
            );
        }
    }
    assert_eq!(
        until_final(&service, &plain.id).await.state,
        TaskState::Done
    );
    let listed = service
        .list(ListInput {
            limit: 10,
            ..ListInput::default()
        })
        .await
        .unwrap();
    assert_eq!(listed.total, 1, "only the task without a picture");
    assert_eq!(server.counters().uploads, 0);
    assert_eq!(server.counters().tasks_created, 1);
}

/// The picker's view of the models: one EvoLink says the key may not use is unavailable with
/// the reason, a request for it is refused before anything is recorded with other models
/// that take the same pictures, and a model's choices are remembered once used.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn models_the_key_may_not_use_are_offered_as_unavailable_with_alternatives() {
    let dir = tempfile::tempdir().unwrap();
    let server = MockServer::start(MockConfig {
        keys: vec![KEY.into()],
        time_scale: 100.0,
        unavailable_models: vec!["sora-2-pro-preview".into()],
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let service = Service::start(config(dir.path(), Some(&server), Some(KEY)))
        .await
        .unwrap();
    let list = service.list_models().await;
    assert_eq!(list.default, "sora-2-preview");
    let pro = list
        .models
        .iter()
        .find(|m| m.model.id == "sora-2-pro-preview")
        .unwrap();
    assert!(!pro.available);
    assert!(pro
        .unavailable_reason
        .as_ref()
        .unwrap()
        .english()
        .contains("Sora 2 Pro"));
    assert!(list
        .models
        .iter()
        .filter(|m| m.model.id != "sora-2-pro-preview")
        .all(|m| m.available));

    let refused = service
        .submit(SubmitInput {
            model: "sora-2-pro-preview".into(),
            ..prompt("A lighthouse in a storm")
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code, "model_unavailable");
    assert_eq!(
        refused.alternatives.first().map(String::as_str),
        Some("sora-2-preview")
    );
    assert_eq!(
        service.list(ListInput::default()).await.unwrap().total,
        0,
        "nothing recorded"
    );
    assert_eq!(server.counters().create_calls, 0);

    // Kling, 10 s at 1080p with sound: made, and remembered for next time.
    let kling = Choices {
        duration: Some(10),
        quality: Some("1080p".into()),
        audio: Some(true),
        ..Choices::default()
    };
    let task = service
        .submit(SubmitInput {
            model: "kling-v3".into(),
            choices: kling.clone(),
            ..prompt("A lighthouse in a storm")
        })
        .await
        .unwrap()
        .remove(0);
    assert_eq!(
        (
            task.model.as_str(),
            task.model_name.as_deref(),
            task.duration,
            task.quality.as_deref(),
            task.audio
        ),
        (
            "kling-v3-text-to-video",
            Some("Kling V3"),
            10,
            Some("1080p"),
            Some(true)
        )
    );
    let done = until_final(&service, &task.id).await;
    assert_eq!(done.state, TaskState::Done, "{done:?}");
    assert_eq!(done.credits_used, Some(108.0));
    let settings = service.settings().await;
    assert_eq!(settings.model_choices.get("kling-v3"), Some(&kling));
    // The estimate agrees with what EvoLink charged.
    let estimate = service
        .estimate(&models::EstimateInput {
            model: "kling-v3".into(),
            choices: kling,
            pictures: Default::default(),
        })
        .unwrap();
    assert_eq!(estimate.credits, 108.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn takes_are_made_side_by_side_and_their_run_is_told_once_when_it_ends() {
    let rig = rig(Some(KEY)).await;
    let service = &rig.service;
    let mut events = service.subscribe();
    let takes = service
        .submit(SubmitInput {
            takes: 3,
            ..prompt("A hot-air balloon over vineyards")
        })
        .await
        .unwrap();
    assert_eq!(takes.len(), 3);
    let group = takes[0].takes_group.clone().expect("a takes group");
    assert_eq!(
        takes.iter().map(|t| t.take).collect::<Vec<_>>(),
        [Some(1), Some(2), Some(3)]
    );
    for take in &takes {
        assert_eq!(until_final(service, &take.id).await.state, TaskState::Done);
    }
    let side_by_side = service
        .list(ListInput {
            takes_group: Some(group),
            ..ListInput::default()
        })
        .await
        .unwrap();
    assert_eq!(side_by_side.total, 3);

    // Each take ends (for the log), the run is told once, and the queue came along the way.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let (mut runs, mut finished, mut queues) = (Vec::new(), 0, 0);
    while std::time::Instant::now() < deadline && runs.is_empty() {
        match tokio::time::timeout(Duration::from_millis(200), events.recv()).await {
            Ok(Ok(ServiceEvent::RunFinished { run, demo })) => {
                assert!(!demo);
                runs.push(run);
            }
            Ok(Ok(ServiceEvent::Finished { .. })) => finished += 1,
            Ok(Ok(ServiceEvent::QueueChanged(_))) => queues += 1,
            _ => {}
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    while let Ok(event) = events.try_recv() {
        if let ServiceEvent::RunFinished { run, .. } = event {
            runs.push(run);
        }
    }
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!((runs[0].total, runs[0].done, runs[0].failed), (3, 3, 0));
    assert!(runs[0].finished);
    assert!(runs[0].label.starts_with("A hot-air balloon"));
    assert!(finished >= 1 && queues >= 1, "{finished} {queues}");
    let queue = service.queue_status().await.unwrap();
    assert_eq!((queue.max_active, queue.active), (3, 0));
    assert_eq!(queue.runs.len(), 1, "an ended run is shown for an hour");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_other_video_of_one_veo_call_shows_that_call_s_progress_and_is_saved() {
    let rig = rig(Some(KEY)).await;
    let service = &rig.service;
    let takes = service
        .submit(SubmitInput {
            prompt: "Waves breaking on black sand".into(),
            model: "veo-3.1-fast-generate-preview".into(),
            choices: Choices::default(),
            image: None,
            last_image: None,
            takes: 2,
        })
        .await
        .unwrap();
    let (lead, other) = (&takes[0], &takes[1]);
    assert_eq!(other.lead_id.as_deref(), Some(lead.id.as_str()));
    // While the one call is being made, its other video says so too (it is never sent itself).
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (l, o) = (
            service.get(&lead.id).await.unwrap(),
            service.get(&other.id).await.unwrap(),
        );
        if matches!(l.state, TaskState::Queued | TaskState::Generating) {
            assert_eq!((o.state, o.progress), (l.state, l.progress));
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never made: {l:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for take in &takes {
        let done = until_final(service, &take.id).await;
        assert_eq!(done.state, TaskState::Done, "{done:?}");
        assert!(done.video_url.is_some());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_with_characters_no_evolink_key_has_is_refused_and_nothing_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let server = mock().await;
    let service = Service::start(config(dir.path(), Some(&server), None))
        .await
        .unwrap();
    for key in ["sk-clé-de-test-ééé", "sk-🙂-distinctive-1234", "sk-1234"] {
        let e = service.set_key(key.into(), true).await.unwrap_err();
        assert_eq!(e.code, "invalid_key", "{key}");
        assert!(
            e.message.key.starts_with("problem.bad_key."),
            "{:?}",
            e.message
        );
        assert!(!e.message.english().contains(key), "{}", e.message);
        assert!(
            e.message.english().contains("Copy"),
            "says what to do: {}",
            e.message
        );
    }
    assert!(!service.key_status().await.set);
    assert!(
        server.counters().requests.is_empty(),
        "nothing was sent: {:?}",
        server.counters().requests
    );
}

/// A finished task as an older version left it: its video saved, no still.
fn saved_before(store: &sora_engine::Store, id: &str, video: &Path) {
    use sora_engine::{NewTask, Patch};
    store
        .insert(&NewTask::with_defaults(
            id,
            "sora-2-preview",
            id,
            &Choices::default(),
        ))
        .unwrap();
    let path = [
        TaskState::Preparing,
        TaskState::Waiting,
        TaskState::Submitting,
        TaskState::Queued,
        TaskState::Generating,
        TaskState::Downloading,
    ];
    for pair in path.windows(2) {
        store
            .advance(id, pair[0], pair[1], &Patch::default())
            .unwrap();
    }
    let patch = Patch {
        video: Some((video.display().to_string(), 1, "sha".into())),
        ..Patch::default()
    };
    store
        .advance(id, TaskState::Downloading, TaskState::Done, &patch)
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn videos_saved_before_get_their_stills_in_the_background_and_a_broken_one_keeps_its_placeholder(
) {
    let dir = tempfile::tempdir().unwrap();
    let videos = dir.path().join("Videos");
    std::fs::create_dir_all(&videos).unwrap();
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("../evolink-mock/assets");
    let portrait = videos.join("portrait.mp4");
    std::fs::copy(assets.join("portrait.mp4"), &portrait).unwrap();
    let broken = videos.join("broken.mp4");
    std::fs::write(&broken, b"these bytes are no video").unwrap();
    {
        let store = sora_engine::Store::open_in(&dir.path().join("data")).unwrap();
        saved_before(&store, "sd-before-portrait-000000001", &portrait);
        saved_before(&store, "sd-before-broken-0000000001", &broken);
    }

    let service = Service::start(config(dir.path(), None, None))
        .await
        .unwrap();
    let made = until(&service, "sd-before-portrait-000000001", |t| {
        t.poster_url.is_some()
    })
    .await;
    assert!(made.poster_url.unwrap().ends_with("?v=360x640"));
    let still = dir
        .path()
        .join("data/posters/sd-before-portrait-000000001.jpg");
    let picture = image::open(&still).expect("the still is a picture");
    assert_eq!((picture.width(), picture.height()), (360, 640));

    // The broken one is tried once, recorded, and shown without a still.
    let store = sora_engine::Store::open_in(&dir.path().join("data")).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let broken = loop {
        let task = store.get("sd-before-broken-0000000001").unwrap();
        if task.poster_error.is_some() || std::time::Instant::now() > deadline {
            break task;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(broken.poster_error.as_deref(), Some("video_unsupported"));
    let view = service.get("sd-before-broken-0000000001").await.unwrap();
    assert_eq!(view.poster_url, None);
    assert!(!dir
        .path()
        .join("data/posters/sd-before-broken-0000000001.jpg")
        .exists());
    service.shutdown(Duration::from_secs(5)).await;
}

/// A host the settings may name gets the key once, for a check, before it is used there: a host
/// that refuses it is not taken, and the key goes on where it went.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_host_is_used_only_once_it_has_accepted_the_key() {
    let refusing = MockServer::start(MockConfig {
        keys: vec!["sk-another-account-distinctive-77".into()],
        time_scale: 100.0,
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The environment names `refusing` (for files), so the settings may name it for the task
    // API too; the task API is EvoLink's own until then.
    let service = Service::start(ServiceConfig {
        api_base_from_env: None,
        ..config(dir.path(), Some(&refusing), Some(KEY))
    })
    .await
    .unwrap();
    let before = refusing.counters().requests_with_auth;
    let refused = service
        .set_settings(SettingsChange {
            api_base: Some(refusing.base_url()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code, "bad_key", "{refused:?}");
    assert_eq!(refused.message.key, "problem.bad_key.refused_at");
    assert_eq!(
        refused.message.english(),
        format!(
            "Sora Desk tried your key at {} before using it there, and it did not work. The address was not changed.",
            refusing.base_url()
        )
    );
    assert_eq!(
        refusing.counters().requests_with_auth,
        before + 1,
        "the check alone"
    );
    assert_eq!(service.settings().await.api_base, "https://api.evolink.ai");
    service.shutdown(Duration::from_secs(5)).await;
}

/// The page cannot send the key to a host of its choosing: settings may name EvoLink's own
/// servers or a host the environment names, and nothing else; the other host never sees the
/// key, and the key keeps going where it went.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_goes_to_no_host_the_page_names() {
    let named = mock().await;
    let other = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let service = Service::start(ServiceConfig {
        // The environment names `named` (for files); the task API comes from the settings.
        api_base_from_env: None,
        ..config(dir.path(), Some(&named), Some(KEY))
    })
    .await
    .unwrap();
    let chosen = service
        .set_settings(SettingsChange {
            api_base: Some(named.base_url()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(chosen.api_base, named.base_url());
    service.refresh_balance().await.unwrap();
    let seen_by_named = named.counters().requests_with_auth;
    assert!(seen_by_named > 0);

    for change in [
        SettingsChange {
            api_base: Some(other.base_url()),
            ..Default::default()
        },
        SettingsChange {
            files_base: Some(other.base_url()),
            ..Default::default()
        },
        SettingsChange {
            api_base: Some("https://evolink.ai.example.com".into()),
            ..Default::default()
        },
    ] {
        let refused = service.set_settings(change.clone()).await.unwrap_err();
        assert_eq!(refused.code, "invalid_argument", "{change:?}");
        assert!(
            refused
                .message
                .english()
                .contains("only to EvoLink's own servers"),
            "{}",
            refused.message
        );
    }
    service.refresh_balance().await.unwrap();
    assert_eq!(other.counters().requests_with_auth, 0);
    assert!(named.counters().requests_with_auth > seen_by_named);
    assert_eq!(service.settings().await.api_base, named.base_url());

    // EvoLink's own hosts pass the rule; the key is then tried there first (unreachable here).
    let unreachable = service
        .set_settings(SettingsChange {
            api_base: Some("https://beta-api.evolink.ai".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(unreachable.code, "network_down", "{unreachable:?}");
    assert_eq!(unreachable.message.key, "problem.network_down.key_check");
    assert_eq!(
        unreachable.message.english(),
        "Sora Desk could not reach https://beta-api.evolink.ai to try your key there, so the address was not changed. Check the address and your internet connection, then save it again."
    );
    assert_eq!(service.settings().await.api_base, named.base_url());
}
