//! Response shapes, parsed tolerantly: unknown fields are ignored, unknown statuses kept,
//! numbers may come as strings, error codes as strings or integers, missing fields are `None`.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::error::{Error, ErrorKind};

/// Numbers that may arrive as a JSON number, a numeric string, or null.
pub(crate) fn lenient_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(lenient_f64(d)?.filter(|x| *x >= 0.0).map(|x| x as u64))
}

fn lenient_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(lenient_f64(d)?.map(|x| x as i64))
}

fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Bool(b) => Some(b),
        Value::Number(n) => n.as_i64().map(|x| x != 0),
        Value::String(s) => match s.as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    })
}

/// An error code that may be a string (current API) or an integer (before March 2026).
pub(crate) fn code_as_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(value_code(&Value::deserialize(d)?))
}

pub(crate) fn value_code(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

fn string_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(a) => a
            .into_iter()
            .filter_map(|v| match v {
                Value::String(s) if !s.trim().is_empty() => Some(s),
                Value::Object(o) => o.get("url").and_then(|u| u.as_str()).map(str::to_string),
                _ => None,
            })
            .collect(),
        Value::String(s) if !s.trim().is_empty() => vec![s],
        _ => Vec::new(),
    })
}

/// Status of a task. Unknown values are kept verbatim in `Other` (keep polling, don't crash).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TaskStatus {
    #[default]
    Pending,
    Processing,
    Completed,
    Failed,
    Cancelled,
    Other(String),
}

impl TaskStatus {
    pub fn parse(s: &str) -> Self {
        match s.trim().to_ascii_lowercase().as_str() {
            "pending" | "queued" | "submitted" => TaskStatus::Pending,
            "processing" | "running" | "in_progress" => TaskStatus::Processing,
            "completed" | "succeeded" | "success" => TaskStatus::Completed,
            "failed" | "error" => TaskStatus::Failed,
            "cancelled" | "canceled" => TaskStatus::Cancelled,
            _ => TaskStatus::Other(s.to_string()),
        }
    }
    pub fn as_str(&self) -> &str {
        match self {
            TaskStatus::Pending => "pending",
            TaskStatus::Processing => "processing",
            TaskStatus::Completed => "completed",
            TaskStatus::Failed => "failed",
            TaskStatus::Cancelled => "cancelled",
            TaskStatus::Other(s) => s,
        }
    }
    /// Completed, failed or cancelled: no need to poll again.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            TaskStatus::Completed | TaskStatus::Failed | TaskStatus::Cancelled
        )
    }
}

impl<'de> Deserialize<'de> for TaskStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(s) => TaskStatus::parse(&s),
            Value::Null => TaskStatus::Other(String::new()),
            other => TaskStatus::Other(other.to_string()),
        })
    }
}

impl Serialize for TaskStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// `error` of a failed task, or of an HTTP error body.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct ApiErrorBody {
    #[serde(default, deserialize_with = "code_as_string")]
    pub code: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub message: Option<String>,
    #[serde(default, rename = "type", deserialize_with = "lenient_string")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub suggestion: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub param: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub fallback_suggestion: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct TaskInfo {
    #[serde(default, deserialize_with = "lenient_bool")]
    pub can_cancel: Option<bool>,
    /// Seconds.
    #[serde(default, deserialize_with = "lenient_f64")]
    pub estimated_time: Option<f64>,
    #[serde(default, deserialize_with = "lenient_f64")]
    pub video_duration: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct Usage {
    #[serde(default, deserialize_with = "lenient_string")]
    pub billing_rule: Option<String>,
    #[serde(default, deserialize_with = "lenient_f64")]
    pub credits_reserved: Option<f64>,
    #[serde(default, deserialize_with = "lenient_f64")]
    pub credits_used: Option<f64>,
    #[serde(default, deserialize_with = "lenient_f64")]
    pub cost: Option<f64>,
    /// Older responses.
    #[serde(default, deserialize_with = "lenient_f64")]
    pub estimated_cost: Option<f64>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub user_group: Option<String>,
}

impl Usage {
    /// The best figure for "what this task costs": used, then cost, then reserved, then the
    /// old estimate.
    pub fn credits(&self) -> Option<f64> {
        self.credits_used
            .or(self.cost)
            .or(self.credits_reserved)
            .or(self.estimated_cost)
    }
}

