//! The HTTP client: typed calls, retries, timeouts, error mapping.

use std::path::Path;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use reqwest::header::{HeaderMap, HeaderValue, RANGE, USER_AGENT};
use reqwest::{Method, RequestBuilder};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, ErrorKind, Words};
use crate::key::ApiKey;
use crate::model::{validate_idempotency_key, VideoRequest};
use crate::paid;
use crate::types::*;

/// Default task API base.
pub const DEFAULT_API_BASE: &str = "https://api.evolink.ai";
/// Default file API base.
pub const DEFAULT_FILES_BASE: &str = "https://files-api.evolink.ai";

/// Environment variable overriding the task API base.
pub const ENV_API_BASE: &str = "SORA_DESK_API_BASE";
/// Environment variable overriding the file API base.
pub const ENV_FILES_BASE: &str = "SORA_DESK_FILES_BASE";
/// Environment variable the CLI reads the key from (see [`ApiKey::from_env`]).
pub const ENV_API_KEY: &str = "EVOLINK_API_KEY";

/// How GETs (and the safe cases of POSTs) are retried.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Total attempts, first one included. 1 disables retries.
    pub max_attempts: u32,
    /// First backoff delay; doubles each attempt, with jitter.
    pub base_delay: Duration,
    /// Cap on one backoff delay.
    pub max_delay: Duration,
    /// Longest `Retry-After` the client waits for itself. Longer requests are returned as a
    /// `rate_limited` error carrying `retry_after`, for the caller to schedule.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Delay before attempt `attempt + 1` (attempt counts from 1): exponential with "equal
    /// jitter" (between half and all of the exponential step).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self.base_delay.saturating_mul(
            1u32.checked_shl(attempt.saturating_sub(1).min(20))
                .unwrap_or(u32::MAX),
        );
        let step = exp.min(self.max_delay);
        let half = step / 2;
        half + step.mul_f64(fastrand::f64() * 0.5)
    }
}

/// Everything the client needs. `Debug` is safe to log: the key shows only as a hint.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Task API base, e.g. `https://api.evolink.ai` (a path prefix is kept).
    pub api_base: String,
    /// File API base, e.g. `https://files-api.evolink.ai`.
    pub files_base: String,
    pub api_key: ApiKey,
    pub connect_timeout: Duration,
    /// Whole-request timeout for API calls.
    pub request_timeout: Duration,
    /// Whole-request timeout for uploads.
    pub upload_timeout: Duration,
    pub retry: RetryPolicy,
    /// Goes into the User-Agent: `SoraDesk/<app_version> (<os>; <arch>)`.
    pub app_version: String,
}

impl ClientConfig {
    pub fn new(api_key: ApiKey) -> Self {
        ClientConfig {
            api_base: DEFAULT_API_BASE.into(),
            files_base: DEFAULT_FILES_BASE.into(),
            api_key,
            connect_timeout: CONNECT_TIMEOUT,
            request_timeout: REQUEST_TIMEOUT,
            upload_timeout: Duration::from_secs(180),
            retry: RetryPolicy::default(),
            app_version: env!("CARGO_PKG_VERSION").into(),
        }
    }

    /// Points both APIs at other hosts (the mock, a proxy, the beta host).
    pub fn with_bases(
        mut self,
        api_base: impl Into<String>,
        files_base: impl Into<String>,
    ) -> Self {
        self.api_base = api_base.into();
        self.files_base = files_base.into();
        self
    }

    pub fn user_agent(&self) -> String {
        user_agent(&self.app_version)
    }
}

