//! The mock on its own, spoken to with a plain HTTP client: validation, auth, routes, media
//! ranges, admin routes, determinism, and the binary.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::http;
use evolink_mock::{Faults, MockConfig, MockServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

const KEY: &str = "sk-mock-test-key-000000000000";

async fn server() -> MockServer {
    MockServer::start(MockConfig {
        seed: 1,
        ..MockConfig::fast(KEY)
    })
    .await
    .unwrap()
}

async fn post(s: &MockServer, path: &str, body: Value) -> (StatusCode, Value) {
    common::post(s, KEY, path, &body).await
}

#[tokio::test]
async fn create_validation_like_the_real_service() {
    let s = server().await;
    let ok = json!({"model": "sora-2-preview", "prompt": "a cat", "aspect_ratio": "16:9", "duration": 4});
    let cases = [
        (
            json!({"model": "sora-2-preview", "aspect_ratio": "16:9"}),
            "prompt",
        ),
        (json!({"model": "sora-2-preview", "prompt": "  "}), "prompt"),
        (
            json!({"model": "sora-2-preview", "prompt": "é".repeat(5001)}),
            "5000",
        ),
        (
            json!({"model": "sora-2-preview", "prompt": "x", "aspect_ratio": "4:3"}),
            "aspect_ratio",
        ),
        (
            json!({"model": "sora-2-preview", "prompt": "x", "duration": 10}),
            "duration",
        ),
        (
            json!({"model": "sora-2-preview", "prompt": "x", "duration": "4"}),
            "duration",
        ),
        (
            json!({"model": "sora-2-preview", "prompt": "x", "image_urls": ["https://a.example/1.png", "https://a.example/2.png"]}),
            "at most 1",
        ),
        (
            json!({"model": "sora-2-preview", "prompt": "x", "callback_url": "http://hooks.example.com/x"}),
            "HTTPS",
        ),
        (
            json!({"model": "sora-2-preview", "prompt": "x", "callback_url": "https://127.0.0.1/x"}),
            "private",
        ),
        (
            json!({"model": "sora-2-preview", "prompt": "x", "callback_url": "https://[::1]/x"}),
            "private",
        ),
        (
            json!({"model": "sora-2-preview", "prompt": "x", "callback_url": format!("https://a.example/{}", "a".repeat(2048))}),
            "2048",
        ),
        (
            json!({"model": "sora-2-preview", "prompt": "x", "quality": "1080p"}),
            "quality",
        ),
        (json!({"model": "nope", "prompt": "x"}), "not supported"),
    ];
    for (body, needle) in cases {
        let (st, v) = post(&s, "/v1/videos/generations", body.clone()).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(v["error"]["code"], "invalid_parameters", "{body}");
        assert!(
            v["error"]["message"].as_str().unwrap().contains(needle),
            "{body}: {v}"
        );
    }
    let (st, v) = post(&s, "/v1/videos/generations", ok).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "pending");
    assert_eq!(v["usage"]["credits_reserved"], 23.04);
    // 720x1280 and 1280x720 are accepted spellings too.
    let (st, _) = post(
        &s,
        "/v1/videos/generations",
        json!({"model": "sora-2-preview", "prompt": "x", "aspect_ratio": "720x1280"}),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(s.counters().tasks_created, 2);
    // Non-JSON body.
    let r = http()
        .post(format!("{}/v1/videos/generations", s.base_url()))
        .bearer_auth(KEY)
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn auth_unknown_routes_and_no_cancel_endpoint() {
    let s = server().await;
    let b = s.base_url();
    let r = http().get(format!("{b}/v1/credits")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "unauthorized");
    let r = http()
        .get(format!("{b}/v1/credits"))
        .bearer_auth("sk-other")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = http()
        .get(format!("{b}/api/v1/files/quota"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        (v["success"].clone(), v["code"].clone()),
        (json!(false), json!(401))
    );
    let r = http()
        .get(format!("{b}/v2/whatever"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["message"], "Invalid URL (GET /v2/whatever)");
    let r = http()
        .delete(format!("{b}/v1/tasks/task-unified-1-abcdefgh"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "there is no documented cancel endpoint"
    );
    let v: Value = r.json().await.unwrap();
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Invalid URL (DELETE /v1/tasks/"));
    let r = http()
        .get(format!("{b}/v1/tasks/abc"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "invalid_task_id");
    assert!(r_has_request_id(
        &http()
            .get(format!("{b}/v1/models"))
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap()
    ));
}

fn r_has_request_id(r: &reqwest::Response) -> bool {
    r.headers().get("x-request-id").is_some()
}

#[tokio::test]
async fn media_ranges_and_admin_routes() {
    let s = server().await;
    let b = s.base_url();
    let (_, v) = post(
        &s,
        "/v1/videos/generations",
        json!({"model": "sora-2-preview", "prompt": "x", "aspect_ratio": "9:16"}),
    )
    .await;
    let id = v["id"].as_str().unwrap().to_string();
    let media = format!("{b}/media/{id}.mp4");
    assert_eq!(
        http().get(&media).send().await.unwrap().status(),
        StatusCode::NOT_FOUND,
        "not finished yet"
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let v: Value = http()
            .get(format!("{b}/v1/tasks/{id}"))
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if v["status"] == "completed" {
            assert_eq!(v["results"][0], media.as_str());
            assert_eq!(v["progress"], 100);
            break;
        }
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let full = http()
        .get(&media)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let len = full.len();
    let r = http()
        .get(&media)
        .header("range", "bytes=-100")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(r.headers()["content-length"], "100");
    assert_eq!(&r.bytes().await.unwrap()[..], &full[len - 100..]);
    let r = http()
        .get(&media)
        .header("range", format!("bytes={len}-"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        r.headers()["content-range"],
        format!("bytes */{len}").as_str()
    );
    let r = http().head(&media).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-length"], len.to_string().as_str());
    // The key was sent once here on purpose: the counter sees it.
    http().get(&media).bearer_auth(KEY).send().await.unwrap();
    let c: Value = http()
        .get(format!("{b}/__mock/counters"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(c["media_requests_with_auth"], 1);
    assert_eq!(s.counters().media_requests_with_auth, 1);
    // Faults over HTTP, for end-to-end tests of the app.
    let r = http()
        .put(format!("{b}/__mock/faults"))
        .body(r#"{"inject":[{"endpoint":"models","action":"status","status":503}]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        http()
            .get(format!("{b}/v1/models"))
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        http()
            .get(format!("{b}/v1/models"))
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let r = http()
        .put(format!("{b}/__mock/faults"))
        .body(r#"{"no_such_fault":1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::BAD_REQUEST,
        "typos in fault files are refused"
    );
    let (_, v) = post(
        &s,
        "/v1/videos/generations",
        json!({"model": "sora-2-preview", "prompt": "x"}),
    )
    .await;
    let r = http()
        .post(format!(
            "{b}/__mock/tasks/{}/cancel",
            v["id"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn same_seed_same_story() {
    async fn story() -> Vec<String> {
        let s = MockServer::start(MockConfig {
            seed: 99,
            ..MockConfig::fast(KEY)
        })
        .await
        .unwrap();
        let mut out = Vec::new();
        for i in 0..3 {
            let (_, v) = post(
                &s,
                "/v1/videos/generations",
                json!({"model": "sora-2-preview", "prompt": format!("p{i}")}),
            )
            .await;
            // Ids embed the creation second; compare the random suffix only.
            out.push(
                v["id"]
                    .as_str()
                    .unwrap()
                    .rsplit('-')
                    .next()
                    .unwrap()
                    .to_string(),
            );
        }
        out
    }
    assert_eq!(story().await, story().await);
}

#[test]
fn fault_file_format_round_trips() {
    let text = r#"{
      "latency_ms": 50,
      "endpoint_latency_ms": { "get_task": 300 },
      "error_rate": { "get_task": 0.2 },
      "rate_limit_rate": { "*": 0.05 },
      "rate_limit_retry_after": "2",
      "inject": [
        { "endpoint": "create", "times": 1, "action": "drop_after_accept" },
        { "endpoint": "get_task", "times": 2, "action": "status", "status": 429, "retry_after": "1" },
        { "endpoint": "get_task", "action": "html", "status": 502 },
        { "endpoint": "credits", "action": "malformed_json" },
        { "endpoint": "upload_stream", "action": "success_false" },
        { "endpoint": "create", "action": "delay", "ms": 5000 },
        { "endpoint": "models", "action": "drop" }
      ],
      "legacy_error_codes": false,
      "legacy_request_id_header": false,
      "complete_without_results": 1,
      "results_in_result_data": false,
      "fail_next_tasks": ["service_error"],
      "cancel_next_tasks": 0,
      "unknown_status": "queued_upstream"
    }"#;
    let f: Faults = serde_json::from_str(text).unwrap();
    assert_eq!(f.inject.len(), 7);
    assert_eq!(f.inject[2].times, 1, "times defaults to 1");
    let back: Faults = serde_json::from_value(serde_json::to_value(&f).unwrap()).unwrap();
    assert_eq!(back, f);
}

#[test]
fn binary_prints_its_address_and_serves_at_once() {
    let exe = env!("CARGO_BIN_EXE_evolink-mock");
    let dir = std::env::temp_dir().join(format!("evolink-mock-bin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let faults = dir.join("faults.json");
    std::fs::write(
        &faults,
        r#"{"inject":[{"endpoint":"credits","action":"status","status":429,"retry_after":"3"}]}"#,
    )
    .unwrap();
    let started = Instant::now();
    let mut child = Command::new(exe)
        .args([
            "--port",
            "0",
            "--key",
            KEY,
            "--balance",
            "12.5",
            "--time-scale",
            "50",
            "--faults",
        ])
        .arg(&faults)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line.trim().to_string();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (first, second) = rt.block_on(async {
        let a = http()
            .get(format!("{base}/v1/credits"))
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap();
        let ra = a
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_string());
        let b: Value = http()
            .get(format!("{base}/v1/credits"))
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ((a.status(), ra), b)
    });
    let elapsed = started.elapsed();
    child.kill().ok();
    let out = child.wait_with_output().unwrap();
    let printed = format!(
        "{line}{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(printed.contains("serving"), "{printed}");
    assert!(!printed.contains(KEY), "the mock must not print keys");
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(
        first,
        (StatusCode::TOO_MANY_REQUESTS, Some("3".to_string()))
    );
    assert_eq!(second["data"]["user"]["remaining_credits"], 12.5);
    eprintln!("binary: launch to two answers in {elapsed:?}");
    let bad = Command::new(exe).arg("--nope").output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("usage"));
}

const OTHER_KEY: &str = "sk-mock-other-key-11111111111";

/// Two accounts, time x100, a Sora task lasting 60 service seconds (0.6 s): 10 pending, 50
/// processing.
fn two_accounts() -> MockConfig {
    MockConfig {
        keys: vec![KEY.into(), OTHER_KEY.into()],
        pending_secs: 10.0,
        generation_secs: 50.0,
        seed: 1,
        ..MockConfig::fast(KEY)
    }
}

const TASK_SECS: f64 = 60.0;

async fn create_as(s: &MockServer, key: &str, prompt: &str) -> (StatusCode, Value) {
    let body = json!({"model": "sora-2-preview", "prompt": prompt});
    common::post(s, key, "/v1/videos/generations", &body).await
}

/// Waits until the mock's clock passes `service_time`, without asking the mock anything.
async fn wait_until(s: &MockServer, service_time: f64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while s.now() <= service_time {
        assert!(Instant::now() < deadline, "the mock's clock is stuck");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn counts_the_most_tasks_active_at_once_per_account() {
    let s = MockServer::start(two_accounts()).await.unwrap();
    // Three tasks of KEY and two of OTHER_KEY at once.
    let (a, b, c, d, e) = tokio::join!(
        create_as(&s, KEY, "a"),
        create_as(&s, KEY, "b"),
        create_as(&s, KEY, "c"),
        create_as(&s, OTHER_KEY, "d"),
        create_as(&s, OTHER_KEY, "e"),
    );
    for (st, v) in [a, b, c, d, e] {
        assert_eq!(st, StatusCode::OK, "{v}");
    }
    let all_created = s.now();
    assert_eq!(s.counters().max_active_for(KEY), 3);
    assert_eq!(s.counters().max_active_for(OTHER_KEY), 2);
    // The fourth comes after the first three are over; nobody polled them.
    wait_until(&s, all_created + TASK_SECS).await;
    let (st, v) = create_as(&s, KEY, "f").await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let c = s.counters();
    assert!(c.polls_per_task.is_empty());
    assert_eq!(c.tasks_created, 6);
    assert_eq!(c.max_active_for(KEY), 3);
    assert_eq!(c.max_active_for(OTHER_KEY), 2);
    assert_eq!(c.max_active_for("sk-never-used"), 0);
    // Over HTTP too, by account label, and no key anywhere in the counters.
    let r = http()
        .get(format!("{}/__mock/counters", s.base_url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!r.contains(KEY) && !r.contains(OTHER_KEY), "{r}");
    let v: Value = serde_json::from_str(&r).unwrap();
    assert_eq!(
        v["max_active_per_account"],
        json!({ evolink_mock::account_label(KEY): 3, evolink_mock::account_label(OTHER_KEY): 2 })
    );
}

#[tokio::test]
async fn tasks_one_after_another_are_never_active_together() {
    let s = MockServer::start(two_accounts()).await.unwrap();
    for i in 0..3 {
        let (st, v) = create_as(&s, KEY, &format!("p{i}")).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let id = v["id"].as_str().unwrap();
        // Polled until over, as a client that runs one task at a time does.
        let deadline = Instant::now() + Duration::from_secs(20);
        while common::get(&s, KEY, &format!("/v1/tasks/{id}")).await["status"] != "completed" {
            assert!(Instant::now() < deadline);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let c = s.counters();
    assert_eq!(c.tasks_created, 3);
    assert_eq!(c.max_active_for(KEY), 1);
    assert_eq!(c.max_active_per_account.len(), 1);
}

#[tokio::test]
async fn a_concurrency_limit_refuses_creates_beyond_it_until_a_task_ends() {
    let s = MockServer::start(MockConfig {
        concurrency_limit: Some(2),
        ..two_accounts()
    })
    .await
    .unwrap();
    let balance = s.balance();
    for p in ["a", "b"] {
        let (st, v) = create_as(&s, KEY, p).await;
        assert_eq!(st, StatusCode::OK, "{v}");
    }
    let both_created = s.now();
    // The third, with an idempotency key, while both still run.
    let third = || {
        http()
            .post(format!("{}/v1/videos/generations", s.base_url()))
            .bearer_auth(KEY)
            .header("idempotency-key", "third-task-0000000001")
            .json(&json!({"model": "sora-2-preview", "prompt": "c"}))
            .send()
    };
    let r = third().await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().get("retry-after").is_none());
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "rate_limit_exceeded", "{v}");
    assert_eq!(v["error"]["type"], "rate_limit_error", "{v}");
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("at most 2"));
    let c = s.counters();
    assert_eq!((c.create_calls, c.tasks_created), (3, 2));
    assert_eq!(s.task_ids().len(), 2);
    assert_eq!(
        s.balance(),
        round2(balance - 2.0 * 23.04),
        "nothing charged"
    );
    // Another account has its own slots.
    let (st, v) = create_as(&s, OTHER_KEY, "d").await;
    assert_eq!(st, StatusCode::OK, "{v}");
    // Once the first two are over, the same create is accepted: a new task, not a replay.
    wait_until(&s, both_created + TASK_SECS).await;
    let r = third().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get("idempotency-replayed").is_none());
    let c = s.counters();
    assert_eq!((c.create_calls, c.tasks_created, c.replays), (5, 4, 0));
    assert_eq!(c.tasks_per_key["third-task-0000000001"], 1);
    assert_eq!(c.max_active_for(KEY), 2);
    assert_eq!(c.max_active_for(OTHER_KEY), 1);
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The app's demo runs the simulator: EvoLink's own routes answer, the admin routes do not
/// exist (each answers as an unknown route does), so nothing can count, cancel or inject a fault.
#[tokio::test]
async fn the_simulator_serves_evolink_and_no_admin_route() {
    use evolink_mock::{Simulator, SimulatorConfig};
    let sim = Simulator::start(SimulatorConfig {
        key: KEY.into(),
        balance: 500.0,
        time_scale: 100.0,
        seed: 3,
    })
    .await
    .unwrap();
    let b = sim.base_url();
    let (_, created) = common::post_at(
        &b,
        KEY,
        "/v1/videos/generations",
        &json!({"model": "sora-2-preview", "prompt": "a lighthouse at dusk", "duration": 4}),
    )
    .await;
    let id = created["id"].as_str().expect("a task was made").to_string();
    let credits = common::get_at(&b, KEY, "/v1/credits").await;
    assert!(credits.to_string().contains("credits"), "{credits}");

    let unknown = |method: &str, path: &str| format!("Invalid URL ({method} {path})");
    let cancel = format!("/__mock/tasks/{id}/cancel");
    for (request, method, path) in [
        (
            http().get(format!("{b}/__mock/counters")),
            "GET",
            "/__mock/counters",
        ),
        (
            http().get(format!("{b}/__mock/faults")),
            "GET",
            "/__mock/faults",
        ),
        (
            http()
                .put(format!("{b}/__mock/faults"))
                .body(r#"{"inject":[{"endpoint":"*","action":"status","status":503}]}"#),
            "PUT",
            "/__mock/faults",
        ),
        (http().post(format!("{b}{cancel}")), "POST", cancel.as_str()),
    ] {
        let r = request.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{method} {path}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["message"], unknown(method, path), "{body}");
    }
    // The fault that was offered above changed nothing.
    let task = common::get_at(&b, KEY, &format!("/v1/tasks/{id}")).await;
    assert_eq!(task["id"], id.as_str(), "{task}");
}
