//! HTTP routes of the mock and the fault-injecting middleware in front of them.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, Request, State as AxState};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{delete, get, post};
use axum::Router;
use base64::Engine as _;
use serde_json::{json, Value};

use crate::clips::Shape;
use crate::config::{Action, Faults, MockConfig};
use crate::state::*;

/// Everything the handlers share.
pub(crate) struct Shared {
    pub cfg: MockConfig,
    pub clock: Clock,
    pub base: String,
    pub state: Mutex<State>,
}

impl Shared {
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

type S = Arc<Shared>;

/// Lets a handler close its own connection without answering.
#[derive(Clone, Default)]
pub(crate) struct ConnCtl {
    pub abort: Arc<tokio::sync::Notify>,
}

const MAX_UPLOAD: usize = 10 * 1024 * 1024;

pub(crate) fn router(sh: S, admin: crate::Admin) -> Router {
    let evolink = Router::new()
        .route("/v1/videos/generations", post(create))
        .route("/v1/tasks", get(list_tasks))
        .route("/v1/tasks/batch", post(batch))
        .route("/v1/tasks/{id}", get(get_task))
        .route("/v1/credits", get(credits))
        .route("/v1/models", get(models))
        .route("/api/v1/files/upload/stream", post(upload_stream))
        .route("/api/v1/files/upload/base64", post(upload_base64))
        .route("/api/v1/files/upload/url", post(upload_url))
        .route("/api/v1/files/quota", get(file_quota))
        .route("/api/v1/files/list", get(file_list))
        .route("/api/v1/files/download/{id}", get(file_download))
        .route("/api/v1/files/{id}", delete(file_delete))
        .route("/files/{*rest}", get(file_by_url))
        .route("/media/{name}", get(media));
    let routes = match admin {
        crate::Admin::Served => evolink
            .route("/__mock/counters", get(admin_counters))
            .route(
                "/__mock/faults",
                get(admin_get_faults).put(admin_put_faults),
            )
            .route("/__mock/tasks/{id}/cancel", post(admin_cancel)),
        crate::Admin::Absent => evolink,
    };
    routes
        .fallback(unknown_route)
        .method_not_allowed_fallback(unknown_route)
        .layer(DefaultBodyLimit::max(4 * MAX_UPLOAD))
        .layer(middleware::from_fn_with_state(sh.clone(), gate))
        .with_state(sh)
}

/// Endpoint name of a request, as used in fault configuration.
pub(crate) fn endpoint_of(m: &Method, path: &str) -> &'static str {
    let p = path.trim_end_matches('/');
    match (m.as_str(), p) {
        ("POST", "/v1/videos/generations") => "create",
        ("GET", "/v1/tasks") => "list_tasks",
        ("POST", "/v1/tasks/batch") => "batch",
        ("GET", x) if x.starts_with("/v1/tasks/") => "get_task",
        ("GET", "/v1/credits") => "credits",
        ("GET", "/v1/models") => "models",
        ("POST", "/api/v1/files/upload/stream") => "upload_stream",
        ("POST", "/api/v1/files/upload/base64") => "upload_base64",
        ("POST", "/api/v1/files/upload/url") => "upload_url",
        ("GET", "/api/v1/files/quota") => "file_quota",
        ("GET", "/api/v1/files/list") => "file_list",
        ("DELETE", x) if x.starts_with("/api/v1/files/") => "file_delete",
        ("GET" | "HEAD", x)
            if x.starts_with("/api/v1/files/download/") || x.starts_with("/files/") =>
        {
            "file_download"
        }
        ("GET" | "HEAD", x) if x.starts_with("/media/") => "media",
        (_, x) if x.starts_with("/__mock/") => "admin",
        _ => "unknown",
    }
}

fn is_file_api(ep: &str) -> bool {
    ep.starts_with("upload_") || ep.starts_with("file_")
}

fn json_response(status: u16, v: &Value) -> Response {
    let mut r = Response::new(Body::from(v.to_string()));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn type_for(code: &str) -> &'static str {
    match code {
        "unauthorized" | "invalid_token" => "authentication_error",
        "insufficient_quota" | "quota_exceeded" => "insufficient_quota",
        "rate_limit_exceeded" => "rate_limit_error",
        "model_access_denied" | "permission_denied" | "key_model_not_allowed" => "permission_error",
        "internal_error"
        | "service_unavailable"
        | "bad_gateway"
        | "model_unavailable"
        | "no_available_channel" => "server_error",
        "task_not_found" | "not_found" => "not_found_error",
        _ => "invalid_request_error",
    }
}

/// An error of the task API, current or legacy form.
fn api_error(legacy: bool, status: u16, code: &str, message: &str) -> Response {
    let body = if legacy {
        json!({ "error": { "code": status, "message": message, "type": type_for(code), "param": null,
                           "fallback_suggestion": "Please try again later or contact support." } })
    } else {
        json!({ "error": { "code": code, "message": message, "type": type_for(code) } })
    };
    json_response(status, &body)
}

/// An error of the file API: `{success:false, code, msg}` with the given HTTP status.
fn file_error(http: u16, code: u16, msg: &str) -> Response {
    json_response(http, &json!({ "success": false, "code": code, "msg": msg }))
}

fn code_for_status(s: u16) -> (&'static str, &'static str) {
    match s {
        400 => ("invalid_request", "Invalid request"),
        401 => ("unauthorized", "Invalid or missing API key"),
        402 => (
            "insufficient_quota",
            "Insufficient quota. Please top up your account.",
        ),
        403 => ("permission_denied", "Permission denied"),
        404 => ("task_not_found", "Not found"),
        429 => (
            "rate_limit_exceeded",
            "Rate limit exceeded, please slow down",
        ),
        502 => ("bad_gateway", "Upstream returned an invalid response"),
        503 => ("service_unavailable", "Service temporarily unavailable"),
        _ => ("internal_error", "Internal server error"),
    }
}