/// Default connection and whole-request (for media: between reads) timeouts.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// `SoraDesk/<app_version> (<os>; <arch>)`.
fn user_agent(app_version: &str) -> String {
    format!(
        "SoraDesk/{app_version} ({}; {})",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

/// The EvoLink client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Client {
    cfg: ClientConfig,
    api_base: String,
    files_base: String,
    http: reqwest::Client,
    media: MediaClient,
}

/// Fetches result videos. It has no key at all: result links live on another host and must
/// never see it, and saving a finished video must work while the key is missing or refused.
#[derive(Debug, Clone)]
pub struct MediaClient {
    http: reqwest::Client,
}

impl MediaClient {
    /// A client with the app's User-Agent (media hosts refuse requests without a real one).
    pub fn new(cfg: &ClientConfig) -> Result<Self, Error> {
        Self::with(&cfg.user_agent(), cfg.connect_timeout, cfg.request_timeout)
    }

    /// With this app's version and the default timeouts, for code that has no API client.
    pub fn for_app() -> Result<Self, Error> {
        Self::with(
            &user_agent(env!("CARGO_PKG_VERSION")),
            CONNECT_TIMEOUT,
            REQUEST_TIMEOUT,
        )
    }

    fn with(user_agent: &str, connect: Duration, read: Duration) -> Result<Self, Error> {
        let mut h = HeaderMap::new();
        h.insert(USER_AGENT, user_agent_header(user_agent)?);
        // No whole-request timeout: files are streamed; the caller watches progress instead.
        crate::install_tls();
        let http = reqwest::Client::builder()
            .default_headers(h)
            .connect_timeout(connect)
            .read_timeout(read)
            .build()
            .map_err(network_layer_error)?;
        Ok(MediaClient { http })
    }

    /// A request for a result video: User-Agent set, **no Authorization**, optional
    /// `Range: bytes=<from>-` to resume. The caller streams the response; use
    /// [`media_status_error`] for non-2xx statuses.
    pub fn result_request(
        &self,
        result_url: &str,
        resume_from: Option<u64>,
    ) -> Result<RequestBuilder, Error> {
        let u = url::Url::parse(result_url)
            .map_err(|_| Error::new(ErrorKind::Expired, Words::new("problem.expired.bad_link")))?;
        if u.scheme() != "https" && u.scheme() != "http" {
            return Err(Error::new(
                ErrorKind::Expired,
                Words::new("problem.expired.not_a_link"),
            ));
        }
        let mut rb = self.http.get(u);
        if let Some(from) = resume_from.filter(|f| *f > 0) {
            rb = rb.header(RANGE, format!("bytes={from}-"));
        }
        Ok(rb)
    }

    /// The plain client (no Authorization header).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Safety {
    /// GETs: retry anything retryable.
    Read,
    /// The paid create: retry only when the request surely was not accepted.
    Paid,
    /// Uploads: not paid, but not idempotent either; retry only when surely not received.
    Write,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ctx {
    Task,
    Other,
    Upload,
}

/// How one attempt ended: an answer to use, or a failure and how far the request got.
enum Attempt {
    Answered(Reply),
    Failed {
        err: Error,
        sending: paid::Sending,
        answer: paid::Answer,
    },
}

struct Reply {
    value: Value,
    headers: HeaderMap,
    request_id: Option<String>,
    attempts: u32,
}

fn request_id(h: &HeaderMap) -> Option<String> {
    ["x-request-id", "x-oneapi-request-id"]
        .iter()
        .find_map(|n| h.get(*n).and_then(|v| v.to_str().ok()).map(str::to_string))
        .filter(|s| !s.is_empty())
}

/// `Retry-After` as seconds or as an HTTP date.
pub fn parse_retry_after(h: &HeaderMap) -> Option<Duration> {
    let v = h.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(s) = v.parse::<u64>() {
        return Some(Duration::from_secs(s));
    }
    if let Ok(f) = v.parse::<f64>() {
        if f.is_finite() && f >= 0.0 {
            return Some(Duration::from_secs_f64(f));
        }
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// A short, single-line excerpt of a body for error details (proxy pages, plain text).
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if in_tag => {}
            c if c.is_whitespace() => out.push(' '),
            c => out.push(c),
        }
    }
    let collapsed = out.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.chars().take(200).collect()
}

/// Turns an HTTP error response into an [`Error`].
fn map_http_error(status: u16, headers: &HeaderMap, body: &[u8], ctx: Ctx) -> Error {
    let rid = request_id(headers);
    let retry_after = parse_retry_after(headers);
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let (code, type_, message, suggestion) = match &parsed {
        Some(Value::Object(o)) => {
            if let Some(Value::Object(e)) = o.get("error") {
                (
                    e.get("code").and_then(value_code),
                    e.get("type").and_then(Value::as_str).map(str::to_string),
                    e.get("message").and_then(Value::as_str).map(str::to_string),
                    e.get("suggestion")
                        .or_else(|| e.get("fallback_suggestion"))
                        .and_then(Value::as_str)
                        .map(str::to_string),
                )
            } else {
                (
                    o.get("code").and_then(value_code),
                    o.get("type").and_then(Value::as_str).map(str::to_string),
                    o.get("msg")
                        .or_else(|| o.get("message"))
                        .or_else(|| o.get("error"))
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    None,
                )
            }
        }
        _ => (None, None, None, None),
    };
    let detail = match (&message, &parsed) {
        (Some(m), _) => m.clone(),
        (None, Some(_)) => String::new(),
        (None, None) => excerpt(body),
    };
    // A legacy integer code says nothing by itself: fall back to `type`, then the status.
    let word = code
        .as_deref()
        .filter(|c| c.parse::<i64>().is_err())
        .or(type_.as_deref())
        .unwrap_or("");
    let msg_l = detail.to_ascii_lowercase();
    let (kind, special): (ErrorKind, Option<Words>) = match word {
        "unauthorized" | "invalid_token" | "invalid_api_key" | "authentication_error" => {
            (ErrorKind::BadKey, None)
        }
        "insufficient_quota" | "quota_exceeded" | "insufficient_balance" if status != 429 => {
            (ErrorKind::NoCredits, None)
        }
        "model_access_denied"
        | "key_model_not_allowed"
        | "no_available_channel"
        | "model_unavailable"
        | "model_not_found"
        | "model_not_supported" => (ErrorKind::ModelUnavailable, None),
        "permission_denied" => (
            ErrorKind::BadKey,
            Some(Words::new("problem.bad_key.not_allowed")),
        ),
        "task_not_found" | "resource_not_found" if ctx == Ctx::Task => (ErrorKind::Expired, None),
        "task_not_found" | "file_not_found" | "resource_not_found" => (ErrorKind::NotFound, None),
        "rate_limit_exceeded" | "too_many_requests" | "quota_exceeded" => {
            (ErrorKind::RateLimited, None)
        }
        "content_policy_violation" | "moderation_blocked" => (ErrorKind::ModerationBlocked, None),
        "image_dimension_mismatch"
        | "image_processing_error"
        | "invalid_image"
        | "file_too_large"
        | "unsupported_file_type" => (ErrorKind::ImageRejected, None),
        "idempotency_conflict" => (
            ErrorKind::InvalidInput,
            Some(Words::new("problem.invalid_input.idempotency_conflict")),
        ),
        "invalid_request" | "invalid_parameters" | "invalid_request_error"
            if msg_l.contains("channel")
                || msg_l.contains("model") && msg_l.contains("available") =>
        {
            (ErrorKind::ModelUnavailable, None)
        }
        "invalid_task_id" => (
            ErrorKind::InvalidInput,
            Some(Words::new("problem.invalid_input.task_number_format")),
        ),
        "internal_error" | "service_unavailable" | "bad_gateway" | "server_error" => {
            (ErrorKind::ServerTrouble, None)
        }
        _ => match status {
            401 => (ErrorKind::BadKey, None),
            402 => (ErrorKind::NoCredits, None),
            403 if ctx == Ctx::Task => (
                ErrorKind::BadKey,
                Some(Words::new("problem.bad_key.other_account")),
            ),
            403 => (ErrorKind::BadKey, None),
            404 if msg_l.contains("invalid url") || detail.contains("Invalid URL") => (
                ErrorKind::NotFound,
                Some(Words::new("problem.not_found.address")),
            ),
            404 | 410 if ctx == Ctx::Task => (ErrorKind::Expired, None),
            410 => (ErrorKind::Expired, None),
            404 => (ErrorKind::NotFound, None),
            413 | 415 if ctx == Ctx::Upload => (ErrorKind::ImageRejected, None),
            400 | 409 | 413 | 415 | 422 => (ErrorKind::InvalidInput, None),
            408 | 425 => (ErrorKind::ServerTrouble, None),
            429 => (ErrorKind::RateLimited, None),
            _ if status >= 500 => (ErrorKind::ServerTrouble, None),
            _ => (
                ErrorKind::ServerTrouble,
                Some(Words::new("problem.server_trouble.unexpected")),
            ),
        },
    };
    let words = special.unwrap_or_else(|| kind.default_words());
    let mut err = Error::new(kind, words)
        .with_status(status)
        .with_api_code(code.or(type_))
        .with_request_id(rid)
        .with_retry_after(retry_after);
    let mut full = detail;
    if let Some(s) = suggestion {
        full = format!("{full} (suggestion: {s})");
    }
    err = err.with_detail(full);
    err
}

pub(crate) fn map_http_error_pub(status: u16, headers: &HeaderMap, body: &[u8]) -> Error {
    map_http_error(status, headers, body, Ctx::Other)
}

fn transport_error(e: &reqwest::Error, kind: ErrorKind) -> Error {
    // reqwest errors carry the URL, never headers, so the key cannot appear here.
    let what = if e.is_connect() {
        "could not connect"
    } else if e.is_timeout() {
        "timed out"
    } else if e.is_body() || e.is_decode() {
        "connection broke while reading the answer"
    } else {
        "connection failed"
    };
    let mut chain = String::new();
    let mut src: Option<&dyn std::error::Error> = Some(e);
    while let Some(s) = src {
        if !chain.is_empty() {
            chain.push_str(": ");
        }
        chain.push_str(&s.to_string());
        src = s.source();
    }
    Error::of(kind).with_detail(format!("{what}: {chain}"))
}

impl Client {
    pub fn new(cfg: ClientConfig) -> Result<Self, Error> {
        let api_base = check_base(&cfg.api_base)?;
        let files_base = check_base(&cfg.files_base)?;
        let mut h = HeaderMap::new();
        h.insert(USER_AGENT, user_agent_header(&cfg.user_agent())?);
        crate::install_tls();
        let http = reqwest::Client::builder()
            .default_headers(h)
            .connect_timeout(cfg.connect_timeout)
            .timeout(cfg.request_timeout)
            .build()
            .map_err(network_layer_error)?;
        let media = MediaClient::new(&cfg)?;
        Ok(Client {
            cfg,
            api_base,
            files_base,
            http,
            media,
        })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.cfg
    }

    fn api_url(&self, path: &str) -> String {
        format!("{}{}", self.api_base, path)
    }
    fn files_url(&self, path: &str) -> String {
        format!("{}{}", self.files_base, path)
    }

    fn req(&self, method: Method, url: &str) -> RequestBuilder {
        self.http
            .request(method, url)
            .bearer_auth(self.cfg.api_key.expose())
            .header(reqwest::header::ACCEPT, "application/json")
    }

    /// The retry loop shared by every API call. For the paid call, what each attempt means is
    /// decided by [`paid::decide`]: only a `Retry` is sent again (with the same idempotency
    /// key), an `Uncertain` attempt is reported as `outcome_unknown`, never resent here.
    async fn send<F>(&self, safety: Safety, ctx: Ctx, build: F) -> Result<Reply, Error>
    where
        F: Fn() -> Result<RequestBuilder, Error>,
    {
        let policy = &self.cfg.retry;
        let max = policy.max_attempts.max(1);
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let rb = build()?;
            let (err, may_retry) = match self.attempt(rb, ctx).await {
                Attempt::Answered(reply) => {
                    return Ok(Reply {
                        attempts: attempt,
                        ..reply
                    })
                }
                Attempt::Failed {
                    err,
                    sending,
                    answer,
                } => match safety {
                    Safety::Paid => match paid::decide(sending, answer) {
                        // An answer we could read is never "failed"; kept total for safety.
                        paid::Decision::Accepted | paid::Decision::Uncertain => {
                            let detail = err.support_line();
                            return Err(err
                                .into_kind(
                                    ErrorKind::OutcomeUnknown,
                                    ErrorKind::OutcomeUnknown.default_words(),
                                )
                                .with_detail(detail));
                        }
                        paid::Decision::NotSent => return Err(err.with_retryable(false)),
                        // Not created, but not for a passing reason (a 503 "model unavailable",
                        // a request that cannot be built): sending it again will not help.
                        paid::Decision::Retry if !err.kind().retryable() => return Err(err),
                        paid::Decision::Retry => (err, true),
                    },
                    Safety::Read => {
                        let retry = err.retryable();
                        (err, retry)
                    }
                    // Uploads are not idempotent: repeat only what surely did not arrive or
                    // was refused before being handled.
                    Safety::Write => {
                        let refused_early = matches!(
                            answer,
                            paid::Answer::Status {
                                status: 429 | 503,
                                ..
                            }
                        ) && err.kind().retryable();
                        (err, sending == paid::Sending::NotSent || refused_early)
                    }
                },
            };
            if !may_retry || attempt >= max {
                return Err(err);
            }
            let wait = match err.retry_after() {
                Some(ra) if ra > policy.max_retry_after => return Err(err),
                Some(ra) => ra,
                None => policy.backoff(attempt),
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// One request and its answer, read whole. A failure says how far the request got.
    async fn attempt(&self, rb: RequestBuilder, ctx: Ctx) -> Attempt {
        let (http, request) = rb.build_split();
        // Method and path only: never the query, headers or body.
        let what = request
            .as_ref()
            .map(|r| format!("{} {}", r.method(), r.url().path()))
            .unwrap_or_else(|_| "request".into());
        let sent = match request {
            Ok(request) => http.execute(request).await,
            Err(e) => Err(e),
        };
        let attempt = read_answer(sent, ctx).await;
        if let Attempt::Failed { err, .. } = &attempt {
            log::warn!("EvoLink {what}: {}", err.support_line());
        }
        attempt
    }

    async fn get<T: DeserializeOwned>(&self, url: String, ctx: Ctx) -> Result<(T, Reply), Error> {
        let reply = self
            .send(Safety::Read, ctx, || Ok(self.req(Method::GET, &url)))
            .await?;
        let t = parse_value(&reply, &url)?;
        Ok((t, reply))
    }

    /// `POST /v1/videos/generations`: creates a paid task.
    ///
    /// The request is validated first (nothing is sent when it is invalid). `idempotency_key`
    /// (16-96 characters of `[A-Za-z0-9._-]`) is sent as `Idempotency-Key`; store it with the
    /// task before calling, and reuse it for any resubmission of the same video. Automatic
    /// retries happen only where the request surely was not accepted (connection refused or
    /// DNS failure, 429, 503) and always with the same key. When the answer was lost after the
    /// request may have arrived, the error is `outcome_unknown`.
    pub async fn create_video(
        &self,
        req: &VideoRequest,
        idempotency_key: &str,
    ) -> Result<Created, Error> {
        let body = req.to_body()?;
        validate_idempotency_key(idempotency_key)?;
        let url = self.api_url("/v1/videos/generations");
        let reply = self
            .send(Safety::Paid, Ctx::Other, || {
                Ok(self
                    .req(Method::POST, &url)
                    .header("Idempotency-Key", idempotency_key)
                    .json(&body))
            })
            .await?;
        let replayed = reply
            .headers
            .get("idempotency-replayed")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let task: Task = serde_json::from_value(reply.value.clone())
            .ok()
            .filter(|t: &Task| !t.id.is_empty())
            .ok_or_else(|| {
                Error::of(ErrorKind::OutcomeUnknown)
                    .with_request_id(reply.request_id.clone())
                    .with_detail("create answered 200 without a task id")
            })?;
        Ok(Created {
            task,
            replayed,
            request_id: reply.request_id,
            attempts: reply.attempts,
        })
    }

    /// `GET /v1/tasks/{id}`. A 404/410 for a task is reported as `expired`.
    pub async fn get_task(&self, task_id: &str) -> Result<Task, Error> {
        let id = check_task_id(task_id)?;
        let (t, _) = self
            .get::<Task>(self.api_url(&format!("/v1/tasks/{id}")), Ctx::Task)
            .await?;
        Ok(t)
    }

    /// `GET /v1/tasks` (undocumented list; no result links).
    pub async fn list_tasks(&self, q: &TaskListQuery) -> Result<TaskPage, Error> {
        let mut u = url::Url::parse(&self.api_url("/v1/tasks")).map_err(|_| bad_base())?;
        {
            let mut p = u.query_pairs_mut();
            if let Some(s) = &q.status {
                p.append_pair("status", s);
            }
            if let Some(s) = &q.kind {
                p.append_pair("type", s);
            }
            if let Some(s) = &q.model {
                p.append_pair("model", s);
            }
            if let Some(s) = q.page {
                p.append_pair("page", &s.to_string());
            }
            if let Some(s) = q.page_size {
                p.append_pair("page_size", &s.to_string());
            }
        }
        let url = u.to_string().trim_end_matches('?').to_string();
        Ok(self.get::<TaskPage>(url, Ctx::Other).await?.0)
    }

    /// `POST /v1/tasks/batch` with at most 50 ids (undocumented; a read, so retried like GETs).
    pub async fn batch_tasks(&self, ids: &[String]) -> Result<Vec<Task>, Error> {
        if ids.len() > 50 {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                Words::new("problem.invalid_input.too_many_tasks").with("most", 50),
            ));
        }
        for id in ids {
            check_task_id(id)?;
        }
        let url = self.api_url("/v1/tasks/batch");
        let body = serde_json::json!({ "task_ids": ids });
        let reply = self
            .send(Safety::Read, Ctx::Other, || {
                Ok(self.req(Method::POST, &url).json(&body))
            })
            .await?;
        Ok(parse_value::<TaskPage>(&reply, &url)?.data)
    }

    /// `GET /v1/credits`. Also a free way to check that a key works (401 = bad key).
    pub async fn credits(&self) -> Result<Credits, Error> {
        let (env, _) = self
            .get::<Envelope<Credits>>(self.api_url("/v1/credits"), Ctx::Other)
            .await?;
        env.into_data("credits")
    }

    /// `GET /v1/models`.
    pub async fn models(&self) -> Result<Vec<ModelInfo>, Error> {
        #[derive(serde::Deserialize)]
        struct L {
            #[serde(default)]
            data: Vec<ModelInfo>,
        }
        Ok(self
            .get::<L>(self.api_url("/v1/models"), Ctx::Other)
            .await?
            .0
            .data)
    }

    /// Uploads a local image, streamed from disk (`/upload/stream`); if that endpoint is
    /// missing (404/405/415/501), falls back to base64 (`/upload/base64`).
    pub async fn upload_image(&self, path: &Path) -> Result<UploadedFile, Error> {
        match self.upload_stream(path).await {
            // The stream endpoint is missing here (old proxy, other host): use base64.
            Err(e) if matches!(e.status(), Some(404 | 405 | 501)) => {
                let bytes = tokio::fs::read(path)
                    .await
                    .map_err(|e| file_error(path, e))?;
                let name = file_name_of(path);
                self.upload_base64(&bytes, &name).await
            }
            other => other,
        }
    }

    /// `POST /api/v1/files/upload/stream`: multipart, the file streamed from disk.
    pub async fn upload_stream(&self, path: &Path) -> Result<UploadedFile, Error> {
        let meta = tokio::fs::metadata(path)
            .await
            .map_err(|e| file_error(path, e))?;
        if !meta.is_file() {
            return Err(Error::new(
                ErrorKind::ImageRejected,
                Words::new("problem.image_rejected.folder"),
            ));
        }
        let mut head = [0u8; 16];
        {
            use tokio::io::AsyncReadExt;
            let mut f = tokio::fs::File::open(path)
                .await
                .map_err(|e| file_error(path, e))?;
            let n = f.read(&mut head).await.map_err(|e| file_error(path, e))?;
            if n < 12 {
                return Err(not_an_image());
            }
        }
        let mime = sniff_mime(&head).ok_or_else(not_an_image)?;
        let name = file_name_of(path);
        let len = meta.len();
        let url = self.files_url("/api/v1/files/upload/stream");
        // The body is a stream, so each attempt opens the file again (synchronously: opening is
        // quick, and it lets uploads share the one retry loop).
        let reply = self
            .send(Safety::Write, Ctx::Upload, || {
                let file = std::fs::File::open(path).map_err(|e| file_error(path, e))?;
                let stream = tokio_util::io::ReaderStream::new(tokio::fs::File::from_std(file));
                let part = reqwest::multipart::Part::stream_with_length(
                    reqwest::Body::wrap_stream(stream),
                    len,
                )
                .file_name(name.clone())
                .mime_str(mime)
                .map_err(|_| not_an_image())?;
                let form = reqwest::multipart::Form::new()
                    .part("file", part)
                    .text("upload_path", "images");
                Ok(self
                    .req(Method::POST, &url)
                    .timeout(self.cfg.upload_timeout)
                    .multipart(form))
            })
            .await?;
        parse_value::<Envelope<UploadedFile>>(&reply, &url)?
            .into_data("upload")
            .and_then(check_uploaded)
    }

    /// `POST /api/v1/files/upload/base64` with a data URL.
    pub async fn upload_base64(
        &self,
        bytes: &[u8],
        file_name: &str,
    ) -> Result<UploadedFile, Error> {
        let mime = sniff_mime(bytes).ok_or_else(not_an_image)?;
        let data = format!(
            "data:{mime};base64,{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        );
        let body = serde_json::json!({ "base64_data": data, "upload_path": "images", "file_name": file_name });
        self.post_upload("/api/v1/files/upload/base64", &body).await
    }

    /// `POST /api/v1/files/upload/url`: EvoLink fetches the file itself.
    pub async fn upload_url(&self, file_url: &str) -> Result<UploadedFile, Error> {
        let body = serde_json::json!({ "file_url": file_url, "upload_path": "images" });
        self.post_upload("/api/v1/files/upload/url", &body).await
    }

    /// The JSON uploads (base64 and by URL): same envelope, same checks.
    async fn post_upload(&self, path: &str, body: &Value) -> Result<UploadedFile, Error> {
        let url = self.files_url(path);
        let reply = self
            .send(Safety::Write, Ctx::Upload, || {
                Ok(self
                    .req(Method::POST, &url)
                    .timeout(self.cfg.upload_timeout)
                    .json(body))
            })
            .await?;
        parse_value::<Envelope<UploadedFile>>(&reply, &url)?
            .into_data("upload")
            .and_then(check_uploaded)
    }

    /// `GET /api/v1/files/quota`.
    pub async fn file_quota(&self) -> Result<FileQuota, Error> {
        let (env, _) = self
            .get::<Envelope<FileQuota>>(self.files_url("/api/v1/files/quota"), Ctx::Other)
            .await?;
        env.into_data("file quota")
    }

    /// `GET /api/v1/files/list?page=&pageSize=`.
    pub async fn list_files(&self, page: u32, page_size: u32) -> Result<FileList, Error> {
        let url = self.files_url(&format!(
            "/api/v1/files/list?page={page}&pageSize={page_size}"
        ));
        let (env, _) = self.get::<Envelope<FileList>>(url, Ctx::Other).await?;
        env.into_data("file list")
    }

    /// `DELETE /api/v1/files/{file_id}`.
    pub async fn delete_file(&self, file_id: &str) -> Result<(), Error> {
        if file_id.is_empty()
            || !file_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                Words::new("problem.invalid_input.file_id"),
            ));
        }
        let url = self.files_url(&format!("/api/v1/files/{file_id}"));
        let reply = self
            .send(Safety::Read, Ctx::Other, || {
                Ok(self.req(Method::DELETE, &url))
            })
            .await?;
        let env: Envelope<Value> = parse_value(&reply, &url)?;
        if env.success == Some(false) {
            return env.into_data("delete file").map(|_| ());
        }
        Ok(())
    }

    /// A request for a result video, without the key (see [`MediaClient`]).
    pub fn result_request(
        &self,
        result_url: &str,
        resume_from: Option<u64>,
    ) -> Result<RequestBuilder, Error> {
        self.media.result_request(result_url, resume_from)
    }

    /// The key-less client used for result downloads.
    pub fn media(&self) -> &MediaClient {
        &self.media
    }

    /// The plain client used for result downloads (no Authorization header).
    pub fn media_client(&self) -> &reqwest::Client {
        self.media.http()
    }

    /// The task API base this client speaks to (normalised, without a trailing slash).
    pub fn api_base(&self) -> &str {
        &self.api_base
    }

    /// The file API base this client uploads to.
    pub fn files_base(&self) -> &str {
        &self.files_base
    }

    /// Which account this client speaks for: a fingerprint of its key, never the key.
    pub fn account(&self) -> String {
        self.cfg.api_key.fingerprint()
    }

    /// The same client (timeouts, retries, User-Agent) for another task API host and key: a
    /// task is followed where, and as whom, it was made.
    pub fn rebased(&self, api_base: &str, api_key: ApiKey) -> Result<Client, Error> {
        let mut cfg = self.cfg.clone();
        cfg.api_base = api_base.to_string();
        cfg.api_key = api_key;
        Client::new(cfg)
    }
}

