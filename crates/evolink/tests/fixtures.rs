//! Every example JSON of the contract (and each documented variant) is a fixture the client
//! parses.

use std::path::PathBuf;

use evolink::reqwest::header::{HeaderMap, HeaderValue};
use evolink::{parse, ErrorKind, TaskOutcome, TaskStatus};

fn fixture(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn create_response() {
    let t = parse::task(&fixture("create_response.json")).unwrap();
    assert_eq!(t.id, "task-unified-1757169743-7cvnl5zw");
    assert_eq!(t.created, Some(1757169743));
    assert_eq!(t.status, TaskStatus::Pending);
    assert_eq!(t.estimated_time(), Some(300.0));
    assert_eq!(t.task_info.as_ref().unwrap().video_duration, Some(8.0));
    assert_eq!(t.task_info.as_ref().unwrap().can_cancel, Some(true));
    let u = t.usage.as_ref().unwrap();
    assert_eq!(u.credits_reserved, Some(46.08));
    assert_eq!(u.billing_rule.as_deref(), Some("per_call"));
    assert_eq!(t.credits(), Some(46.08));
    assert!(matches!(t.outcome(), TaskOutcome::Running { progress: 0 }));
}

#[test]
fn completed_task() {
    let t = parse::task(&fixture("task_completed.json")).unwrap();
    assert_eq!(t.status, TaskStatus::Completed);
    assert_eq!(t.progress_percent(), 100);
    match t.outcome() {
        TaskOutcome::Succeeded { video_url } => {
            assert_eq!(
                video_url,
                "https://media.example/task-unified-1757169743-7cvnl5zw.mp4"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn failed_task_maps_to_moderation() {
    let t = parse::task(&fixture("task_failed.json")).unwrap();
    let TaskOutcome::Failed(e) = t.outcome() else {
        panic!()
    };
    assert_eq!(e.kind(), ErrorKind::ModerationBlocked);
    assert_eq!(e.api_code(), Some("content_policy_violation"));
    assert_eq!(e.detail(), Some("photorealistic people detected"));
    assert!(!e.retryable());
    assert_eq!(
        t.error.as_ref().unwrap().suggestion.as_deref(),
        Some("Remove real people from the image")
    );
}

#[test]
fn result_data_fallback_string_numbers_and_unknown_fields() {
    let t = parse::task(&fixture("task_result_data.json")).unwrap();
    assert_eq!(t.progress_percent(), 100);
    assert_eq!(t.credits(), Some(46.08));
    assert_eq!(t.usage.as_ref().unwrap().cost, Some(46.08));
    assert!(
        matches!(t.outcome(), TaskOutcome::Succeeded { ref video_url } if video_url == "https://media.example/v.mp4")
    );
}

#[test]
fn completed_without_results_is_a_failure() {
    let t = parse::task(&fixture("task_completed_empty.json")).unwrap();
    let TaskOutcome::Failed(e) = t.outcome() else {
        panic!()
    };
    assert_eq!(e.kind(), ErrorKind::ServerTrouble);
    assert_eq!(e.api_code(), Some("empty_results"));
    assert!(e.retryable());
}

#[test]
fn cancelled_and_unknown_status() {
    let t = parse::task(&fixture("task_cancelled.json")).unwrap();
    assert_eq!(t.status, TaskStatus::Cancelled);
    let TaskOutcome::Failed(e) = t.outcome() else {
        panic!()
    };
    assert_eq!(e.code(), "cancelled");
    let t = parse::task(&fixture("task_unknown_status.json")).unwrap();
    assert_eq!(t.status, TaskStatus::Other("queued_upstream".into()));
    assert!(!t.status.is_terminal());
    assert!(matches!(t.outcome(), TaskOutcome::Running { progress: 13 }));
}

#[test]
fn batch_page() {
    let p = parse::task_page(&fixture("batch.json")).unwrap();
    assert_eq!(p.data.len(), 2);
    assert_eq!(p.data[0].status, TaskStatus::Processing);
    assert_eq!(
        p.data[1].video_url().as_deref(),
        Some("https://media.example/b.mp4")
    );
}

#[test]
fn credits() {
    let c = parse::credits(&fixture("credits.json")).unwrap();
    assert_eq!(c.user.as_ref().unwrap().remaining_credits, Some(1095.39));
    assert_eq!(c.user.as_ref().unwrap().used_credits, Some(135.90));
    assert_eq!(c.token.as_ref().unwrap().remaining_credits, Some(99416.44));
    assert_eq!(c.token.as_ref().unwrap().unlimited_credits, Some(false));
    assert_eq!(c.spendable(), Some(1095.39));
}

#[test]
fn models() {
    let m = parse::models(&fixture("models.json")).unwrap();
    let ids: Vec<&str> = m.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["sora-2-preview", "sora-2-pro-preview"]);
}

#[test]
fn file_api_bodies() {
    let f = parse::uploaded_file(&fixture("upload_success.json")).unwrap();
    assert_eq!(f.file_id.as_deref(), Some("file_abc123"));
    assert_eq!(f.file_url, "https://files.example/images/a.png");
    assert_eq!(f.file_size, Some(2048));
    assert_eq!(f.expires_at.as_deref(), Some("2025-10-12T00:00:00+08:00"));
    let q = parse::file_quota(&fixture("file_quota.json")).unwrap();
    assert_eq!(
        (q.used_files, q.max_files, q.remain_files),
        (Some(3), Some(2000), Some(1997))
    );
    let l = parse::file_list(&fixture("file_list.json")).unwrap();
    assert_eq!(l.total, Some(1));
    assert_eq!(l.files[0].file_id.as_deref(), Some("file_abc123"));
    parse::file_ack(&fixture("file_delete.json")).unwrap();
    // Failure inside HTTP 200.
    let e = parse::uploaded_file(&fixture("file_failure_in_200.json")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ImageRejected);
    assert_eq!(e.api_code(), Some("400"));
    assert!(parse::file_ack(&fixture("file_failure_in_200.json")).is_err());
}

#[test]
fn http_error_bodies() {
    let mut h = HeaderMap::new();
    h.insert("x-request-id", HeaderValue::from_static("req-fixture-1"));
    let e = parse::http_error(402, &h, &fixture("error_insufficient_quota.json"));
    assert_eq!(e.kind(), ErrorKind::NoCredits);
    assert_eq!(e.api_code(), Some("insufficient_quota"));
    assert_eq!(e.request_id(), Some("req-fixture-1"));
    assert_eq!(
        e.detail(),
        Some("Insufficient quota. Please top up your account.")
    );
    let e = parse::http_error(402, &h, &fixture("error_legacy_integer.json"));
    assert_eq!(e.kind(), ErrorKind::NoCredits);
    assert_eq!(e.api_code(), Some("402"));
    assert!(e.detail().unwrap().contains("Top up your account"));
    let e = parse::http_error(502, &HeaderMap::new(), &fixture("error_proxy_page.html"));
    assert_eq!(e.kind(), ErrorKind::ServerTrouble);
    assert_eq!(e.status(), Some(502));
    assert!(e.detail().unwrap().starts_with("502 Bad Gateway"));
    assert!(e.retryable());
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    for body in [&b""[..], b"{", b"[]", b"null", b"\"text\"", b"<html>"] {
        assert!(parse::task(body).is_err() || parse::task(body).unwrap().id.is_empty());
        assert!(parse::credits(body).is_err());
    }
}

/// Each ```json block of EvoLink's contract, as the repository keeps it (docs/evolink-api.md),
/// equals one of the fixtures.
#[test]
fn every_contract_example_is_a_fixture() {
    let contract = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/evolink-api.md");
    let text = std::fs::read_to_string(&contract)
        .unwrap_or_else(|e| panic!("the contract {}: {e}", contract.display()));
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let fixtures: Vec<serde_json::Value> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .map(|e| serde_json::from_slice(&std::fs::read(e.path()).unwrap()).unwrap())
        .collect();
    let mut blocks = 0;
    let mut rest = text.as_str();
    while let Some(start) = rest.find("```json") {
        let after = &rest[start + 7..];
        let end = after.find("```").expect("unclosed block");
        let block: serde_json::Value =
            serde_json::from_str(after[..end].trim()).expect("contract example is JSON");
        assert!(
            fixtures.contains(&block),
            "contract example without a fixture:\n{block:#}"
        );
        blocks += 1;
        rest = &after[end + 3..];
    }
    assert!(blocks >= 5, "found only {blocks} examples");
}