fn html_page(status: u16) -> Response {
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    let body = format!("<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n");
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    r
}

fn injected_status(sh: &Shared, ep: &str, status: u16, retry_after: Option<&str>) -> Response {
    let (code, msg) = code_for_status(status);
    let mut r = if is_file_api(ep) {
        file_error(status, status, msg)
    } else if ep == "media" {
        let mut r = Response::new(Body::from(msg.to_string()));
        *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        r
    } else {
        api_error(sh.lock().faults.legacy_error_codes, status, code, msg)
    };
    if let Some(ra) = retry_after.and_then(|v| HeaderValue::from_str(v).ok()) {
        r.headers_mut().insert(header::RETRY_AFTER, ra);
    }
    r
}

fn pick_rate(map: &std::collections::BTreeMap<String, f64>, ep: &str) -> f64 {
    map.get(ep).or_else(|| map.get("*")).copied().unwrap_or(0.0)
}

/// Middleware: counters, latency, scripted and random faults, request id.
async fn gate(AxState(sh): AxState<S>, req: Request, next: Next) -> Response {
    let ep = endpoint_of(req.method(), req.uri().path());
    // Read the whole request first, like a buffering proxy: an early answer (401, injected
    // fault) then never races a client that is still sending a large upload.
    let (parts, body) = req.into_parts();
    let Ok(body) = axum::body::to_bytes(body, 4 * MAX_UPLOAD).await else {
        return file_error(413, 413, "Request body too large");
    };
    let create_body = (ep == "create")
        .then(|| serde_json::from_slice::<Value>(&body).ok())
        .flatten();
    let req = Request::from_parts(parts, Body::from(body));
    let ctl = req.extensions().get::<ConnCtl>().cloned();
    let ua = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let idem = req
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    enum Random {
        None,
        Server(u16),
        Limited,
    }
    let (latency, action, random, rid, legacy_rid, ra) = {
        let mut st = sh.lock();
        st.settle(&sh.cfg, sh.clock.now());
        *st.counters.requests.entry(ep.to_string()).or_default() += 1;
        st.counters.last_user_agent = ua;
        if ep == "create" {
            st.counters.create_calls += 1;
            let bodies = &mut st.counters.create_bodies;
            bodies.extend(create_body);
            let over = bodies
                .len()
                .saturating_sub(crate::state::KEPT_CREATE_BODIES);
            bodies.drain(..over);
            if let Some(k) = &idem {
                *st.counters.creates_per_key.entry(k.clone()).or_default() += 1;
            }
        }
        let f = &st.faults;
        let latency = f.latency_ms + f.endpoint_latency_ms.get(ep).copied().unwrap_or(0);
        let (err_p, rl_p) = (
            pick_rate(&f.error_rate, ep),
            pick_rate(&f.rate_limit_rate, ep),
        );
        let ra = f.rate_limit_retry_after.clone();
        let legacy_rid = f.legacy_request_id_header;
        let mut action = None;
        if ep != "admin" {
            if let Some(inj) = st
                .faults
                .inject
                .iter_mut()
                .find(|i| i.times > 0 && (i.endpoint == ep || i.endpoint == "*"))
            {
                inj.times -= 1;
                action = Some(inj.action.clone());
            }
            st.faults.inject.retain(|i| i.times > 0);
        }
        let mut random = Random::None;
        if action.is_none() && ep != "admin" {
            if err_p > 0.0 && st.rng.f64() < err_p {
                random = Random::Server([500, 502, 503][st.rng.usize(0..3)]);
            } else if rl_p > 0.0 && st.rng.f64() < rl_p {
                random = Random::Limited;
            }
        }
        let rid = format!("req-{}", st.rand_id(20));
        (latency, action, random, rid, legacy_rid, ra)
    };
    if latency > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(latency)).await;
    }
    let abort_and_hang = |ctl: Option<ConnCtl>| async move {
        if let Some(c) = ctl {
            c.abort.notify_one();
        }
        std::future::pending::<()>().await;
        unreachable!()
    };
    let mut resp = match action {
        Some(Action::Status {
            status,
            retry_after,
        }) => injected_status(&sh, ep, status, retry_after.as_deref()),
        Some(Action::Html { status }) => html_page(status),
        Some(Action::SuccessFalse) => file_error(200, 500, "Internal storage error, please retry"),
        Some(Action::Drop) => abort_and_hang(ctl).await,
        Some(Action::DropAfterAccept) => {
            let _ = next.run(req).await;
            abort_and_hang(ctl).await
        }
        Some(Action::Delay { ms }) => {
            let r = next.run(req).await;
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            r
        }
        Some(Action::MalformedJson) => {
            let r = next.run(req).await;
            let (mut parts, body) = r.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let cut = (bytes.len() / 2).max(1).min(bytes.len());
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(bytes.slice(..cut)))
        }
        None => match random {
            Random::Server(502) => html_page(502),
            Random::Server(s) => injected_status(&sh, ep, s, None),
            Random::Limited => injected_status(&sh, ep, 429, ra.as_deref()),
            Random::None => next.run(req).await,
        },
    };
    let name = if legacy_rid {
        "x-oneapi-request-id"
    } else {
        "x-request-id"
    };
    if let Ok(v) = HeaderValue::from_str(&rid) {
        resp.headers_mut().insert(name, v);
    }
    resp
}