/// What came back for one attempt (see [`paid`] for what it means for the paid call).
async fn read_answer(sent: Result<reqwest::Response, reqwest::Error>, ctx: Ctx) -> Attempt {
    use paid::{Answer, Body, Sending};
    let resp = match sent {
        Ok(resp) => resp,
        Err(e) => {
            // A request that could not be built, or whose connection was never made, did
            // not leave this computer.
            let sending = if e.is_builder() || e.is_connect() {
                Sending::NotSent
            } else {
                Sending::Sent
            };
            let err = if e.is_builder() {
                Error::new(
                    ErrorKind::InvalidInput,
                    Words::new("problem.invalid_input.unsendable"),
                )
            } else {
                transport_error(&e, ErrorKind::NetworkDown)
            };
            return Attempt::Failed {
                err,
                sending,
                answer: Answer::None,
            };
        }
    };
    let status = resp.status();
    let headers = resp.headers().clone();
    let rid = request_id(&headers);
    let failed = |err: Error, body: Body| Attempt::Failed {
        err,
        sending: Sending::Sent,
        answer: Answer::Status {
            status: status.as_u16(),
            body,
        },
    };
    let body = match resp.bytes().await {
        Ok(body) => body,
        Err(e) => {
            let err = transport_error(&e, ErrorKind::NetworkDown)
                .with_status(status.as_u16())
                .with_request_id(rid);
            return failed(err, Body::Cut);
        }
    };
    if !status.is_success() {
        return failed(
            map_http_error(status.as_u16(), &headers, &body, ctx),
            Body::Read,
        );
    }
    match serde_json::from_slice::<Value>(&body) {
        Ok(value) => Attempt::Answered(Reply {
            value,
            headers,
            request_id: rid,
            attempts: 0,
        }),
        Err(_) => failed(
            Error::new(
                ErrorKind::ServerTrouble,
                Words::new("problem.server_trouble.unreadable_answer"),
            )
            .with_status(status.as_u16())
            .with_request_id(rid)
            .with_detail(format!("unreadable JSON: {}", excerpt(&body))),
            Body::Unreadable,
        ),
    }
}

