//! One error type for everything the client can report, with a stable machine code per kind,
//! whether retrying helps, a plain-words message for people, and the technical detail (status,
//! EvoLink's own code, request id) for support.

use std::fmt;
use std::time::Duration;

pub use sora_words::Words;

/// What went wrong, in the terms the app must tell apart. [`ErrorKind::code`] is stable: the UI
/// switches on it, never on the English text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Missing, wrong, expired key, or a key not allowed to do this.
    BadKey,
    /// Balance or key limit too low.
    NoCredits,
    /// The model is not offered (any more) or this key may not use it.
    ModelUnavailable,
    /// Blocked by the safety filters.
    ModerationBlocked,
    /// Something in the request is not acceptable (refused before sending, or by the server).
    InvalidInput,
    /// The reference image was refused (size, type, unreadable).
    ImageRejected,
    /// Too many requests; wait and try again.
    RateLimited,
    /// EvoLink (or something in front of it) had a problem; trying later usually helps.
    ServerTrouble,
    /// No connection, DNS failure, timeout before anything was sent.
    NetworkDown,
    /// A paid request may or may not have been accepted: the answer was lost.
    OutcomeUnknown,
    /// The task or its result link is gone (results live 24 hours, tasks are purged later).
    Expired,
    /// Unknown task, file or address.
    NotFound,
    /// The task was cancelled or interrupted.
    Cancelled,
}

impl ErrorKind {
    /// All kinds, for tests and for generating UI tables.
    pub const ALL: [ErrorKind; 13] = [
        ErrorKind::BadKey,
        ErrorKind::NoCredits,
        ErrorKind::ModelUnavailable,
        ErrorKind::ModerationBlocked,
        ErrorKind::InvalidInput,
        ErrorKind::ImageRejected,
        ErrorKind::RateLimited,
        ErrorKind::ServerTrouble,
        ErrorKind::NetworkDown,
        ErrorKind::OutcomeUnknown,
        ErrorKind::Expired,
        ErrorKind::NotFound,
        ErrorKind::Cancelled,
    ];