/// Checks the bearer key. File API routes answer in the file envelope.
/// `Some(401 response)` when the key is missing or wrong.
fn auth(sh: &Shared, headers: &HeaderMap, file_api: bool) -> Option<Response> {
    if headers.contains_key(header::AUTHORIZATION) {
        sh.lock().counters.requests_with_auth += 1;
    }
    let got = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let (code, msg) = match got {
        None => (
            "unauthorized",
            "Missing Authorization header. Use: Authorization: Bearer <API key>",
        ),
        Some(h) => match h.strip_prefix("Bearer ") {
            Some(k) if sh.cfg.keys.iter().any(|x| x == k.trim()) => return None,
            _ => ("invalid_token", "Invalid API key"),
        },
    };
    let legacy = {
        let mut st = sh.lock();
        st.counters.unauthorized += 1;
        st.faults.legacy_error_codes
    };
    Some(if file_api {
        file_error(401, 401, msg)
    } else {
        api_error(legacy, 401, code, msg)
    })
}

/// The bearer key of a request that passed [`auth`]: the account it speaks for.
fn caller(headers: &HeaderMap) -> String {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(|k| k.trim().to_string())
        .unwrap_or_default()
}

fn legacy(sh: &Shared) -> bool {
    sh.lock().faults.legacy_error_codes
}

async fn unknown_route(AxState(sh): AxState<S>, req: Request) -> Response {
    let msg = format!("Invalid URL ({} {})", req.method(), req.uri().path());
    api_error(legacy(&sh), 404, "not_found", &msg)
}

// Written apart from the client's own check on purpose: the fake server must refuse what the
// real one refuses even when the client's check has a bug.
fn public_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || o[0] == 0
        || (o[0] == 100 && (o[1] & 0xc0) == 64)
        || o[0] >= 240)
}

fn callback_problem(u: &str) -> Option<&'static str> {
    if u.chars().count() > 2048 {
        return Some("callback_url must be at most 2048 characters");
    }
    let Ok(p) = url::Url::parse(u) else {
        return Some("callback_url is not a valid URL");
    };
    if p.scheme() != "https" {
        return Some("callback_url must use HTTPS");
    }
    let private = match p.host() {
        None => true,
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => !public_v4(ip),
        Some(url::Host::Ipv6(ip)) => match ip.to_ipv4_mapped() {
            Some(v4) => !public_v4(v4),
            None => {
                let s = ip.segments();
                ip.is_loopback()
                    || ip.is_unspecified()
                    || ip.is_multicast()
                    || (s[0] & 0xfe00) == 0xfc00
                    || (s[0] & 0xffc0) == 0xfe80
            }
        },
    };
    if private {
        Some("callback_url must not point to a private, loopback or local address")
    } else {
        None
    }
}

fn bad(sh: &Shared, msg: &str) -> Response {
    api_error(legacy(sh), 400, "invalid_parameters", msg)
}

/// Finds an uploaded file from one of the mock's own file URLs.
fn file_from_url(sh: &Shared, st: &State, u: &str, now: f64) -> Option<FileRec> {
    let rest = u.strip_prefix(&sh.base)?;
    let id = if let Some(r) = rest.strip_prefix("/files/") {
        let segs: Vec<&str> = r.split('/').collect();
        if segs.len() < 2 {
            return None;
        }
        let f = st.files.get(segs[segs.len() - 2])?;
        if segs[..segs.len() - 2].join("/") != f.upload_path {
            return None;
        }
        f.id.clone()
    } else {
        rest.strip_prefix("/api/v1/files/download/")?.to_string()
    };
    let f = st.files.get(&id)?;
    (now - f.uploaded <= sh.cfg.file_ttl.as_secs_f64()).then(|| f.clone())
}

/// Why an uploaded picture breaks a model's bounds (EvoLink then fails the task with
/// `image_processing_error`), or its pixel size when it is fine.
fn picture_problem(f: &FileRec, b: &crate::models::Bounds) -> Result<(u32, u32), String> {
    if !b.formats.contains(&f.mime.as_str()) {
        return Err(format!(
            "Unsupported image format {}: use {}",
            f.mime,
            b.formats.join(", ")
        ));
    }
    if f.bytes.len() > b.max_bytes {
        return Err(format!(
            "Image is larger than {} MB",
            b.max_bytes / (1024 * 1024)
        ));
    }
    let Ok(sz) = imagesize::blob_size(&f.bytes) else {
        return Err("Unsupported or corrupt image".into());
    };
    let (w, h) = (sz.width as u32, sz.height as u32);
    if b.min_side > 0 && w.min(h) < b.min_side {
        return Err(format!(
            "Image is {w}x{h}: each side must be at least {} px",
            b.min_side
        ));
    }
    if b.max_side > 0 && w.max(h) > b.max_side {
        return Err(format!(
            "Image is {w}x{h}: each side must be at most {} px",
            b.max_side
        ));
    }
    let ratio = w as f64 / h.max(1) as f64;
    if b.min_ratio > 0.0 && !(b.min_ratio..=b.max_ratio).contains(&ratio) {
        return Err(format!(
            "Image is {w}x{h}: width/height must be between {} and {}",
            b.min_ratio, b.max_ratio
        ));
    }
    // PNG colour types 4 and 6 carry an alpha channel (byte 25, in the IHDR chunk).
    if b.no_alpha && f.mime == "image/png" && matches!(f.bytes.get(25), Some(4 | 6)) {
        return Err("Image has an alpha channel (transparency), which this model refuses".into());
    }
    Ok((w, h))
}

/// Whether the first picture, not `aspect_ratio`, gives the output its shape.
fn picture_decides(model: &crate::models::ModelRow, aspect: &str, pictures: usize) -> bool {
    use crate::models::{Family, Pictures};
    matches!(aspect, "auto" | "adaptive")
        || (matches!(model.family, Family::Kling | Family::MiniMax)
            && matches!(model.pictures, Pictures::StartEnd { .. }))
        || (model.family == Family::Grok && pictures == 1)
}