fn user_agent_header(user_agent: &str) -> Result<HeaderValue, Error> {
    HeaderValue::from_str(user_agent).map_err(|_| {
        Error::new(
            ErrorKind::InvalidInput,
            Words::new("problem.invalid_input.user_agent"),
        )
    })
}

fn network_layer_error(e: reqwest::Error) -> Error {
    Error::new(
        ErrorKind::ServerTrouble,
        Words::new("problem.server_trouble.network_layer"),
    )
    .with_detail(e.to_string())
}

/// Maps a non-2xx status of a result download: 403/404/410 mean the link expired.
pub fn media_status_error(status: u16, headers: &HeaderMap) -> Error {
    let base = match status {
        403 | 404 | 410 => Error::of(ErrorKind::Expired),
        416 => Error::new(
            ErrorKind::ServerTrouble,
            Words::new("problem.server_trouble.no_resume"),
        )
        .with_retryable(true),
        429 => Error::of(ErrorKind::RateLimited),
        s if s >= 500 => Error::of(ErrorKind::ServerTrouble),
        _ => Error::new(
            ErrorKind::ServerTrouble,
            Words::new("problem.server_trouble.download"),
        ),
    };
    base.with_status(status)
        .with_request_id(request_id(headers))
        .with_retry_after(parse_retry_after(headers))
}