/// A video task, as returned by create, get, list and batch.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct Task {
    #[serde(default)]
    pub id: String,
    /// Unix seconds.
    #[serde(default, deserialize_with = "lenient_i64")]
    pub created: Option<i64>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub model: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub object: Option<String>,
    #[serde(default)]
    pub status: TaskStatus,
    /// 0 to 100; not monotonic; may sit at 0 and jump.
    #[serde(default, deserialize_with = "lenient_f64")]
    pub progress: Option<f64>,
    #[serde(default, deserialize_with = "string_list")]
    pub results: Vec<String>,
    #[serde(default)]
    pub result_data: Option<Value>,
    #[serde(default)]
    pub error: Option<ApiErrorBody>,
    #[serde(default)]
    pub task_info: Option<TaskInfo>,
    #[serde(default, rename = "type", deserialize_with = "lenient_string")]
    pub kind: Option<String>,
    #[serde(default)]
    pub usage: Option<Usage>,
}

/// What a task's state means for the app.
#[derive(Debug, Clone)]
pub enum TaskOutcome {
    /// Still going (also for unknown statuses): keep polling.
    Running {
        /// 0 to 100, clamped.
        progress: u8,
    },
    /// Finished with a video at this (expiring) URL.
    Succeeded { video_url: String },
    /// Failed, cancelled, or "completed" without any result.
    Failed(Error),
}

impl Task {
    /// The first result URL: `results[0]`, else `result_data.video_url`.
    pub fn video_url(&self) -> Option<String> {
        self.video_urls().into_iter().next()
    }