async fn create(AxState(sh): AxState<S>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(r) = auth(&sh, &headers, false) {
        return r;
    }
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if let Some(k) = &key {
        let ok = (16..=96).contains(&k.len())
            && k.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
        if !ok {
            return api_error(
                legacy(&sh),
                400,
                "invalid_request",
                "Idempotency-Key must be 16-96 characters of [A-Za-z0-9._-]",
            );
        }
    }
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return api_error(
            legacy(&sh),
            400,
            "invalid_request",
            "Request body must be valid JSON",
        );
    };
    let canonical = v.to_string();
    let owner = caller(&headers);
    if let Some(k) = &key {
        let mut st = sh.lock();
        if let Some((body0, id)) = st.idem.get(&(owner.clone(), k.clone())).cloned() {
            if body0 != canonical {
                drop(st);
                return api_error(
                    legacy(&sh),
                    409,
                    "idempotency_conflict",
                    "Idempotency-Key was already used with a different request body",
                );
            }
            if let Some(t) = st.tasks.get(&id) {
                let resp = t.create_response.clone();
                st.counters.replays += 1;
                let mut r = json_response(200, &resp);
                r.headers_mut()
                    .insert("idempotency-replayed", HeaderValue::from_static("true"));
                return r;
            }
        }
    }
    // Validation, like the real service.
    let model_id = v.get("model").and_then(Value::as_str).unwrap_or("");
    if model_id.is_empty() {
        return bad(&sh, "model is required");
    }
    if sh.cfg.unavailable_models.iter().any(|m| m == model_id) {
        return api_error(
            legacy(&sh),
            503,
            "model_unavailable",
            &format!("Model {model_id} is currently unavailable"),
        );
    }
    let Some(model) = crate::models::find(model_id) else {
        return bad(
            &sh,
            &format!("model {model_id} is not supported on this endpoint"),
        );
    };
    // The model's own rules (crate::models), written from the model document.
    let req = match crate::models::validate(model, &v) {
        Ok(r) => r,
        Err(msg) => return api_error(legacy(&sh), 400, crate::models::refusal_code(model), &msg),
    };
    let prompt = v
        .get("prompt")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let aspect = req.aspect.clone();
    let mut shape = Shape::of_aspect(&aspect);
    let duration = req.duration;
    let images = req.pictures.clone();
    match v.get("callback_url") {
        None | Some(Value::Null) => {}
        Some(Value::String(u)) => {
            if let Some(p) = callback_problem(u) {
                return api_error(legacy(&sh), 400, crate::models::refusal_code(model), p);
            }
        }
        _ => {
            return api_error(
                legacy(&sh),
                400,
                crate::models::refusal_code(model),
                "callback_url must be a string",
            )
        }
    }
    let cost = req.cost;
    let mut st = sh.lock();
    // Read under the lock, so creation times follow the order tasks are counted in.
    let now = sh.clock.now();
    let active = st.active_of(&sh.cfg, &owner, now);
    if st.balance + 1e-9 < cost {
        let l = st.faults.legacy_error_codes;
        drop(st);
        return api_error(
            l,
            402,
            "insufficient_quota",
            "Insufficient quota. Please top up your account.",
        );
    }
    if let Some(limit) = sh.cfg.concurrency_limit {
        if active >= u64::from(limit) {
            let l = st.faults.legacy_error_codes;
            drop(st);
            return api_error(
                l,
                429,
                "rate_limit_exceeded",
                &format!(
                    "Too many tasks in progress for this account (at most {limit} at once). Wait for one to finish."
                ),
            );
        }
    }
    // What will happen to this task.
    let mut plan = Plan::Complete { empty: false };
    match model.bounds {
        // Sora: one picture whose pixels must equal the output size exactly.
        None => {
            if let Some(u) = images.first() {
                let (ew, eh) = if shape == Shape::Portrait {
                    (720, 1280)
                } else {
                    (1280, 720)
                };
                plan = match file_from_url(&sh, &st, u, now) {
                    None => Plan::Fail {
                        code: "image_processing_error".into(),
                        message: format!("Failed to fetch image from {u}"),
                        at: 0.0,
                    },
                    Some(f) => match imagesize::blob_size(&f.bytes) {
                        Err(_) => Plan::Fail {
                            code: "image_processing_error".into(),
                            message: "Unsupported or corrupt image".into(),
                            at: 0.0,
                        },
                        Ok(_) if f.mime == "image/gif" => Plan::Fail {
                            code: "image_processing_error".into(),
                            message: "Unsupported image format: gif".into(),
                            at: 0.0,
                        },
                        Ok(sz) if (sz.width, sz.height) != (ew, eh) => Plan::Fail {
                            code: "image_dimension_mismatch".into(),
                            message: format!(
                                "Image is {}x{} but aspect_ratio {aspect} requires exactly {ew}x{eh}",
                                sz.width, sz.height
                            ),
                            at: 0.0,
                        },
                        Ok(_) => plan,
                    },
                };
            }
        }
        // Every other model takes pictures within bounds and fits them to the output.
        Some(bounds) => {
            for (i, u) in images.iter().enumerate() {
                let checked = match file_from_url(&sh, &st, u, now) {
                    None => Err(format!("Failed to fetch image from {u}")),
                    Some(f) => picture_problem(&f, &bounds).map(|(w, h)| (i, w, h)),
                };
                match checked {
                    Err(message) => {
                        plan = Plan::Fail {
                            code: "image_processing_error".into(),
                            message,
                            at: 0.0,
                        };
                        break;
                    }
                    // Where the picture decides the shape (automatic aspect, Kling and
                    // MiniMax image-to-video, Grok with one picture), the first one does.
                    Ok((0, w, h)) if picture_decides(model, &aspect, images.len()) => {
                        shape = Shape::of_picture(w, h);
                    }
                    Ok(_) => {}
                }
            }
        }
    }
    let lower = prompt.to_lowercase();
    if matches!(plan, Plan::Complete { .. })
        && sh
            .cfg
            .blocked_words
            .iter()
            .any(|w| !w.is_empty() && lower.contains(&w.to_lowercase()))
    {
        let at = 0.3 + st.rng.f64() * 0.4;
        plan = Plan::Fail {
            code: "content_policy_violation".into(),
            message: "Your request was blocked by our safety system.".into(),
            at,
        };
    }
    if matches!(plan, Plan::Complete { .. }) {
        if !st.faults.fail_next_tasks.is_empty() {
            let code = st.faults.fail_next_tasks.remove(0);
            plan = Plan::Fail {
                message: format!("Generation failed: {code}"),
                code,
                at: 0.5,
            };
        } else if st.faults.cancel_next_tasks > 0 {
            st.faults.cancel_next_tasks -= 1;
            plan = Plan::Cancel { at: 0.5 };
        } else if st.faults.complete_without_results > 0 {
            st.faults.complete_without_results -= 1;
            plan = Plan::Complete { empty: true };
        }
    }
    let created = crate::state::wall_now();
    let id = format!("task-unified-{}-{}", created, st.rand_id(8));
    let curve = st.make_curve();
    let resp = json!({
        "created": created,
        "id": id,
        "model": model.id,
        "object": "video.generation.task",
        "progress": 0,
        "status": "pending",
        "task_info": { "can_cancel": model.can_cancel, "estimated_time": ((sh.cfg.pending_secs + sh.cfg.generation_secs) * model.time_factor).round() as i64, "video_duration": duration },
        "type": "video",
        "usage": { "billing_rule": "per_call", "credits_reserved": cost, "user_group": "default" },
    });
    st.balance = round2(st.balance - cost);
    st.tasks.insert(
        id.clone(),
        TaskRec {
            id: id.clone(),
            model: model.id.into(),
            created: now,
            created_unix: created,
            owner: owner.clone(),
            duration,
            clip: crate::clips::choose(&prompt, shape),
            cost,
            n: req.n,
            time_factor: model.time_factor,
            can_cancel: model.can_cancel,
            plan,
            curve,
            cancelled_at: None,
            settled: false,
            create_response: resp.clone(),
        },
    );
    st.order.push(id.clone());
    st.track_created(&owner, &id, active + 1);
    st.counters.tasks_created += 1;
    if let Some(k) = key {
        *st.counters.tasks_per_key.entry(k.clone()).or_default() += 1;
        st.idem.insert((owner, k), (canonical, id));
    }
    json_response(200, &resp)
}

