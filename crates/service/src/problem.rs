//! The one shape of failure the app shows: a stable `code` the UI switches on, a `message` as
//! words (a catalogue key and its parameters, `problem.<code>` or one of its variants) that say
//! what to do next, and whether trying again may help.

use serde::Serialize;
pub use sora_words::Words;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub code: &'static str,
    pub message: Words,
    pub retryable: bool,
    /// The choice at fault, when one is (`duration`, `quality`, `aspect`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
    /// Other models to offer when this one cannot be used (manifest ids).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<String>,
}

impl Problem {
    pub fn new(code: &'static str, message: Words, retryable: bool) -> Self {
        Problem {
            code,
            message,
            retryable,
            field: None,
            alternatives: Vec::new(),
        }
    }

    /// The UI sent something the backend refuses (a bug or a hostile page, never a person).
    pub fn invalid(message: Words) -> Self {
        Problem::new("invalid_argument", message, false)
    }

    pub fn internal(message: Words) -> Self {
        Problem::new("internal", message, false)
    }
}

/// Runs blocking work (decoding, files, SQLite) off the async threads. Should it panic, the
/// person sees `if_it_breaks` instead of a hung or crashed app.
pub(crate) async fn off_thread<T, E>(
    if_it_breaks: Words,
    work: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, Problem>
where
    T: Send + 'static,
    E: Into<Problem> + Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(done) => done.map_err(Into::into),
        Err(_) => Err(Problem::internal(if_it_breaks)),
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Problem {}

impl From<evolink::Error> for Problem {
    fn from(e: evolink::Error) -> Self {
        Problem::new(e.code(), e.message().clone(), e.retryable())
    }
}

impl From<sora_engine::EngineError> for Problem {
    fn from(e: sora_engine::EngineError) -> Self {
        use sora_engine::{EngineError, StoreError};
        let message = e.words();
        let retryable = matches!(e, EngineError::Store(StoreError::Sqlite(_)));
        Problem::new(e.code(), message, retryable)
    }
}

impl From<sora_engine::StoreError> for Problem {
    fn from(e: sora_engine::StoreError) -> Self {
        sora_engine::EngineError::Store(e).into()
    }
}

impl From<sora_keychain::VaultError> for Problem {
    fn from(e: sora_keychain::VaultError) -> Self {
        Problem::new(e.code(), e.words(), e.retryable())
    }
}

impl From<sora_preflight::PreflightError> for Problem {
    fn from(e: sora_preflight::PreflightError) -> Self {
        Problem::new(e.code(), e.words(), false)
    }
}