    /// Stable machine code, e.g. `no_credits`.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::BadKey => "bad_key",
            ErrorKind::NoCredits => "no_credits",
            ErrorKind::ModelUnavailable => "model_unavailable",
            ErrorKind::ModerationBlocked => "moderation_blocked",
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::ImageRejected => "image_rejected",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::ServerTrouble => "server_trouble",
            ErrorKind::NetworkDown => "network_down",
            ErrorKind::OutcomeUnknown => "outcome_unknown",
            ErrorKind::Expired => "expired",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Cancelled => "cancelled",
        }
    }

    /// Whether doing the same thing again later can succeed without the user changing anything.
    /// `OutcomeUnknown` is not: resubmitting blindly may pay twice (resubmit only with the same
    /// idempotency key, or after checking).
    pub fn retryable(self) -> bool {
        matches!(
            self,
            ErrorKind::RateLimited | ErrorKind::ServerTrouble | ErrorKind::NetworkDown
        )
    }

    /// The words saying what happened and what to do next: the catalogue's `problem.<code>`.
    pub fn default_words(self) -> Words {
        Words::new(match self {
            ErrorKind::BadKey => "problem.bad_key",
            ErrorKind::NoCredits => "problem.no_credits",
            ErrorKind::ModelUnavailable => "problem.model_unavailable",
            ErrorKind::ModerationBlocked => "problem.moderation_blocked",
            ErrorKind::InvalidInput => "problem.invalid_input",
            ErrorKind::ImageRejected => "problem.image_rejected",
            ErrorKind::RateLimited => "problem.rate_limited",
            ErrorKind::ServerTrouble => "problem.server_trouble",
            ErrorKind::NetworkDown => "problem.network_down",
            ErrorKind::OutcomeUnknown => "problem.outcome_unknown",
            ErrorKind::Expired => "problem.expired",
            ErrorKind::NotFound => "problem.not_found",
            ErrorKind::Cancelled => "problem.cancelled",
        })
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The one error type of this crate.
///
/// `Display` is the message for people in English (logs, the CLI); the technical detail is in the other fields and in
/// `Debug`. Nothing in it ever contains the API key (the key never goes into a URL or a body).
#[derive(Clone, Debug, thiserror::Error)]
#[error("{}", message.english())]
pub struct Error {
    kind: ErrorKind,
    /// Boxed: the error travels in every `Result` of the client, and stays small.
    message: Box<Words>,
    retryable: bool,
    /// HTTP status, when there was a response.
    status: Option<u16>,
    /// EvoLink's own error code (`insufficient_quota`, `content_policy_violation`, or a legacy
    /// integer rendered as text).
    api_code: Option<String>,
    /// Technical text: EvoLink's message, a short excerpt of a non-JSON body, a transport error.
    detail: Option<String>,
    /// `x-request-id` (or `x-oneapi-request-id`) of the response, for support.
    request_id: Option<String>,
    /// How long the server asked us to wait.
    retry_after: Option<Duration>,
}

impl Error {
    /// An error of `kind` with specific words.
    pub fn new(kind: ErrorKind, message: Words) -> Self {
        Error {
            kind,
            message: Box::new(message),
            retryable: kind.retryable(),
            status: None,
            api_code: None,
            detail: None,
            request_id: None,
            retry_after: None,
        }
    }

    /// An error of `kind` with the kind's default message.
    pub fn of(kind: ErrorKind) -> Self {
        Error::new(kind, kind.default_words())
    }

    // Builders, for callers that report their own failures in the same shape (downloads).
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }
    pub fn with_api_code(mut self, code: Option<String>) -> Self {
        self.api_code = code;
        self
    }
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        let d = detail.into();
        self.detail = if d.is_empty() { None } else { Some(d) };
        self
    }
    pub fn with_request_id(mut self, id: Option<String>) -> Self {
        if id.is_some() {
            self.request_id = id;
        }
        self
    }
    pub fn with_retry_after(mut self, d: Option<Duration>) -> Self {
        self.retry_after = d;
        self
    }
    pub fn with_retryable(mut self, r: bool) -> Self {
        self.retryable = r;
        self
    }
    pub(crate) fn into_kind(mut self, kind: ErrorKind, message: Words) -> Self {
        self.kind = kind;
        self.message = Box::new(message);
        self.retryable = kind.retryable();
        self
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    /// Stable machine code of the kind (`bad_key`, `outcome_unknown`, ...).
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }
    /// The words for people (`Display` is their English).
    pub fn message(&self) -> &Words {
        &self.message
    }
    /// Whether trying the same thing again later can help.
    pub fn retryable(&self) -> bool {
        self.retryable
    }
    pub fn status(&self) -> Option<u16> {
        self.status
    }
    pub fn api_code(&self) -> Option<&str> {
        self.api_code.as_deref()
    }
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// One line for logs and "copy details for support": kind, status, EvoLink code, request id,
    /// detail. Safe to log: it never contains the key.
    pub fn support_line(&self) -> String {
        let mut s = format!("[{}]", self.code());
        if let Some(st) = self.status {
            s.push_str(&format!(" http {st}"));
        }
        if let Some(c) = &self.api_code {
            s.push_str(&format!(" code={c}"));
        }
        if let Some(r) = &self.request_id {
            s.push_str(&format!(" request_id={r}"));
        }
        if let Some(d) = &self.detail {
            s.push_str(&format!(" {d}"));
        }
        s
    }

    /// Maps the `error.code` of a failed task (contract §6) to a kind and a plain message.
    pub fn from_task_failure(code: &str, message: Option<&str>) -> Self {
        let (kind, key, retryable): (ErrorKind, Words, bool) = match code {
            "content_policy_violation" => (
                ErrorKind::ModerationBlocked,
                Words::new("problem.moderation_blocked.task"),
                false,
            ),
            "invalid_parameters" => (
                ErrorKind::InvalidInput,
                Words::new("problem.invalid_input.task"),
                false,
            ),
            "image_processing_error" => (
                ErrorKind::ImageRejected,
                Words::new("problem.image_rejected.unreadable"),
                false,
            ),
            "image_dimension_mismatch" => (
                ErrorKind::ImageRejected,
                Words::new("problem.image_rejected.frame_size"),
                false,
            ),
            "request_cancelled" => (ErrorKind::Cancelled, Words::new("problem.cancelled"), false),
            "generation_failed_no_content" => (
                ErrorKind::ServerTrouble,
                Words::new("problem.server_trouble.no_content"),
                true,
            ),
            "service_error" => (
                ErrorKind::ServerTrouble,
                Words::new("problem.server_trouble.service"),
                true,
            ),
            "generation_timeout" => (
                ErrorKind::ServerTrouble,
                Words::new("problem.server_trouble.timeout"),
                true,
            ),
            "resource_exhausted" | "service_unavailable" => (
                ErrorKind::ServerTrouble,
                Words::new("problem.server_trouble.overloaded"),
                true,
            ),
            "quota_exceeded" => (
                ErrorKind::RateLimited,
                Words::new("problem.rate_limited.quota"),
                true,
            ),
            "resource_not_found" => (
                ErrorKind::Expired,
                Words::new("problem.expired.task"),
                false,
            ),
            "empty_results" => (
                ErrorKind::ServerTrouble,
                Words::new("problem.server_trouble.no_file"),
                true,
            ),
            // unknown_error and anything new: unclassified server-side failure.
            _ => (
                ErrorKind::ServerTrouble,
                Words::new("problem.server_trouble.unexplained"),
                true,
            ),
        };
        let mut e = Error::new(kind, key)
            .with_api_code(Some(code.to_string()))
            .with_retryable(retryable);
        if let Some(m) = message {
            e = e.with_detail(m.to_string());
        }
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_stable() {
        let codes: std::collections::BTreeSet<&str> =
            ErrorKind::ALL.iter().map(|k| k.code()).collect();
        assert_eq!(codes.len(), ErrorKind::ALL.len());
        for c in [
            "bad_key",
            "no_credits",
            "model_unavailable",
            "moderation_blocked",
            "invalid_input",
            "image_rejected",
            "rate_limited",
            "server_trouble",
            "network_down",
            "outcome_unknown",
            "expired",
        ] {
            assert!(codes.contains(c), "{c}");
        }
    }

    #[test]
    fn messages_are_plain_words() {
        for k in ErrorKind::ALL {
            assert_eq!(k.default_words().key, format!("problem.{}", k.code()));
            let m = k.default_words().english();
            assert_ne!(m, k.default_words().key, "{k}: no words in the catalogue");
            for jargon in [
                "HTTP", "JSON", "status", "null", "40", "50", "task id", "API call",
            ] {
                assert!(!m.contains(jargon), "{k}: {m}");
            }
            assert!(m.ends_with('.'), "{k}");
        }
        assert!(
            !ErrorKind::OutcomeUnknown.retryable(),
            "never blindly resubmit a paid call"
        );
        assert!(ErrorKind::RateLimited.retryable() && ErrorKind::NetworkDown.retryable());
        assert!(!ErrorKind::BadKey.retryable() && !ErrorKind::NoCredits.retryable());
    }

    #[test]
    fn task_failure_table_of_the_contract() {
        let table: &[(&str, &str, bool)] = &[
            ("content_policy_violation", "moderation_blocked", false),
            ("invalid_parameters", "invalid_input", false),
            ("image_processing_error", "image_rejected", false),
            ("image_dimension_mismatch", "image_rejected", false),
            ("request_cancelled", "cancelled", false),
            ("generation_failed_no_content", "server_trouble", true),
            ("service_error", "server_trouble", true),
            ("generation_timeout", "server_trouble", true),
            ("resource_exhausted", "server_trouble", true),
            ("quota_exceeded", "rate_limited", true),
            ("service_unavailable", "server_trouble", true),
            ("resource_not_found", "expired", false),
            ("unknown_error", "server_trouble", true),
            ("something_new_2027", "server_trouble", true),
        ];
        for (code, kind, retry) in table {
            let e = Error::from_task_failure(code, Some("upstream said no"));
            assert_eq!(e.code(), *kind, "{code}");
            assert_eq!(e.retryable(), *retry, "{code}");
            assert_eq!(e.api_code(), Some(*code));
            assert_eq!(e.detail(), Some("upstream said no"));
            assert!(
                e.message().key.starts_with(&format!("problem.{kind}")),
                "{code}: {:?}",
                e.message()
            );
            let english = e.message().english();
            assert_ne!(
                english,
                e.message().key,
                "{code}: no words in the catalogue"
            );
            assert!(
                !english.contains(code),
                "{code}: message must be plain words"
            );
        }
    }

    #[test]
    fn support_line_has_the_technical_bits() {
        let e = Error::of(ErrorKind::NoCredits)
            .with_status(402)
            .with_api_code(Some("insufficient_quota".into()))
            .with_request_id(Some("req-1".into()))
            .with_detail("Insufficient quota");
        assert_eq!(
            e.support_line(),
            "[no_credits] http 402 code=insufficient_quota request_id=req-1 Insufficient quota"
        );
        assert_eq!(
            e.to_string(),
            ErrorKind::NoCredits.default_words().english()
        );
        assert_eq!(
            e.to_string(),
            "Your EvoLink balance is too low for this video. Top up your account, then try again."
        );
    }
}