async fn get_task(AxState(sh): AxState<S>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if let Some(r) = auth(&sh, &headers, false) {
        return r;
    }
    if !id.starts_with("task-unified-") {
        return api_error(
            legacy(&sh),
            400,
            "invalid_task_id",
            "Invalid task id: must start with task-unified-",
        );
    }
    let now = sh.clock.now();
    let mut st = sh.lock();
    *st.counters.polls_per_task.entry(id.clone()).or_default() += 1;
    match st.tasks.get(&id) {
        Some(t) if t.owner != caller(&headers) => {
            // Another account's task: EvoLink answers "not your task".
            let l = st.faults.legacy_error_codes;
            drop(st);
            api_error(
                l,
                403,
                "permission_denied",
                "You do not have permission to access this task",
            )
        }
        Some(t) => json_response(200, &st.task_json(&sh.cfg, &sh.base, t, now, true)),
        None => {
            let l = st.faults.legacy_error_codes;
            drop(st);
            api_error(l, 404, "task_not_found", &format!("Task {id} not found"))
        }
    }
}

/// `page` (from 1) and the page size (1 to 100, default 20) under the first of `size_keys`
/// present: the task list says `page_size`, the file list `pageSize` (and accepts both).
fn paging(q: &HashMap<String, String>, size_keys: &[&str]) -> (usize, usize) {
    let page = q
        .get("page")
        .and_then(|p| p.parse().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let size = size_keys
        .iter()
        .find_map(|k| q.get(*k))
        .and_then(|p| p.parse().ok())
        .unwrap_or(20)
        .clamp(1, 100);
    (page, size)
}

async fn list_tasks(
    AxState(sh): AxState<S>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(r) = auth(&sh, &headers, false) {
        return r;
    }
    let (page, size) = paging(&q, &["page_size"]);
    let who = caller(&headers);
    let now = sh.clock.now();
    let st = sh.lock();
    let all: Vec<Value> = st
        .order
        .iter()
        .rev()
        .filter_map(|id| st.tasks.get(id))
        .filter(|t| t.owner == who)
        .map(|t| st.task_json(&sh.cfg, &sh.base, t, now, false))
        .filter(|t| matches_filter(&q, "status", t))
        .filter(|t| matches_filter(&q, "type", t))
        .filter(|t| matches_filter(&q, "model", t))
        .collect();
    let total = all.len();
    let data: Vec<Value> = all.into_iter().skip((page - 1) * size).take(size).collect();
    json_response(
        200,
        &json!({ "data": data, "total": total, "page": page, "page_size": size }),
    )
}

/// A list filter: absent or empty matches everything.
fn matches_filter(q: &HashMap<String, String>, field: &str, t: &Value) -> bool {
    match q.get(field) {
        Some(want) if !want.is_empty() => t[field] == want.as_str(),
        _ => true,
    }
}

async fn batch(AxState(sh): AxState<S>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(r) = auth(&sh, &headers, false) {
        return r;
    }
    let ids: Vec<String> = match serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("task_ids").cloned())
    {
        Some(Value::Array(a)) if a.iter().all(Value::is_string) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => return bad(&sh, "task_ids must be an array of task ids"),
    };
    if ids.is_empty() || ids.len() > 50 {
        return bad(&sh, "task_ids must contain 1 to 50 ids");
    }
    let who = caller(&headers);
    let now = sh.clock.now();
    let mut st = sh.lock();
    let mut data = Vec::new();
    for id in &ids {
        *st.counters.polls_per_task.entry(id.clone()).or_default() += 1;
        if let Some(t) = st.tasks.get(id).filter(|t| t.owner == who) {
            data.push(st.task_json(&sh.cfg, &sh.base, t, now, true));
        }
    }
    json_response(200, &json!({ "data": data }))
}

