//! Contract tests: the client against the mock over loopback, for every endpoint and every
//! quirk of contract §8.

mod common;

use std::time::{Duration, Instant};

use common::*;
use evolink::reqwest::StatusCode;
use evolink::{
    media_status_error, ErrorKind, TaskListQuery, TaskOutcome, TaskStatus, VideoRequest,
};
use evolink_mock::{Action, Injection, MockConfig};

#[tokio::test]
async fn credits_models_and_key_check() {
    let server = start(mock_config()).await;
    let c = client(&server);
    let credits = c.credits().await.unwrap();
    assert_eq!(
        credits.user.as_ref().unwrap().remaining_credits,
        Some(1000.0)
    );
    assert_eq!(credits.spendable(), Some(1000.0));
    let models = c.models().await.unwrap();
    assert!(models.iter().any(|m| m.id == "sora-2-preview"));

    // A wrong key is a bad_key, reported at once (not retried).
    let mut cfg = client_config(&server);
    cfg.api_key = evolink::ApiKey::new("sk-wrong-key-000000000000").unwrap();
    let bad = evolink::Client::new(cfg).unwrap();
    let e = bad.credits().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadKey);
    assert_eq!(e.status(), Some(401));
    assert!(!e.retryable());
    assert!(e.request_id().is_some_and(|r| r.starts_with("req-")));
    assert_eq!(server.counters().unauthorized, 1);
    // The file API answers 401 in its own envelope: same kind.
    assert_eq!(
        bad.file_quota().await.unwrap_err().kind(),
        ErrorKind::BadKey
    );
    // The request carried a real User-Agent.
    let ua = server.counters().last_user_agent.unwrap();
    assert!(ua.starts_with("SoraDesk/"), "{ua}");
}

#[tokio::test]
async fn create_poll_complete_download_with_resume() {
    let server = start(mock_config()).await;
    let c = client(&server);
    let key = idem();
    let created = c
        .create_video(&VideoRequest::sora("a red fox in snow", "16:9", 8), &key)
        .await
        .unwrap();
    let t = &created.task;
    assert!(t.id.starts_with("task-unified-"), "{}", t.id);
    let suffix = t.id.rsplit('-').next().unwrap();
    assert_eq!(suffix.len(), 8);
    assert_eq!(t.status, TaskStatus::Pending);
    assert_eq!(t.credits(), Some(46.08));
    assert!(t.estimated_time().is_some());
    assert!(!created.replayed);
    assert_eq!(created.attempts, 1);
    // Reserved at once.
    assert_eq!(c.credits().await.unwrap().spendable(), Some(953.92));

    let seen = poll_until_done(&c, &t.id).await;
    assert!(seen.iter().all(|s| s.progress_percent() <= 100));
    let last = seen.last().unwrap();
    let TaskOutcome::Succeeded { video_url } = last.outcome() else {
        panic!("{last:?}")
    };
    assert!(video_url.ends_with(".mp4"));
    // Charged, not refunded.
    let credits = c.credits().await.unwrap();
    assert_eq!(
        credits.user.as_ref().unwrap().remaining_credits,
        Some(953.92)
    );
    assert_eq!(credits.user.as_ref().unwrap().used_credits, Some(46.08));

    // Download in two parts, as a resumed download would.
    let full = c
        .result_request(&video_url, None)
        .unwrap()
        .send()
        .await
        .unwrap();
    assert_eq!(full.status(), StatusCode::OK);
    assert_eq!(full.headers()["accept-ranges"], "bytes");
    let len: usize = full.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let all = full.bytes().await.unwrap();
    assert_eq!(all.len(), len);
    assert!(len < 200_000);
    assert_eq!(&all[4..8], b"ftyp");
    assert_eq!(mp4_size(&all), Some((1280, 720)));
    let part = c
        .result_request(&video_url, Some(1000))
        .unwrap()
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        part.headers()["content-range"],
        format!("bytes 1000-{}/{len}", len - 1).as_str()
    );
    let tail = part.bytes().await.unwrap();
    assert_eq!(&all[1000..], &tail[..]);

    let n = server.counters();
    assert_eq!(n.media_requests, 2);
    assert_eq!(
        n.media_requests_with_auth, 0,
        "the key must never reach a result URL"
    );
    assert!(n.polls_per_task[&t.id] >= 2);
    assert_eq!(n.tasks_created, 1);
    assert_eq!(n.creates_per_key[&key], 1);
}

