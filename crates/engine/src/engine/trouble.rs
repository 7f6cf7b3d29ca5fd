//! Why a task waits: a code the UI has a next step for, words for people, and
//! what the engine needs to schedule the next try.

use std::time::Duration;

use evolink::{Error as ApiError, ErrorKind, Words};

/// The code of the note shown while the store cannot be written.
pub(crate) const STORAGE: &str = "storage";

/// Why a step must be tried again later.
#[derive(Debug, Clone)]
pub struct Trouble {
    pub code: String,
    pub message: Words,
    pub request_id: Option<String>,
    pub retry_after: Option<Duration>,
    /// EvoLink refused the key the step used.
    pub key_refused: bool,
    /// Shown on the task at once (not only from the second error in a row).
    pub at_once: bool,
}

impl From<ApiError> for Trouble {
    fn from(e: ApiError) -> Self {
        Trouble {
            code: e.code().to_string(),
            message: e.message().clone(),
            request_id: e.request_id().map(str::to_string),
            retry_after: e.retry_after(),
            key_refused: e.kind() == ErrorKind::BadKey,
            at_once: false,
        }
    }
}

impl Trouble {
    fn note(code: &str, message: Words) -> Self {
        Trouble {
            code: code.to_string(),
            message,
            request_id: None,
            retry_after: None,
            key_refused: false,
            at_once: true,
        }
    }

    /// As the `(code, message, retryable)` recorded with a task.
    pub(crate) fn into_error(self) -> (String, Words, bool) {
        (self.code, self.message, true)
    }
}

/// The paid call's answer was lost; the app is finding out whether EvoLink started the video.
pub(crate) fn checking() -> Trouble {
    Trouble::note("checking", Words::new("problem.checking"))
}

/// A task sent with a key the app no longer has.
pub(crate) fn key_missing() -> Trouble {
    Trouble::note("key_missing", Words::new("problem.key_missing"))
}

/// EvoLink does not find (or shows to another account) a task it had accepted.
pub(crate) fn task_missing(e: ApiError) -> Trouble {
    let mut trouble = Trouble::from(e);
    trouble.code = "task_trouble".to_string();
    trouble.message = Words::new("problem.task_trouble");
    trouble.key_refused = false;
    trouble
}

/// The store could not be written.
pub(crate) fn storage_message(detail: &str) -> Words {
    Words::new("problem.storage.unwritten").with("detail", detail)
}

/// Why a waiting task has not gone on to its paid call yet (`engine/queue.rs`).
pub(crate) fn waiting_for_slot(max_active: u32) -> Trouble {
    Trouble::note(
        "waiting_for_slot",
        Words::new("problem.waiting_for_slot.count").with("count", max_active),
    )
}

pub(crate) fn spend_limit(estimate: f64, limit: f64, spent: f64) -> Trouble {
    Trouble::note(
        "spend_limit",
        Words::new("problem.spend_limit.amounts")
            .with("estimate", credits(estimate))
            .with("limit", credits(limit))
            .with("spent", credits(spent)),
    )
}

pub(crate) fn queue_paused() -> Trouble {
    Trouble::note("queue_paused", Words::new("problem.queue_paused"))
}

/// Credits as people read them: whole numbers without decimals, otherwise two (the words
/// write the number).
fn credits(n: f64) -> f64 {
    (n * 100.0).round() / 100.0
}