async fn credits(AxState(sh): AxState<S>, headers: HeaderMap) -> Response {
    if let Some(r) = auth(&sh, &headers, false) {
        return r;
    }
    let st = sh.lock();
    json_response(
        200,
        &json!({ "success": true, "message": "", "data": {
            "token": { "remaining_credits": st.balance, "unlimited_credits": true, "used_credits": st.used },
            "user": { "remaining_credits": st.balance, "used_credits": st.used } } }),
    )
}

async fn models(AxState(sh): AxState<S>, headers: HeaderMap) -> Response {
    if let Some(r) = auth(&sh, &headers, false) {
        return r;
    }
    let data: Vec<Value> = crate::models::MODELS
        .iter()
        .map(|m| m.id)
        .chain(OTHER_LISTED_MODELS.iter().copied())
        .filter(|m| !sh.cfg.unavailable_models.iter().any(|u| u == *m))
        .map(|m| json!({ "id": m, "object": "model", "owned_by": "evolink", "created": 1_757_000_000 }))
        .collect();
    json_response(200, &json!({ "object": "list", "data": data }))
}

fn sniff(b: &[u8]) -> Option<&'static str> {
    if b.starts_with(&[0x89, b'P', b'N', b'G']) {
        Some("image/png")
    } else if b.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else if b.len() >= 12 && &b[0..4] == b"RIFF" && &b[8..12] == b"WEBP" {
        Some("image/webp")
    } else if b.starts_with(b"GIF8") {
        Some("image/gif")
    } else {
        None
    }
}

fn safe_name(n: &str) -> String {
    let s: String = n
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    if s.is_empty() {
        "file".into()
    } else {
        s
    }
}

/// Stores an uploaded file and answers with the success envelope (or a file-API failure).
fn store_file(
    sh: &Shared,
    bytes: Vec<u8>,
    name: Option<String>,
    upload_path: Option<String>,
) -> Response {
    if bytes.is_empty() {
        return file_error(400, 400, "No file provided");
    }
    if bytes.len() > MAX_UPLOAD {
        return file_error(413, 413, "File too large: the limit is 10 MB");
    }
    let Some(mime) = sniff(&bytes) else {
        // The real file API reports this inside HTTP 200.
        return file_error(
            200,
            400,
            "Unsupported file type. Allowed: image/jpeg, image/png, image/gif, image/webp",
        );
    };
    let now = sh.clock.now();
    let ttl = sh.cfg.file_ttl.as_secs_f64();
    let mut st = sh.lock();
    let live = st
        .files
        .values()
        .filter(|f| now - f.uploaded <= ttl)
        .count() as u64;
    if live >= sh.cfg.max_files {
        return file_error(200, 403, "File quota exceeded");
    }
    let id = format!("file_{}", st.rand_id(12));
    let ext = mime.trim_start_matches("image/").replace("jpeg", "jpg");
    let original = name.unwrap_or_else(|| format!("upload.{ext}"));
    let stored = safe_name(&original);
    let path = upload_path
        .map(|p| safe_name(&p))
        .unwrap_or_else(|| "images".into());
    let f = FileRec {
        id: id.clone(),
        name: stored.clone(),
        original_name: original.clone(),
        mime: mime.into(),
        upload_path: path.clone(),
        bytes: Arc::new(bytes),
        uploaded: now,
    };
    let size = f.bytes.len();
    st.files.insert(id.clone(), f);
    st.counters.uploads += 1;
    json_response(
        200,
        &json!({ "success": true, "code": 200, "msg": "File uploaded successfully", "data": {
            "file_id": id, "file_name": stored, "original_name": original, "file_size": size, "mime_type": mime,
            "upload_path": path, "file_url": format!("{}/files/{path}/{id}/{stored}", sh.base),
            "download_url": format!("{}/api/v1/files/download/{id}", sh.base),
            "upload_time": iso8601(now), "expires_at": iso8601(now + ttl) } }),
    )
}

async fn upload_stream(AxState(sh): AxState<S>, headers: HeaderMap, mut mp: Multipart) -> Response {
    if let Some(r) = auth(&sh, &headers, true) {
        return r;
    }
    let (mut file, mut name, mut path, mut fname) = (None, None, None, None);
    loop {
        match mp.next_field().await {
            Ok(Some(field)) => {
                let fieldname = field.name().unwrap_or("").to_string();
                match fieldname.as_str() {
                    "file" => {
                        fname = field.file_name().map(str::to_string);
                        match field.bytes().await {
                            Ok(b) => file = Some(b.to_vec()),
                            Err(_) => {
                                return file_error(400, 400, "Could not read the uploaded file")
                            }
                        }
                    }
                    "upload_path" | "uploadPath" => path = field.text().await.ok(),
                    "file_name" | "fileName" => name = field.text().await.ok(),
                    _ => {}
                }
            }
            Ok(None) => break,
            Err(_) => return file_error(400, 400, "Malformed multipart body"),
        }
    }
    match file {
        Some(b) => store_file(&sh, b, name.or(fname), path),
        None => file_error(400, 400, "No file provided (multipart part \"file\")"),
    }
}