    /// Every result URL, in order: `results` (several when one call made several videos,
    /// Veo's `n`), else what `result_data` holds (`video_url`, `url`, or `video_urls`).
    pub fn video_urls(&self) -> Vec<String> {
        let usable = |s: &str| !s.trim().is_empty();
        let results: Vec<String> = self.results.iter().filter(|u| usable(u)).cloned().collect();
        if !results.is_empty() {
            return results;
        }
        let Some(rd) = self.result_data.as_ref() else {
            return Vec::new();
        };
        for k in ["video_url", "url"] {
            if let Some(s) = rd.get(k).and_then(Value::as_str).filter(|s| usable(s)) {
                return vec![s.to_string()];
            }
        }
        rd.get("video_urls")
            .and_then(Value::as_array)
            .map(|urls| {
                urls.iter()
                    .filter_map(Value::as_str)
                    .filter(|s| usable(s))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn progress_percent(&self) -> u8 {
        self.progress.unwrap_or(0.0).clamp(0.0, 100.0).round() as u8
    }

    /// Seconds EvoLink expects the task to take, when it says so.
    pub fn estimated_time(&self) -> Option<f64> {
        self.task_info.as_ref().and_then(|t| t.estimated_time)
    }

    /// Credits this task costs or has reserved, when the response says so.
    pub fn credits(&self) -> Option<f64> {
        self.usage.as_ref().and_then(Usage::credits)
    }

    pub fn outcome(&self) -> TaskOutcome {
        match &self.status {
            TaskStatus::Completed => match self.video_url() {
                Some(video_url) => TaskOutcome::Succeeded { video_url },
                None => TaskOutcome::Failed(Error::from_task_failure(
                    "empty_results",
                    Some("status completed without any result URL"),
                )),
            },
            TaskStatus::Failed => {
                let (code, msg) = match &self.error {
                    Some(e) => (
                        e.code.clone().unwrap_or_else(|| "unknown_error".into()),
                        e.message.clone(),
                    ),
                    None => ("unknown_error".to_string(), None),
                };
                TaskOutcome::Failed(Error::from_task_failure(&code, msg.as_deref()))
            }
            TaskStatus::Cancelled => {
                let msg = self.error.as_ref().and_then(|e| e.message.clone());
                TaskOutcome::Failed(Error::from_task_failure(
                    "request_cancelled",
                    msg.as_deref(),
                ))
            }
            TaskStatus::Pending | TaskStatus::Processing | TaskStatus::Other(_) => {
                TaskOutcome::Running {
                    progress: self.progress_percent(),
                }
            }
        }
    }
}

/// A created task, plus what the transport said about it.
#[derive(Debug, Clone)]
pub struct Created {
    pub task: Task,
    /// True when the server answered `idempotency-replayed: true` (an earlier attempt with the
    /// same key had already created this task).
    pub replayed: bool,
    pub request_id: Option<String>,
    /// How many HTTP attempts the client made.
    pub attempts: u32,
}

/// Envelope of `GET /v1/tasks` (list) and `POST /v1/tasks/batch`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TaskPage {
    #[serde(default)]
    pub data: Vec<Task>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub total: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub page: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub page_size: Option<u64>,
}

/// Filter for `GET /v1/tasks`.
#[derive(Debug, Clone, Default)]
pub struct TaskListQuery {
    pub status: Option<String>,
    pub kind: Option<String>,
    pub model: Option<String>,
    pub page: Option<u32>,
    pub page_size: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Balance {
    #[serde(default, deserialize_with = "lenient_f64")]
    pub remaining_credits: Option<f64>,
    #[serde(default, deserialize_with = "lenient_f64")]
    pub used_credits: Option<f64>,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub unlimited_credits: Option<bool>,
}

/// `GET /v1/credits`: `token` is this key's own limit, `user` the account balance.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Credits {
    #[serde(default)]
    pub token: Option<Balance>,
    #[serde(default)]
    pub user: Option<Balance>,
}

impl Credits {
    /// What the user can spend now: the smaller of the account balance and the key's limit
    /// (when the key is limited).
    pub fn spendable(&self) -> Option<f64> {
        let user = self.user.as_ref().and_then(|b| b.remaining_credits);
        let token = self
            .token
            .as_ref()
            .filter(|b| b.unlimited_credits != Some(true))
            .and_then(|b| b.remaining_credits);
        match (user, token) {
            (Some(u), Some(t)) => Some(u.min(t)),
            (u, t) => u.or(t),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct ModelInfo {
    #[serde(default)]
    pub id: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub owned_by: Option<String>,
}

/// A file stored through the file API.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct UploadedFile {
    #[serde(default, deserialize_with = "lenient_string")]
    pub file_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub file_name: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub original_name: Option<String>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub file_size: Option<u64>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub mime_type: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub upload_path: Option<String>,
    /// Pass this in `image_urls`.
    #[serde(default)]
    pub file_url: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub download_url: Option<String>,
    /// ISO 8601 with offset.
    #[serde(default, deserialize_with = "lenient_string")]
    pub upload_time: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub expires_at: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct FileQuota {
    #[serde(default, deserialize_with = "lenient_string")]
    pub user_group: Option<String>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub used_files: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub max_files: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub remain_files: Option<u64>,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub is_custom: Option<bool>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub quota_reason: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct FileEntry {
    #[serde(default, deserialize_with = "lenient_string")]
    pub file_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub file_name: Option<String>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub file_size: Option<u64>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub upload_time: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct FileList {
    #[serde(default, deserialize_with = "lenient_u64")]
    pub total: Option<u64>,
    #[serde(default)]
    pub files: Vec<FileEntry>,
}

/// `{ success, code, msg, data }` of the file API (and of `/v1/credits`).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Envelope<T> {
    #[serde(default, deserialize_with = "lenient_bool")]
    pub success: Option<bool>,
    #[serde(default, deserialize_with = "code_as_string")]
    pub code: Option<String>,
    #[serde(default, alias = "message", deserialize_with = "lenient_string")]
    pub msg: Option<String>,
    #[serde(default = "none")]
    pub data: Option<T>,
}

fn none<T>() -> Option<T> {
    None
}

impl<T> Envelope<T> {
    /// `success: false` (even inside HTTP 200) becomes an error.
    pub(crate) fn into_data(self, what: &str) -> Result<T, Error> {
        if self.success == Some(false) {
            let code = self.code.clone();
            let msg = self.msg.clone().unwrap_or_default();
            let kind = envelope_kind(code.as_deref(), &msg);
            return Err(Error::of(kind)
                .with_api_code(code)
                .with_detail(format!("{what}: {msg}")));
        }
        self.data.ok_or_else(|| {
            Error::new(
                ErrorKind::ServerTrouble,
                crate::Words::new("problem.server_trouble.not_understood"),
            )
            .with_detail(format!("{what}: response without data"))
        })
    }
}

/// Kind for a file-API `success:false` envelope (codes there are HTTP-like integers).
fn envelope_kind(code: Option<&str>, msg: &str) -> ErrorKind {
    let m = msg.to_ascii_lowercase();
    match code.and_then(|c| c.parse::<u16>().ok()) {
        Some(401) => ErrorKind::BadKey,
        Some(402) => ErrorKind::NoCredits,
        Some(404) => ErrorKind::NotFound,
        Some(413 | 415) => ErrorKind::ImageRejected,
        Some(429) => ErrorKind::RateLimited,
        Some(c) if c >= 500 => ErrorKind::ServerTrouble,
        _ if m.contains("type")
            || m.contains("size")
            || m.contains("image")
            || m.contains("format") =>
        {
            ErrorKind::ImageRejected
        }
        _ if m.contains("quota") || m.contains("limit") => ErrorKind::RateLimited,
        _ => ErrorKind::InvalidInput,
    }
}