fn parse_value<T: DeserializeOwned>(reply: &Reply, what: &str) -> Result<T, Error> {
    serde_json::from_value(reply.value.clone()).map_err(|e| {
        Error::new(
            ErrorKind::ServerTrouble,
            Words::new("problem.server_trouble.not_understood"),
        )
        .with_request_id(reply.request_id.clone())
        .with_detail(format!("{what}: unexpected shape: {e}"))
    })
}

fn check_uploaded(f: UploadedFile) -> Result<UploadedFile, Error> {
    if f.file_url.trim().is_empty() {
        return Err(Error::new(
            ErrorKind::ServerTrouble,
            Words::new("problem.server_trouble.upload_without_address"),
        )
        .with_detail("upload answer without file_url"));
    }
    Ok(f)
}

fn check_base(raw: &str) -> Result<String, Error> {
    let u = url::Url::parse(raw.trim()).map_err(|_| bad_base())?;
    if !(u.scheme() == "https" || u.scheme() == "http") || u.host().is_none() {
        return Err(bad_base());
    }
    Ok(raw.trim().trim_end_matches('/').to_string())
}

fn bad_base() -> Error {
    Error::new(
        ErrorKind::InvalidInput,
        Words::new("problem.invalid_input.api_address"),
    )
}

fn check_task_id(id: &str) -> Result<&str, Error> {
    let ok = !id.is_empty()
        && id.len() <= 200
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if ok {
        Ok(id)
    } else {
        Err(Error::new(
            ErrorKind::InvalidInput,
            Words::new("problem.invalid_input.task_number"),
        ))
    }
}