async fn upload_base64(AxState(sh): AxState<S>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(r) = auth(&sh, &headers, true) {
        return r;
    }
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return file_error(400, 400, "Request body must be valid JSON");
    };
    let Some(data) = v.get("base64_data").and_then(Value::as_str) else {
        return file_error(400, 400, "base64_data is required");
    };
    let raw = match data.strip_prefix("data:") {
        Some(rest) => match rest.split_once(";base64,") {
            Some((_, b)) => b,
            None => return file_error(200, 400, "Invalid data URL"),
        },
        None => data,
    };
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(raw.trim()) else {
        return file_error(200, 400, "Invalid base64 data");
    };
    let name = v
        .get("file_name")
        .or_else(|| v.get("fileName"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let path = v
        .get("upload_path")
        .or_else(|| v.get("uploadPath"))
        .and_then(Value::as_str)
        .map(str::to_string);
    store_file(&sh, bytes, name, path)
}

async fn upload_url(AxState(sh): AxState<S>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(r) = auth(&sh, &headers, true) {
        return r;
    }
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return file_error(400, 400, "Request body must be valid JSON");
    };
    let Some(u) = v.get("file_url").and_then(Value::as_str) else {
        return file_error(400, 400, "file_url is required");
    };
    // The mock has no internet: it can only "download" its own files.
    let now = sh.clock.now();
    let found = {
        let st = sh.lock();
        file_from_url(&sh, &st, u, now)
    };
    match found {
        Some(f) => {
            let name = v
                .get("file_name")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or(Some(f.original_name.clone()));
            let path = v
                .get("upload_path")
                .and_then(Value::as_str)
                .map(str::to_string);
            store_file(&sh, f.bytes.to_vec(), name, path)
        }
        None => file_error(200, 400, &format!("Failed to download file from URL: {u}")),
    }
}

async fn file_quota(AxState(sh): AxState<S>, headers: HeaderMap) -> Response {
    if let Some(r) = auth(&sh, &headers, true) {
        return r;
    }
    let now = sh.clock.now();
    let ttl = sh.cfg.file_ttl.as_secs_f64();
    let used = sh
        .lock()
        .files
        .values()
        .filter(|f| now - f.uploaded <= ttl)
        .count() as u64;
    json_response(
        200,
        &json!({ "success": true, "code": 200, "data": { "user_group": "default", "used_files": used,
            "max_files": sh.cfg.max_files, "remain_files": sh.cfg.max_files.saturating_sub(used),
            "is_custom": false, "quota_reason": "" } }),
    )
}

async fn file_list(
    AxState(sh): AxState<S>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(r) = auth(&sh, &headers, true) {
        return r;
    }
    let (page, size) = paging(&q, &["pageSize", "page_size"]);
    let now = sh.clock.now();
    let ttl = sh.cfg.file_ttl.as_secs_f64();
    let st = sh.lock();
    let mut live: Vec<&FileRec> = st
        .files
        .values()
        .filter(|f| now - f.uploaded <= ttl)
        .collect();
    live.sort_by(|a, b| b.uploaded.total_cmp(&a.uploaded).then(a.id.cmp(&b.id)));
    let files: Vec<Value> = live
        .iter()
        .skip((page - 1) * size)
        .take(size)
        .map(|f| json!({ "file_id": f.id, "file_name": f.name, "file_size": f.bytes.len(), "upload_time": iso8601(f.uploaded) }))
        .collect();
    json_response(
        200,
        &json!({ "success": true, "code": 200, "msg": "success", "data": { "total": live.len(), "files": files } }),
    )
}

async fn file_delete(
    AxState(sh): AxState<S>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Some(r) = auth(&sh, &headers, true) {
        return r;
    }
    match sh.lock().files.remove(&id) {
        Some(_) => json_response(
            200,
            &json!({ "success": true, "code": 200, "msg": "File deleted" }),
        ),
        None => file_error(404, 404, "File not found"),
    }
}

fn serve_file(sh: &Shared, id: &str) -> Response {
    let now = sh.clock.now();
    let f = sh.lock().files.get(id).cloned();
    match f {
        Some(f) if now - f.uploaded <= sh.cfg.file_ttl.as_secs_f64() => {
            let mut r = Response::new(Body::from(f.bytes.to_vec()));
            if let Ok(v) = HeaderValue::from_str(&f.mime) {
                r.headers_mut().insert(header::CONTENT_TYPE, v);
            }
            r
        }
        _ => file_error(404, 404, "File not found or expired"),
    }
}

async fn file_download(AxState(sh): AxState<S>, Path(id): Path<String>) -> Response {
    serve_file(&sh, &id)
}

async fn file_by_url(AxState(sh): AxState<S>, Path(rest): Path<String>) -> Response {
    let segs: Vec<&str> = rest.split('/').collect();
    if segs.len() < 2 {
        return file_error(404, 404, "File not found");
    }
    let id = segs[segs.len() - 2];
    let path_ok = sh
        .lock()
        .files
        .get(id)
        .is_some_and(|f| segs[..segs.len() - 2].join("/") == f.upload_path);
    if !path_ok {
        return file_error(404, 404, "File not found");
    }
    serve_file(&sh, id)
}

fn s3_error(status: StatusCode, code: &str, msg: &str) -> Response {
    let body = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{msg}</Message></Error>");
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    r
}

/// Parses a single `bytes=` range against `len`. `Err(())` = unsatisfiable, `Ok(None)` = serve all.
fn parse_range(h: &str, len: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(spec) = h.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None); // multiple ranges: allowed to answer with the whole file
    }
    let Some((a, b)) = spec.split_once('-') else {
        return Ok(None);
    };
    let (a, b) = (a.trim(), b.trim());
    if a.is_empty() {
        let n: u64 = b.parse().map_err(|_| ())?;
        if n == 0 || len == 0 {
            return Err(());
        }
        return Ok(Some((len.saturating_sub(n), len - 1)));
    }
    let start: u64 = a.parse().map_err(|_| ())?;
    if start >= len {
        return Err(());
    }
    let end = if b.is_empty() {
        len - 1
    } else {
        b.parse::<u64>().map_err(|_| ())?.min(len - 1)
    };
    if end < start {
        return Err(());
    }
    Ok(Some((start, end)))
}

