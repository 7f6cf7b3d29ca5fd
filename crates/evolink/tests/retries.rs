//! Retries, timeouts, lost answers and the idempotency key: counted on the server.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime};

use common::*;
use evolink::{ErrorKind, RetryPolicy};
use evolink_mock::{Action, Injection};

#[tokio::test]
async fn lost_create_answer_is_outcome_unknown_then_one_task_with_the_same_key() {
    let server = start(mock_config()).await;
    server.update_faults(|f| {
        f.inject
            .push(Injection::new("create", 1, Action::DropAfterAccept))
    });
    let c = client(&server);
    let key = idem();
    let req = landscape("a lighthouse at dusk");

    let e = c.create_video(&req, &key).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OutcomeUnknown, "{e:?}");
    assert!(!e.retryable(), "never resubmitted blindly");
    // The server did create (and reserve for) the task the client never heard of.
    let n = server.counters();
    assert_eq!(
        n.create_calls, 1,
        "no automatic retry after the request may have arrived"
    );
    assert_eq!(n.tasks_created, 1);
    assert_eq!(server.balance(), 1000.0 - 23.04);

    // Resubmitting with the same key replays the same task: still exactly one task.
    let again = c.create_video(&req, &key).await.unwrap();
    assert!(again.replayed);
    assert_eq!(server.task_ids(), vec![again.task.id.clone()]);
    let n = server.counters();
    assert_eq!(n.tasks_created, 1);
    assert_eq!(n.create_calls, 2);
    assert_eq!(n.creates_per_key[&key], 2);
    assert_eq!(n.replays, 1);
    assert_eq!(server.balance(), 1000.0 - 23.04, "charged once");
}

#[tokio::test]
async fn create_answer_too_slow_is_outcome_unknown() {
    let server = start(mock_config()).await;
    server.update_faults(|f| {
        f.inject
            .push(Injection::new("create", 1, Action::Delay { ms: 3000 }))
    });
    let mut cfg = client_config(&server);
    cfg.request_timeout = Duration::from_millis(700);
    let c = evolink::Client::new(cfg).unwrap();
    let e = c
        .create_video(&landscape("slow"), &idem())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OutcomeUnknown);
    assert!(e.detail().unwrap().contains("timed out"), "{e:?}");
    assert_eq!(server.counters().create_calls, 1);
    assert_eq!(server.counters().tasks_created, 1);
}

#[tokio::test]
async fn create_5xx_and_garbled_answers_are_outcome_unknown() {
    let server = start(mock_config()).await;
    let c = client(&server);
    for action in [
        Action::Status {
            status: 500,
            retry_after: None,
        },
        Action::Html { status: 502 },
        Action::Status {
            status: 504,
            retry_after: None,
        },
        Action::MalformedJson,
    ] {
        server.update_faults(|f| f.inject.push(Injection::new("create", 1, action.clone())));
        let before = server.counters().create_calls;
        let e = c.create_video(&landscape("x"), &idem()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::OutcomeUnknown, "{action:?}: {e:?}");
        assert_eq!(
            server.counters().create_calls,
            before + 1,
            "{action:?} must not be retried"
        );
    }
    // The garbled 200 was accepted: that task exists.
    assert_eq!(server.counters().tasks_created, 1);
}

#[tokio::test]
async fn create_503_and_429_before_acceptance_are_retried_with_the_same_key() {
    let server = start(mock_config()).await;
    server.update_faults(|f| {
        f.inject.push(Injection::new(
            "create",
            1,
            Action::Status {
                status: 503,
                retry_after: None,
            },
        ));
        f.inject.push(Injection::new(
            "create",
            1,
            Action::Status {
                status: 429,
                retry_after: None,
            },
        ));
        f.inject.push(Injection::new(
            "create",
            1,
            Action::Status {
                status: 429,
                retry_after: Some("1".into()),
            },
        ));
    });
    let c = client(&server);
    let key = idem();
    let started = Instant::now();
    let created = c.create_video(&landscape("retry me"), &key).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "Retry-After: 1 honoured"
    );
    assert_eq!(created.attempts, 4);
    let n = server.counters();
    assert_eq!(n.create_calls, 4);
    assert_eq!(
        n.creates_per_key,
        BTreeMap::from([(key, 4)]),
        "every attempt with the same key"
    );
    assert_eq!(n.tasks_created, 1);
}

#[tokio::test]
async fn create_against_a_closed_port_is_network_down_not_unknown() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    let server = start(mock_config()).await;
    let mut cfg = client_config(&server);
    cfg.api_base = format!("http://{addr}");
    let c = evolink::Client::new(cfg).unwrap();
    let e = c.create_video(&landscape("x"), &idem()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NetworkDown, "{e:?}");
    assert!(e.retryable());
    assert!(e.detail().unwrap().starts_with("could not connect"));
}

