//! One error type for everything the client can report, with a stable machine code per kind,
//! whether retrying helps, a plain-words message for people, and the technical detail (status,
//! EvoLink's own code, request id) for support.

use std::fmt;
use std::time::Duration;

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

    /// A plain-words message saying what happened and what to do next.
    pub fn default_message(self) -> &'static str {
        match self {
            ErrorKind::BadKey => "EvoLink did not accept your API key. Check the key in Settings, or create a new one in your EvoLink dashboard.",
            ErrorKind::NoCredits => "Your EvoLink balance is too low for this video. Top up your account, then try again.",
            ErrorKind::ModelUnavailable => "This video model is not available right now (it may have been retired, or your key may not be allowed to use it). Pick another model or try again later.",
            ErrorKind::ModerationBlocked => "The video was blocked by the safety filters. Change the prompt or the picture (real people and famous characters are often refused) and try again.",
            ErrorKind::InvalidInput => "Some of the settings for this video are not accepted. Check the prompt, shape and length, then try again.",
            ErrorKind::ImageRejected => "The picture could not be used. Try another picture, or let the app resize it to the exact frame size.",
            ErrorKind::RateLimited => "EvoLink is receiving too many requests from you right now. The app will wait a moment and try again.",
            ErrorKind::ServerTrouble => "EvoLink is having trouble right now. Nothing was lost; try again in a few minutes.",
            ErrorKind::NetworkDown => "Could not reach EvoLink. Check your internet connection; the app will try again when it is back.",
            ErrorKind::OutcomeUnknown => "The connection dropped while EvoLink was receiving your request, so it is not yet known whether the video was started. Sora Desk checks with EvoLink and never sends it again as a new video, so you are not charged twice.",
            ErrorKind::Expired => "This video is no longer available at EvoLink: finished videos can only be fetched for 24 hours.",
            ErrorKind::NotFound => "EvoLink does not know this item. If you changed the API address in Settings, check it.",
            ErrorKind::Cancelled => "The video was cancelled before it finished. You can generate it again.",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The one error type of this crate.
///
/// `Display` is the plain message for people; the technical detail is in the other fields and in
/// `Debug`. Nothing in it ever contains the API key (the key never goes into a URL or a body).
#[derive(Clone, Debug, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: ErrorKind,
    message: String,
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
    /// An error of `kind` with a specific plain message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
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
        Error::new(kind, kind.default_message())
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
    pub(crate) fn into_kind(mut self, kind: ErrorKind, message: &str) -> Self {
        self.kind = kind;
        self.message = message.to_string();
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
    /// Plain message for people (same as `Display`).
    pub fn message(&self) -> &str {
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
        let (kind, text, retryable): (ErrorKind, &str, bool) = match code {
            "content_policy_violation" => (
                ErrorKind::ModerationBlocked,
                "The video was blocked by the safety filters. Describe the scene differently, avoid real people or famous characters, or use another picture.",
                false,
            ),
            "invalid_parameters" => (
                ErrorKind::InvalidInput,
                "EvoLink refused one of the settings (for example a prompt that is too long or a file that is too big). Adjust it and generate again.",
                false,
            ),
            "image_processing_error" => (
                ErrorKind::ImageRejected,
                "EvoLink could not open the picture (unreachable, unsupported or damaged). Try another picture.",
                false,
            ),
            "image_dimension_mismatch" => (
                ErrorKind::ImageRejected,
                "The picture does not have the exact frame size this model needs. Let the app prepare it again and try again.",
                false,
            ),
            "request_cancelled" => (ErrorKind::Cancelled, ErrorKind::Cancelled.default_message(), false),
            "generation_failed_no_content" => (
                ErrorKind::ServerTrouble,
                "The model produced no video this time. Try again, perhaps with a slightly different prompt. You were not charged.",
                true,
            ),
            "service_error" => (
                ErrorKind::ServerTrouble,
                "The video service had an error. Try again in a minute. You were not charged.",
                true,
            ),
            "generation_timeout" => (
                ErrorKind::ServerTrouble,
                "The video took too long to make and was stopped. Try again later. You were not charged.",
                true,
            ),
            "resource_exhausted" | "service_unavailable" => (
                ErrorKind::ServerTrouble,
                "The video service is overloaded right now. Try again in a few minutes. You were not charged.",
                true,
            ),
            "quota_exceeded" => (
                ErrorKind::RateLimited,
                "Too many videos at once, or your key's limit was reached. Wait a little, or top up your account, then try again.",
                true,
            ),
            "resource_not_found" => (ErrorKind::Expired, "EvoLink no longer has this task (it expired or was invalid).", false),
            "empty_results" => (
                ErrorKind::ServerTrouble,
                "EvoLink reported the video as finished but sent no file. Try again; you should not have been charged.",
                true,
            ),
            // unknown_error and anything new: unclassified server-side failure.
            _ => (
                ErrorKind::ServerTrouble,
                "The video could not be made, for a reason EvoLink did not explain. Try again later.",
                true,
            ),
        };
        let mut e = Error::new(kind, text)
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
            let m = k.default_message();
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
                !e.message().contains(code),
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
        assert_eq!(e.to_string(), ErrorKind::NoCredits.default_message());
    }
}