#[tokio::test]
async fn portrait_result_is_portrait() {
    let server = start(mock_config()).await;
    let c = client(&server);
    let t = c
        .create_video(&VideoRequest::sora("tall waterfall", "9:16", 4), &idem())
        .await
        .unwrap()
        .task;
    let last = poll_until_done(&c, &t.id).await.pop().unwrap();
    let TaskOutcome::Succeeded { video_url } = last.outcome() else {
        panic!()
    };
    let b = c
        .result_request(&video_url, None)
        .unwrap()
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(mp4_size(&b), Some((720, 1280)));
}

#[tokio::test]
async fn result_links_expire_and_media_needs_a_user_agent() {
    let mut cfg = mock_config();
    cfg.result_ttl = Duration::from_secs(60); // service seconds: 0.6 s at scale 100
    let server = start(cfg).await;
    let c = client(&server);
    let t = c
        .create_video(&landscape("clouds"), &idem())
        .await
        .unwrap()
        .task;
    let last = poll_until_done(&c, &t.id).await.pop().unwrap();
    let TaskOutcome::Succeeded { video_url } = last.outcome() else {
        panic!()
    };

    // A bare request (no User-Agent) is refused, like real media hosts do.
    evolink::install_tls();
    let bare = evolink::reqwest::Client::builder().build().unwrap();
    let r = bare.get(&video_url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(server.counters().media_requests_without_user_agent, 1);

    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = c
            .result_request(&video_url, None)
            .unwrap()
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::FORBIDDEN {
            let e = media_status_error(r.status().as_u16(), r.headers());
            assert_eq!(e.kind(), ErrorKind::Expired);
            assert!(e.request_id().is_some());
            break;
        }
        assert_eq!(r.status(), StatusCode::OK);
        assert!(Instant::now() < deadline, "link never expired");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(server.counters().media_requests_with_auth, 0);
}

#[tokio::test]
async fn moderation_fails_later_and_refunds() {
    let mut cfg = mock_config();
    cfg.blocked_words = vec!["celebrity".into()];
    let server = start(cfg).await;
    let c = client(&server);
    let created = c
        .create_video(&landscape("A CELEBRITY dancing"), &idem())
        .await
        .unwrap();
    assert_eq!(c.credits().await.unwrap().spendable(), Some(1000.0 - 23.04));
    // Accepted first (a 200 with a pending task): the failure only shows up later.
    assert_eq!(created.task.status, TaskStatus::Pending);
    let seen = poll_until_done(&c, &created.task.id).await;
    let TaskOutcome::Failed(e) = seen.last().unwrap().outcome() else {
        panic!()
    };
    assert_eq!(e.kind(), ErrorKind::ModerationBlocked);
    assert_eq!(e.api_code(), Some("content_policy_violation"));
    assert!(!e.retryable());
    assert_eq!(c.credits().await.unwrap().spendable(), Some(1000.0));
}

#[tokio::test]
async fn image_to_video_checks_pixels() {
    let server = start(mock_config()).await;
    let c = client(&server);
    let dir = std::env::temp_dir().join(format!("evolink-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("wide.png");
    std::fs::write(&good, png(1280, 720)).unwrap();
    let up = c.upload_image(&good).await.unwrap();
    assert_eq!(up.mime_type.as_deref(), Some("image/png"));
    assert_eq!(up.original_name.as_deref(), Some("wide.png"));
    assert!(up.file_url.starts_with(&server.base_url()));
    assert!(up
        .expires_at
        .as_deref()
        .is_some_and(|s| s.ends_with("+00:00")));

    // Right size for landscape: completes.
    let ok = c
        .create_video(
            &landscape("the picture comes alive").with_image(&up.file_url),
            &idem(),
        )
        .await
        .unwrap();
    // Wrong orientation for that picture: fails with image_dimension_mismatch.
    let wrong = VideoRequest::sora("the picture comes alive", "9:16", 4).with_image(&up.file_url);
    let wrong = c.create_video(&wrong, &idem()).await.unwrap();
    // A URL the mock cannot fetch: image_processing_error.
    let foreign = c
        .create_video(
            &landscape("x").with_image("https://elsewhere.example/a.png"),
            &idem(),
        )
        .await
        .unwrap();

    let last = poll_until_done(&c, &ok.task.id).await.pop().unwrap();
    assert!(
        matches!(last.outcome(), TaskOutcome::Succeeded { .. }),
        "{last:?}"
    );
    let last = poll_until_done(&c, &wrong.task.id).await.pop().unwrap();
    let TaskOutcome::Failed(e) = last.outcome() else {
        panic!()
    };
    assert_eq!(e.kind(), ErrorKind::ImageRejected);
    assert_eq!(e.api_code(), Some("image_dimension_mismatch"));
    assert!(e.message().english().contains("exact frame size"), "{e:?}");
    let last = poll_until_done(&c, &foreign.task.id).await.pop().unwrap();
    let TaskOutcome::Failed(e) = last.outcome() else {
        panic!()
    };
    assert_eq!(e.api_code(), Some("image_processing_error"));
    // Failed tasks were refunded: only the good one is charged.
    assert_eq!(
        c.credits().await.unwrap().user.unwrap().used_credits,
        Some(23.04)
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn file_api_every_endpoint() {
    let server = start(mock_config()).await;
    let c = client(&server);
    let q0 = c.file_quota().await.unwrap();
    assert_eq!((q0.used_files, q0.max_files), (Some(0), Some(2000)));
    let a = c.upload_base64(&png(720, 1280), "tall.png").await.unwrap();
    assert_eq!(a.file_name.as_deref(), Some("tall.png"));
    let b = c.upload_url(&a.file_url).await.unwrap();
    assert_ne!(a.file_id, b.file_id);
    // Both URLs serve the bytes, without a key.
    for u in [&a.file_url, a.download_url.as_ref().unwrap()] {
        let bytes = evolink::reqwest::get(u)
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(&bytes[..], &png(720, 1280)[..], "{u}");
    }
    let list = c.list_files(1, 20).await.unwrap();
    assert_eq!(list.total, Some(2));
    assert_eq!(c.file_quota().await.unwrap().remain_files, Some(1998));
    c.delete_file(a.file_id.as_deref().unwrap()).await.unwrap();
    assert_eq!(c.list_files(1, 20).await.unwrap().total, Some(1));
    let e = c.delete_file("file_doesnotexist").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    // A URL the file API cannot fetch: failure inside HTTP 200.
    let e = c
        .upload_url("https://elsewhere.example/a.png")
        .await
        .unwrap_err();
    assert_eq!(e.status(), None, "it was an HTTP 200");
    assert_eq!(e.api_code(), Some("400"));
    // Not an image: refused before sending.
    let before = server.counters().requests.get("upload_base64").copied();
    assert_eq!(
        c.upload_base64(b"hello, world", "x.txt")
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::ImageRejected
    );
    assert_eq!(
        server.counters().requests.get("upload_base64").copied(),
        before
    );
}

#[tokio::test]
async fn file_api_failure_inside_http_200() {
    let server = start(mock_config()).await;
    server.update_faults(|f| {
        f.inject
            .push(Injection::new("upload_stream", 1, Action::SuccessFalse))
    });
    let c = client(&server);
    let p = std::env::temp_dir().join(format!("evolink-sf-{}.png", std::process::id()));
    std::fs::write(&p, png(1280, 720)).unwrap();
    let e = c.upload_stream(&p).await.unwrap_err();
    assert_eq!(e.status(), None);
    assert_eq!(e.api_code(), Some("500"));
    assert_eq!(e.kind(), ErrorKind::ServerTrouble);
    assert!(e.request_id().is_none() || e.request_id().is_some());
    // Next time it works.
    assert!(c.upload_stream(&p).await.is_ok());
    std::fs::remove_file(&p).ok();
}

#[tokio::test]
async fn stream_upload_falls_back_to_base64_when_missing() {
    let server = start(mock_config()).await;
    server.update_faults(|f| {
        f.inject.push(Injection::new(
            "upload_stream",
            1,
            Action::Status {
                status: 405,
                retry_after: None,
            },
        ))
    });
    let c = client(&server);
    let p = std::env::temp_dir().join(format!("evolink-fb-{}.png", std::process::id()));
    std::fs::write(&p, png(1280, 720)).unwrap();
    let f = c.upload_image(&p).await.unwrap();
    assert!(!f.file_url.is_empty());
    let n = server.counters();
    assert_eq!(n.requests["upload_stream"], 1);
    assert_eq!(n.requests["upload_base64"], 1);
    std::fs::remove_file(&p).ok();
}

#[tokio::test]
async fn list_and_batch() {
    let server = start(mock_config()).await;
    let c = client(&server);
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(
            c.create_video(&landscape(&format!("scene {i}")), &idem())
                .await
                .unwrap()
                .task
                .id,
        );
    }
    let page = c
        .list_tasks(&TaskListQuery {
            page: Some(1),
            page_size: Some(2),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.data.len(), 2);
    assert_eq!(page.total, Some(3));
    assert_eq!(page.data[0].id, ids[2], "newest first");
    let tasks = c.batch_tasks(&ids).await.unwrap();
    assert_eq!(tasks.len(), 3);
    let too_many: Vec<String> = (0..51).map(|i| format!("task-unified-1-{i:08}")).collect();
    assert_eq!(
        c.batch_tasks(&too_many).await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(server.counters().polls_per_task[&ids[0]], 1);
}

#[tokio::test]
async fn unknown_task_is_expired_and_unknown_route_is_named() {
    let server = start(mock_config()).await;
    let c = client(&server);
    let e = c
        .get_task("task-unified-1757169743-zzzzzzzz")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Expired);
    assert_eq!(e.status(), Some(404));
    // Not retried: a 404 is final.
    assert_eq!(server.counters().requests["get_task"], 1);
    let mut cfg = client_config(&server);
    cfg.api_base = format!("{}/wrong", server.base_url());
    let e = evolink::Client::new(cfg)
        .unwrap()
        .credits()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(
        e.detail()
            .unwrap()
            .contains("Invalid URL (GET /wrong/v1/credits)"),
        "{e:?}"
    );
    assert!(e.message().english().contains("address"));
}

#[tokio::test]
async fn cancelled_tasks_and_scripted_task_failures() {
    // Slower clock: the task to cancel must still be running when the test cancels it, even
    // on a busy machine (it runs for about 4.5 s here).
    let server = start(MockConfig {
        time_scale: 30.0,
        ..mock_config()
    })
    .await;
    server.update_faults(|f| {
        f.fail_next_tasks = vec!["service_error".into()];
    });
    let c = client(&server);
    let failing = c
        .create_video(&landscape("one"), &idem())
        .await
        .unwrap()
        .task
        .id;
    let cancelled = c
        .create_video(&landscape("two"), &idem())
        .await
        .unwrap()
        .task
        .id;
    assert!(server.cancel_task(&cancelled));
    let TaskOutcome::Failed(e) = c.get_task(&cancelled).await.unwrap().outcome() else {
        panic!()
    };
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    assert!(!server.cancel_task(&cancelled), "already over");
    let TaskOutcome::Failed(e) = poll_until_done(&c, &failing).await.pop().unwrap().outcome()
    else {
        panic!()
    };
    assert_eq!(e.kind(), ErrorKind::ServerTrouble);
    assert_eq!(e.api_code(), Some("service_error"));
    assert!(e.retryable());
    // Both refunded.
    assert_eq!(c.credits().await.unwrap().spendable(), Some(1000.0));
    // cancel_next_tasks: cancelled by the service mid-way.
    server.update_faults(|f| f.cancel_next_tasks = 1);
    let id = c
        .create_video(&landscape("three"), &idem())
        .await
        .unwrap()
        .task
        .id;
    let last = poll_until_done(&c, &id).await.pop().unwrap();
    assert_eq!(last.status, TaskStatus::Cancelled);
}

#[tokio::test]
async fn completed_without_results_and_result_data_and_unknown_status() {
    let server = start(mock_config()).await;
    server.update_faults(|f| {
        f.complete_without_results = 1;
        f.unknown_status = Some("queued_upstream".into());
    });
    let c = client(&server);
    let empty = c
        .create_video(&landscape("nothing"), &idem())
        .await
        .unwrap()
        .task
        .id;
    let seen = poll_until_done(&c, &empty).await;
    assert!(
        seen.iter()
            .any(|t| t.status == TaskStatus::Other("queued_upstream".into())),
        "unknown status kept while running"
    );
    let TaskOutcome::Failed(e) = seen.last().unwrap().outcome() else {
        panic!()
    };
    assert_eq!(e.api_code(), Some("empty_results"));

    server.update_faults(|f| {
        f.unknown_status = None;
        f.results_in_result_data = true;
    });
    let id = c
        .create_video(&landscape("fallback"), &idem())
        .await
        .unwrap()
        .task
        .id;
    let last = poll_until_done(&c, &id).await.pop().unwrap();
    assert!(last.results.is_empty());
    let TaskOutcome::Succeeded { video_url } = last.outcome() else {
        panic!("{last:?}")
    };
    let r = c
        .result_request(&video_url, None)
        .unwrap()
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn no_credits_and_retired_model() {
    let mut cfg = mock_config();
    cfg.balance = 30.0;
    cfg.unavailable_models = vec!["sora-2-pro-preview".into()];
    let server = start(cfg).await;
    let c = client(&server);
    let e = c
        .create_video(&VideoRequest::sora("long", "16:9", 12), &idem())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NoCredits);
    assert_eq!(e.status(), Some(402));
    assert!(!e.retryable());
    let e = c
        .create_video(&VideoRequest::new("sora-2-pro-preview", "pro"), &idem())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ModelUnavailable);
    let n = server.counters();
    assert_eq!(n.create_calls, 2, "neither was retried");
    assert_eq!(n.tasks_created, 0);
    assert!(!c
        .models()
        .await
        .unwrap()
        .iter()
        .any(|m| m.id == "sora-2-pro-preview"));
}

#[tokio::test]
async fn invalid_requests_never_reach_the_network() {
    let server = start(mock_config()).await;
    let c = client(&server);
    let mut r = landscape("ok");
    r.choices.duration = Some(10);
    assert_eq!(
        c.create_video(&r, &idem()).await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    let r = landscape(&"x".repeat(5001));
    assert_eq!(
        c.create_video(&r, &idem()).await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    let r = landscape("ok").with_callback("https://192.168.1.10/hook");
    assert_eq!(
        c.create_video(&r, &idem()).await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        c.create_video(&landscape("ok"), "short")
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        c.get_task("../../etc/passwd").await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert!(
        server.counters().requests.is_empty(),
        "{:?}",
        server.counters().requests
    );
    // A valid public callback is passed through.
    let r = landscape("ok").with_callback("https://hooks.example.com/sora");
    assert!(c.create_video(&r, &idem()).await.is_ok());
}

#[tokio::test]
async fn idempotency_conflict_is_reported() {
    let server = start(mock_config()).await;
    let c = client(&server);
    let key = idem();
    c.create_video(&landscape("first"), &key).await.unwrap();
    let e = c
        .create_video(&landscape("second"), &key)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert_eq!(e.api_code(), Some("idempotency_conflict"));
    assert_eq!(server.counters().tasks_created, 1);
}

#[tokio::test]
async fn legacy_error_codes_and_request_id_header() {
    let mut cfg = mock_config();
    cfg.balance = 0.0;
    let server = start(cfg).await;
    server.update_faults(|f| {
        f.legacy_error_codes = true;
        f.legacy_request_id_header = true;
    });
    let c = client(&server);
    let e = c.create_video(&landscape("x"), &idem()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NoCredits);
    assert_eq!(e.api_code(), Some("402"));
    assert!(
        e.request_id().is_some_and(|r| r.starts_with("req-")),
        "x-oneapi-request-id read"
    );
    let e = c.get_task("task-unified-1-abcdefgh").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Expired);
    assert_eq!(e.api_code(), Some("404"));
}