async fn media(AxState(sh): AxState<S>, headers: HeaderMap, Path(name): Path<String>) -> Response {
    let has_ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|s| !s.trim().is_empty());
    {
        let mut st = sh.lock();
        st.counters.media_requests += 1;
        if headers.contains_key(header::AUTHORIZATION) {
            st.counters.media_requests_with_auth += 1;
        }
        if !has_ua {
            st.counters.media_requests_without_user_agent += 1;
        }
    }
    if !has_ua {
        return s3_error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "Requests without a User-Agent are not allowed",
        );
    }
    let Some(stem) = name.strip_suffix(".mp4") else {
        return s3_error(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist.",
        );
    };
    // `<id>_<i>.mp4` is the i-th video of a task that made several (see `media_urls`).
    let (id, index) = match stem.split_once('_') {
        // `_1` is not a name of the first video: that one is `<id>.mp4`.
        Some((id, i)) => (id, i.parse::<u32>().ok().filter(|i| *i >= 2).unwrap_or(0)),
        None => (stem, 1),
    };
    let now = sh.clock.now();
    let (done_at, clip) = {
        let st = sh.lock();
        match st.tasks.get(id) {
            Some(t)
                if !matches!(t.plan, Plan::Complete { empty: true })
                    && (1..=t.n.max(1)).contains(&index) =>
            {
                match st.phase(&sh.cfg, t, now) {
                    Phase::Completed { at } => (at, t.clip),
                    _ => {
                        return s3_error(
                            StatusCode::NOT_FOUND,
                            "NoSuchKey",
                            "The specified key does not exist.",
                        )
                    }
                }
            }
            _ => {
                return s3_error(
                    StatusCode::NOT_FOUND,
                    "NoSuchKey",
                    "The specified key does not exist.",
                )
            }
        }
    };
    if now - done_at > sh.cfg.result_ttl.as_secs_f64() {
        return s3_error(StatusCode::FORBIDDEN, "AccessDenied", "Request has expired");
    }
    let data = match &sh.cfg.media_file {
        Some(file) => file.clone(),
        None => Bytes::from_static(clip.bytes),
    };
    let len = data.len() as u64;
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(|h| parse_range(h, len));
    let mut r = match range {
        Some(Err(())) => {
            let mut r = s3_error(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "InvalidRange",
                "The requested range is not satisfiable",
            );
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                r.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return r;
        }
        Some(Ok(Some((a, b)))) => {
            let mut r = Response::new(Body::from(data.slice(a as usize..=b as usize)));
            *r.status_mut() = StatusCode::PARTIAL_CONTENT;
            if let Ok(v) = HeaderValue::from_str(&format!("bytes {a}-{b}/{len}")) {
                r.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            r.headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(b - a + 1));
            r
        }
        _ => {
            let mut r = Response::new(Body::from(data));
            r.headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
            r
        }
    };
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("video/mp4"));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::ETAG, HeaderValue::from_static("\"sample-v1\""));
    r
}

async fn admin_counters(AxState(sh): AxState<S>) -> Response {
    let c = sh.lock().counters.clone();
    json_response(200, &serde_json::to_value(c).unwrap_or(Value::Null))
}

async fn admin_get_faults(AxState(sh): AxState<S>) -> Response {
    let f = sh.lock().faults.clone();
    json_response(200, &serde_json::to_value(f).unwrap_or(Value::Null))
}

async fn admin_put_faults(AxState(sh): AxState<S>, body: Bytes) -> Response {
    match serde_json::from_slice::<Faults>(&body) {
        Ok(f) => {
            sh.lock().faults = f;
            json_response(200, &json!({ "ok": true }))
        }
        Err(e) => json_response(400, &json!({ "ok": false, "error": e.to_string() })),
    }
}

async fn admin_cancel(AxState(sh): AxState<S>, Path(id): Path<String>) -> Response {
    if crate::cancel(&sh, &id) {
        json_response(200, &json!({ "ok": true }))
    } else {
        json_response(
            404,
            &json!({ "ok": false, "error": "no running task with that id" }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-99", 1000), Ok(Some((0, 99))));
        assert_eq!(parse_range("bytes=900-", 1000), Ok(Some((900, 999))));
        assert_eq!(parse_range("bytes=-100", 1000), Ok(Some((900, 999))));
        assert_eq!(parse_range("bytes=990-5000", 1000), Ok(Some((990, 999))));
        assert_eq!(parse_range("bytes=1000-", 1000), Err(()));
        assert_eq!(parse_range("bytes=5-2", 1000), Err(()));
        assert_eq!(parse_range("bytes=0-1,5-6", 1000), Ok(None));
        assert_eq!(parse_range("items=0-1", 1000), Ok(None));
    }

    #[test]
    fn callback_rules() {
        assert!(callback_problem("https://hooks.example.com/x").is_none());
        for u in [
            "http://a.example/x",
            "https://localhost/x",
            "https://127.0.0.1/x",
            "https://10.2.3.4/",
            "https://192.168.0.1/",
            "https://169.254.1.1/",
            "https://[::1]/",
            "https://[fd00::2]/",
            "https://[::ffff:192.168.1.1]/",
            "https://0.0.0.0/",
        ] {
            assert!(callback_problem(u).is_some(), "{u}");
        }
    }

    #[test]
    fn endpoints() {
        assert_eq!(
            endpoint_of(&Method::GET, "/v1/tasks/task-unified-1-a"),
            "get_task"
        );
        assert_eq!(endpoint_of(&Method::POST, "/v1/tasks/batch"), "batch");
        assert_eq!(endpoint_of(&Method::DELETE, "/v1/tasks/x"), "unknown");
        assert_eq!(endpoint_of(&Method::GET, "/media/x.mp4"), "media");
    }
}
