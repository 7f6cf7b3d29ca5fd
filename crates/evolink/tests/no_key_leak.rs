//! The API key never appears in any error, Debug output or support line, whatever fails.

mod common;

use std::time::Duration;

use common::*;
use evolink::{ApiKey, Client, ErrorKind, VideoRequest};
use evolink_mock::{Action, Faults, Injection};

fn check(text: &str) {
    assert!(!text.contains(KEY), "key leaked in: {text}");
    // Not even the secret middle part.
    assert!(!text.contains("LEAKCANARY"), "key leaked in: {text}");
}

fn check_err(e: &evolink::Error) {
    check(&format!("{e}"));
    check(&format!("{e:?}"));
    check(&format!("{e:#?}"));
    check(&e.support_line());
}

#[tokio::test]
async fn no_output_contains_the_key() {
    let server = start(mock_config()).await;
    let mut cfg = client_config(&server);
    cfg.request_timeout = Duration::from_millis(300);
    cfg.retry.max_attempts = 2;
    let c = Client::new(cfg.clone()).unwrap();
    check(&format!("{cfg:?}"));
    check(&format!("{c:?}"));
    check(&format!("{:?}", cfg.api_key));
    check(&format!("{}", cfg.api_key));
    assert_eq!(cfg.api_key.hint(), "sk-…4b6a");

    let mut errors = Vec::new();
    let every_fault = vec![
        Injection::new(
            "*",
            1,
            Action::Status {
                status: 500,
                retry_after: None,
            },
        ),
        Injection::new("*", 1, Action::Html { status: 502 }),
        Injection::new(
            "*",
            1,
            Action::Status {
                status: 401,
                retry_after: None,
            },
        ),
        Injection::new(
            "*",
            1,
            Action::Status {
                status: 429,
                retry_after: Some("0".into()),
            },
        ),
        Injection::new("*", 1, Action::MalformedJson),
        Injection::new("*", 1, Action::Drop),
        Injection::new("*", 1, Action::DropAfterAccept),
        Injection::new("*", 1, Action::Delay { ms: 600 }),
        Injection::new("*", 1, Action::SuccessFalse),
    ];
    for inj in every_fault {
        for legacy in [false, true] {
            server.set_faults(Faults {
                inject: vec![inj.clone()],
                legacy_error_codes: legacy,
                ..Faults::default()
            });
            errors.extend(c.create_video(&landscape("x"), &idem()).await.err());
            server.set_faults(Faults {
                inject: vec![inj.clone()],
                legacy_error_codes: legacy,
                ..Faults::default()
            });
            errors.extend(c.get_task("task-unified-1-abcdefgh").await.err());
            server.set_faults(Faults {
                inject: vec![inj.clone()],
                legacy_error_codes: legacy,
                ..Faults::default()
            });
            errors.extend(c.credits().await.err());
            server.set_faults(Faults {
                inject: vec![inj.clone()],
                legacy_error_codes: legacy,
                ..Faults::default()
            });
            errors.extend(c.upload_base64(&png(16, 9), "a.png").await.err());
            server.set_faults(Faults {
                inject: vec![inj.clone()],
                legacy_error_codes: legacy,
                ..Faults::default()
            });
            errors.extend(c.file_quota().await.err());
        }
    }
    server.set_faults(Faults::default());
    // Validation errors, unknown routes, a closed port.
    errors.extend(
        c.create_video(&VideoRequest::sora("", "9:16", 4), &idem())
            .await
            .err(),
    );
    errors.extend(c.create_video(&landscape("x"), "bad key!").await.err());
    let mut wrong = cfg.clone();
    wrong.api_base = format!("{}/nope", server.base_url());
    errors.extend(Client::new(wrong).unwrap().models().await.err());
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut closed = cfg.clone();
    closed.api_base = format!("http://{}", l.local_addr().unwrap());
    drop(l);
    errors.extend(Client::new(closed).unwrap().credits().await.err());
    // A different key that the server refuses: the refused key must not show either.
    let other_key = "sk-OTHERCANARY-0123456789abcdef";
    let mut other = cfg.clone();
    other.api_key = ApiKey::new(other_key).unwrap();
    let e = Client::new(other).unwrap().credits().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadKey);
    assert!(!format!("{e:?}{e}").contains("OTHERCANARY"));
    errors.push(e);
    errors.extend(ApiKey::new(format!("{KEY} trailing")).err());

    assert!(errors.len() >= 60, "only {} errors collected", errors.len());
    let kinds: std::collections::BTreeSet<&str> = errors.iter().map(|e| e.code()).collect();
    for k in [
        "bad_key",
        "server_trouble",
        "network_down",
        "outcome_unknown",
        "invalid_input",
        "not_found",
        "expired",
    ] {
        assert!(kinds.contains(k), "no {k} error produced; got {kinds:?}");
    }
    for e in &errors {
        check_err(e);
    }
    // And the key never went to a media URL.
    assert_eq!(server.counters().media_requests_with_auth, 0);
}