#[tokio::test]
async fn create_gives_up_on_long_retry_after() {
    let server = start(mock_config()).await;
    server.update_faults(|f| {
        f.inject.push(Injection::new(
            "create",
            1,
            Action::Status {
                status: 429,
                retry_after: Some("120".into()),
            },
        ))
    });
    let c = client(&server);
    let started = Instant::now();
    let e = c.create_video(&landscape("x"), &idem()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(e.retry_after(), Some(Duration::from_secs(120)));
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "did not sit out two minutes"
    );
    assert_eq!(server.counters().create_calls, 1);
}

#[tokio::test]
async fn gets_retry_through_5xx_garbage_drops_and_429() {
    let server = start(mock_config()).await;
    let c = client(&server);
    let id = c
        .create_video(&landscape("x"), &idem())
        .await
        .unwrap()
        .task
        .id;
    let date = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(1));
    server.update_faults(|f| {
        f.inject.push(Injection::new(
            "get_task",
            1,
            Action::Status {
                status: 500,
                retry_after: None,
            },
        ));
        f.inject
            .push(Injection::new("get_task", 1, Action::Html { status: 502 }));
        f.inject.push(Injection::new("get_task", 1, Action::Drop));
        f.inject
            .push(Injection::new("get_task", 1, Action::MalformedJson));
        f.inject.push(Injection::new(
            "get_task",
            1,
            Action::Status {
                status: 429,
                retry_after: Some(date),
            },
        ));
    });
    let mut cfg = client_config(&server);
    cfg.retry.max_attempts = 6;
    let c = evolink::Client::new(cfg).unwrap();
    let t = c.get_task(&id).await.unwrap();
    assert_eq!(t.id, id);
    let n = server.counters();
    assert_eq!(n.requests["get_task"], 6);
    // Only the malformed one and the final one reached the handler.
    assert_eq!(n.polls_per_task[&id], 2);
}

#[tokio::test]
async fn get_retries_are_capped() {
    let server = start(mock_config()).await;
    server.update_faults(|f| {
        f.inject.push(Injection::new(
            "credits",
            100,
            Action::Status {
                status: 503,
                retry_after: None,
            },
        ))
    });
    let c = client(&server);
    let e = c.credits().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ServerTrouble);
    assert!(e.retryable());
    assert_eq!(e.status(), Some(503));
    assert_eq!(server.counters().requests["credits"], 4, "max_attempts");
    // A proxy's HTML page the whole time: same kind, with a readable excerpt for support.
    server.update_faults(|f| {
        f.inject = vec![Injection::new("credits", 100, Action::Html { status: 502 })]
    });
    let e = c.credits().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ServerTrouble);
    assert_eq!(e.status(), Some(502));
    assert!(e.detail().unwrap().starts_with("502 Bad Gateway"), "{e:?}");
}

#[tokio::test]
async fn slow_gets_time_out_and_are_network_down() {
    let server = start(mock_config()).await;
    server.update_faults(|f| {
        f.endpoint_latency_ms.insert("models".into(), 2000);
    });
    let mut cfg = client_config(&server);
    cfg.request_timeout = Duration::from_millis(300);
    cfg.retry.max_attempts = 2;
    let c = evolink::Client::new(cfg).unwrap();
    let e = c.models().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NetworkDown);
    assert!(e.detail().unwrap().contains("timed out"));
    assert_eq!(server.counters().requests["models"], 2);
    // Some latency under the timeout is fine.
    server.update_faults(|f| {
        f.endpoint_latency_ms.clear();
        f.latency_ms = 200;
    });
    let mut cfg = client_config(&server);
    cfg.retry.max_attempts = 1;
    assert!(evolink::Client::new(cfg).unwrap().models().await.is_ok());
}

#[tokio::test]
async fn random_5xx_bursts_and_429s_are_survived() {
    let server = start(mock_config()).await;
    server.update_faults(|f| {
        f.error_rate.insert("get_task".into(), 0.3);
        f.rate_limit_rate.insert("get_task".into(), 0.1);
    });
    let mut cfg = client_config(&server);
    cfg.retry = RetryPolicy {
        max_attempts: 10,
        ..cfg.retry
    };
    let c = evolink::Client::new(cfg).unwrap();
    let id = c
        .create_video(&landscape("x"), &idem())
        .await
        .unwrap()
        .task
        .id;
    for _ in 0..15 {
        c.get_task(&id).await.unwrap();
    }
    let n = server.counters();
    assert_eq!(n.polls_per_task[&id], 15);
    assert!(
        n.requests["get_task"] > 15,
        "some faults were injected and retried"
    );
}