fn file_error(path: &Path, e: std::io::Error) -> Error {
    let name = file_name_of(path);
    let msg = match e.kind() {
        std::io::ErrorKind::NotFound => Words::new("problem.image_rejected.file_missing"),
        std::io::ErrorKind::PermissionDenied => Words::new("problem.image_rejected.file_denied"),
        _ => Words::new("problem.image_rejected.file_unreadable"),
    }
    .with("name", name);
    Error::new(ErrorKind::ImageRejected, msg).with_detail(e.to_string())
}

fn not_an_image() -> Error {
    Error::new(
        ErrorKind::ImageRejected,
        Words::new("problem.image_rejected.not_a_picture"),
    )
}

fn file_name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "image".into())
}

/// Content type from the first bytes of a file (never from the name alone).
pub fn sniff_mime(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(&[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a]) {
        Some("image/png")
    } else if head.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        Some("image/webp")
    } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        Some("image/gif")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_dates() {
        let mut h = HeaderMap::new();
        assert_eq!(parse_retry_after(&h), None);
        h.insert("retry-after", HeaderValue::from_static("7"));
        assert_eq!(parse_retry_after(&h), Some(Duration::from_secs(7)));
        let future = SystemTime::now() + Duration::from_secs(120);
        h.insert(
            "retry-after",
            HeaderValue::from_str(&httpdate::fmt_http_date(future)).unwrap(),
        );
        let d = parse_retry_after(&h).unwrap();
        assert!(
            d > Duration::from_secs(100) && d <= Duration::from_secs(120),
            "{d:?}"
        );
        h.insert(
            "retry-after",
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(parse_retry_after(&h), Some(Duration::ZERO));
        h.insert("retry-after", HeaderValue::from_static("soon"));
        assert_eq!(parse_retry_after(&h), None);
    }

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        let p = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            max_retry_after: Duration::from_secs(5),
        };
        for _ in 0..50 {
            let d1 = p.backoff(1);
            assert!(
                d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100),
                "{d1:?}"
            );
            let d3 = p.backoff(3);
            assert!(
                d3 >= Duration::from_millis(200) && d3 <= Duration::from_millis(400),
                "{d3:?}"
            );
            let d30 = p.backoff(30);
            assert!(
                d30 >= Duration::from_millis(500) && d30 <= Duration::from_secs(1),
                "{d30:?}"
            );
        }
    }

    #[test]
    fn error_mapping_table() {
        let h = HeaderMap::new();
        let m = |s: u16, b: &str| map_http_error(s, &h, b.as_bytes(), Ctx::Other);
        let cases: &[(u16, &str, &str)] = &[
            (
                401,
                r#"{"error":{"code":"unauthorized","message":"bad","type":"authentication_error"}}"#,
                "bad_key",
            ),
            (401, r#"{"error":{"code":"invalid_token"}}"#, "bad_key"),
            (
                402,
                r#"{"error":{"code":"insufficient_quota","message":"Insufficient quota. Please top up your account.","type":"insufficient_quota"}}"#,
                "no_credits",
            ),
            (
                402,
                r#"{"error":{"code":402,"message":"quota","param":null,"fallback_suggestion":"top up"}}"#,
                "no_credits",
            ),
            (
                403,
                r#"{"error":{"code":"model_access_denied"}}"#,
                "model_unavailable",
            ),
            (
                403,
                r#"{"error":{"code":"key_model_not_allowed"}}"#,
                "model_unavailable",
            ),
            (
                503,
                r#"{"error":{"code":"no_available_channel"}}"#,
                "model_unavailable",
            ),
            (
                400,
                r#"{"error":{"code":"invalid_request","message":"no available channel for model sora-2-preview"}}"#,
                "model_unavailable",
            ),
            (
                400,
                r#"{"error":{"code":"invalid_parameters","message":"duration must be 4, 8 or 12"}}"#,
                "invalid_input",
            ),
            (
                404,
                r#"{"error":{"code":"not_found","message":"Invalid URL (GET /v1/nope)"}}"#,
                "not_found",
            ),
            (
                429,
                r#"{"error":{"code":"rate_limit_exceeded"}}"#,
                "rate_limited",
            ),
            (429, r#"{"error":{"code":429}}"#, "rate_limited"),
            (
                500,
                r#"{"error":{"code":"internal_error"}}"#,
                "server_trouble",
            ),
            (
                502,
                "<html><body><h1>502 Bad Gateway</h1></body></html>",
                "server_trouble",
            ),
            (
                409,
                r#"{"error":{"code":"idempotency_conflict"}}"#,
                "invalid_input",
            ),
            (418, "I'm a teapot", "server_trouble"),
        ];
        for (s, b, want) in cases {
            let e = m(*s, b);
            assert_eq!(e.code(), *want, "{s} {b}");
            assert_eq!(e.status(), Some(*s));
        }
        let e = m(
            502,
            "<html><body><h1>502 Bad Gateway</h1>\n<p>nginx</p></body></html>",
        );
        assert_eq!(e.detail(), Some("502 Bad Gateway nginx"));
        assert!(e.retryable());
        let e = m(402, r#"{"error":{"code":402,"message":"quota"}}"#);
        assert_eq!(e.api_code(), Some("402"));
        let t = map_http_error(
            404,
            &h,
            br#"{"error":{"code":"task_not_found"}}"#,
            Ctx::Task,
        );
        assert_eq!(t.code(), "expired");
        let t = map_http_error(
            400,
            &h,
            br#"{"error":{"code":"invalid_task_id"}}"#,
            Ctx::Task,
        );
        assert_eq!(t.code(), "invalid_input");
    }

    #[test]
    fn request_id_fallback() {
        let mut h = HeaderMap::new();
        h.insert("x-oneapi-request-id", HeaderValue::from_static("one-1"));
        assert_eq!(request_id(&h).as_deref(), Some("one-1"));
        h.insert("x-request-id", HeaderValue::from_static("req-2"));
        assert_eq!(request_id(&h).as_deref(), Some("req-2"));
    }

    #[test]
    fn sniffing() {
        assert_eq!(sniff_mime(b"\x89PNG\r\n\x1a\n0000"), Some("image/png"));
        assert_eq!(sniff_mime(b"\xff\xd8\xff\xe0"), Some("image/jpeg"));
        assert_eq!(sniff_mime(b"RIFF1234WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff_mime(b"GIF89a"), Some("image/gif"));
        assert_eq!(sniff_mime(b"<html>"), None);
    }

    #[test]
    fn user_agent_is_real() {
        let c = ClientConfig::new(ApiKey::new("sk-test-user-agent-key").unwrap());
        let ua = c.user_agent();
        assert!(ua.starts_with("SoraDesk/0."), "{ua}");
        assert!(ua.contains(std::env::consts::OS));
    }
}
