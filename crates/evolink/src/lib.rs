//! Client for EvoLink's HTTP API as Sora Desk uses it: create a video task, follow it, upload a
//! reference image, read the balance. Typed requests checked before sending, tolerant parsing
//! of answers, one error type with stable codes, retries that never pay twice.
//!
//! No Tauri here: this crate is tested against `evolink-mock` over loopback.

mod client;
mod error;
mod key;
mod model;
pub mod paid;
pub mod parse;
mod types;

pub use client::{
    media_status_error, parse_retry_after, sniff_mime, Client, ClientConfig, MediaClient,
    RetryPolicy, DEFAULT_API_BASE, DEFAULT_FILES_BASE, ENV_API_BASE, ENV_API_KEY, ENV_FILES_BASE,
};
pub use error::{Error, ErrorKind, Words};
pub use key::ApiKey;
pub use model::{validate_callback_url, validate_idempotency_key, VideoRequest};
/// The model manifest the requests are checked against.
pub use sora_models as models;
pub use types::{
    ApiErrorBody, Balance, Created, Credits, FileEntry, FileList, FileQuota, ModelInfo, Task,
    TaskInfo, TaskListQuery, TaskOutcome, TaskPage, TaskStatus, UploadedFile, Usage,
};

/// Re-exported so callers can stream result downloads without naming another reqwest version.
pub use reqwest;

/// Makes rustls's ring provider the process's TLS provider, once (reqwest is built without a
/// provider of its own: the app's HTTP clients and Tauri's updater share this one). Every client
/// this crate makes calls it; code that builds a `reqwest::Client` itself calls it first.
pub fn install_tls() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Err: a provider was installed already (by the updater, say), which serves as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
