//! Configuration and fault injection of the mock, for tests (in-process) and for people (flags
//! and a JSON file, see the crate docs).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How the mock behaves. Times are in *service seconds*: the mock's clock runs `time_scale`
/// times faster than the wall clock, so a 2-minute generation takes 1.2 s at scale 100.
#[derive(Debug, Clone)]
pub struct MockConfig {
    /// Address to bind. Tests: `127.0.0.1:0` (the default).
    pub bind: std::net::SocketAddr,
    /// Accepted bearer keys.
    pub keys: Vec<String>,
    /// Starting account balance in credits.
    pub balance: f64,
    /// Service seconds per wall-clock second.
    pub time_scale: f64,
    /// How long a task stays `pending` (service seconds).
    pub pending_secs: f64,
    /// How long `processing` lasts (service seconds).
    pub generation_secs: f64,
    /// Result links stop working this long after completion (service time; 24 h by default).
    pub result_ttl: Duration,
    /// Uploaded files expire after this (service time; 72 h by default).
    pub file_ttl: Duration,
    /// Tasks are forgotten this long after they end (then 404 `task_not_found`).
    pub task_retention: Duration,
    /// Prompts containing any of these words (case-insensitive) fail later with
    /// `content_policy_violation`.
    pub blocked_words: Vec<String>,
    /// Models that answer `model_unavailable` (503) on create, as after a retirement.
    pub unavailable_models: Vec<String>,
    /// Maximum files per user (file quota).
    pub max_files: u64,
    /// At most this many tasks of one account active at once (pending or processing): a create
    /// beyond it (checked after validation and the balance) is refused with 429
    /// `rate_limit_exceeded` (no `Retry-After`), and no task is made or charged. `None` (the
    /// default): no limit.
    pub concurrency_limit: Option<u32>,
    /// Seed of every random choice (ids, progress curves, random faults).
    pub seed: u64,
    /// Base URL written into result and file links; default `http://<bound address>`.
    pub public_base: Option<String>,
    /// Served as every result video instead of the built-in clips (benchmarks of big downloads).
    pub media_file: Option<axum::body::Bytes>,
    pub faults: Faults,
}

impl Default for MockConfig {
    fn default() -> Self {
        MockConfig {
            bind: ([127, 0, 0, 1], 0).into(),
            keys: vec!["sk-mock-0000000000000000".into()],
            balance: 1000.0,
            time_scale: 1.0,
            pending_secs: 15.0,
            generation_secs: 120.0,
            result_ttl: Duration::from_secs(24 * 3600),
            file_ttl: Duration::from_secs(72 * 3600),
            task_retention: Duration::from_secs(7 * 24 * 3600),
            blocked_words: vec!["celebrity".into(), "gore".into()],
            unavailable_models: Vec::new(),
            max_files: 2000,
            concurrency_limit: None,
            seed: 7,
            public_base: None,
            media_file: None,
            faults: Faults::default(),
        }
    }
}

impl MockConfig {
    /// A config for fast tests: one key, time running 100x (a task takes about 1.3 s).
    pub fn fast(key: &str) -> Self {
        MockConfig {
            keys: vec![key.to_string()],
            time_scale: 100.0,
            ..Default::default()
        }
    }
}

/// Faults to inject. All fields are optional in the JSON file (`--faults FILE`).
///
/// Endpoint names: `create`, `get_task`, `list_tasks`, `batch`, `credits`, `models`,
/// `upload_stream`, `upload_base64`, `upload_url`, `file_quota`, `file_list`, `file_delete`,
/// `file_download`, `media`, or `*` for all.
///
/// ```json
/// {
///   "latency_ms": 50,
///   "endpoint_latency_ms": { "get_task": 300 },
///   "error_rate": { "get_task": 0.2 },
///   "rate_limit_rate": { "*": 0.05 },
///   "rate_limit_retry_after": "2",
///   "inject": [
///     { "endpoint": "create", "times": 1, "action": "drop_after_accept" },
///     { "endpoint": "get_task", "times": 2, "action": "status", "status": 429, "retry_after": "1" },
///     { "endpoint": "get_task", "action": "html", "status": 502 },
///     { "endpoint": "credits", "action": "malformed_json" },
///     { "endpoint": "upload_stream", "action": "success_false" },
///     { "endpoint": "create", "action": "delay", "ms": 5000 },
///     { "endpoint": "models", "action": "drop" }
///   ],
///   "legacy_error_codes": false,
///   "legacy_request_id_header": false,
///   "complete_without_results": 1,
///   "results_in_result_data": false,
///   "fail_next_tasks": ["service_error"],
///   "cancel_next_tasks": 0,
///   "unknown_status": "queued_upstream"
/// }
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Added before every request is handled.
    pub latency_ms: u64,
    /// Extra latency per endpoint.
    pub endpoint_latency_ms: BTreeMap<String, u64>,
    /// Probability (0..1) that a request gets a 5xx instead (500 JSON, 502 HTML, 503 JSON).
    pub error_rate: BTreeMap<String, f64>,
    /// Probability (0..1) of a 429 instead.
    pub rate_limit_rate: BTreeMap<String, f64>,
    /// `Retry-After` of random 429s (seconds or an HTTP date); none when absent.
    pub rate_limit_retry_after: Option<String>,
    /// Scripted faults, consumed in order: the next `times` requests to `endpoint` get `action`.
    pub inject: Vec<Injection>,
    /// Error bodies use the pre-2026 integer `code` plus `param` and `fallback_suggestion`.
    pub legacy_error_codes: bool,
    /// Send the request id as `x-oneapi-request-id` instead of `x-request-id`.
    pub legacy_request_id_header: bool,
    /// The next N tasks complete with an empty `results`.
    pub complete_without_results: u32,
    /// Completed tasks carry `result_data.video_url` instead of `results`.
    pub results_in_result_data: bool,
    /// The next tasks fail (mid-generation) with these `error.code`s, one each.
    pub fail_next_tasks: Vec<String>,
    /// The next N tasks are cancelled mid-generation.
    pub cancel_next_tasks: u32,
    /// While processing, report this status instead of `processing`.
    pub unknown_status: Option<String>,
}

/// One scripted fault.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Injection {
    pub endpoint: String,
    #[serde(default = "one")]
    pub times: u32,
    #[serde(flatten)]
    pub action: Action,
}

fn one() -> u32 {
    1
}

impl Injection {
    pub fn new(endpoint: &str, times: u32, action: Action) -> Self {
        Injection {
            endpoint: endpoint.into(),
            times,
            action,
        }
    }
}

/// What a scripted fault does.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Answer with this status and the matching documented JSON error, without handling.
    Status {
        status: u16,
        #[serde(default)]
        retry_after: Option<String>,
    },
    /// Answer with this status and an HTML proxy page (non-JSON).
    Html { status: u16 },
    /// Handle the request, then send a truncated JSON body with the real status.
    MalformedJson,
    /// Close the connection without handling the request or answering.
    Drop,
    /// Handle the request (e.g. create the task), then close the connection without answering:
    /// the work was done, the answer is lost.
    DropAfterAccept,
    /// Handle the request, then wait `ms` before answering (past a client's timeout).
    Delay { ms: u64 },
    /// File API: answer HTTP 200 with `{"success": false, ...}`.
    SuccessFalse,
}
