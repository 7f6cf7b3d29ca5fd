//! Why a task waits: a code the UI has words and a next step for, a message for people, and
//! what the engine needs to schedule the next try.

use std::time::Duration;

use evolink::{Error as ApiError, ErrorKind};

/// The code of the note shown while the store cannot be written.
pub(crate) const STORAGE: &str = "storage";

/// Why a step must be tried again later.
#[derive(Debug, Clone)]
pub struct Trouble {
    pub code: String,
    pub message: String,
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
            message: e.message().to_string(),
            request_id: e.request_id().map(str::to_string),
            retry_after: e.retry_after(),
            key_refused: e.kind() == ErrorKind::BadKey,
            at_once: false,
        }
    }
}

impl Trouble {
    fn note(code: &str, message: &str) -> Self {
        Trouble {
            code: code.to_string(),
            message: message.to_string(),
            request_id: None,
            retry_after: None,
            key_refused: false,
            at_once: true,
        }
    }

    /// As the `(code, message, retryable)` recorded with a task.
    pub(crate) fn into_error(self) -> (String, String, bool) {
        (self.code, self.message, true)
    }
}

/// The paid call's answer was lost; the app is finding out whether EvoLink started the video.
pub(crate) fn checking() -> Trouble {
    Trouble::note(
        "checking",
        "EvoLink's answer was lost on the way. Sora Desk is checking with EvoLink whether this video was started; it is never sent again as a new video, so you are not charged twice.",
    )
}

/// A task sent with a key the app no longer has.
pub(crate) fn key_missing() -> Trouble {
    Trouble::note(
        "key_missing",
        "This video was started with an EvoLink key that Sora Desk no longer has. Put that key back in Settings to follow it; EvoLink keeps the video for 24 hours after it is made.",
    )
}

/// EvoLink does not find (or shows to another account) a task it had accepted.
pub(crate) fn task_missing(e: ApiError) -> Trouble {
    let mut trouble = Trouble::from(e);
    trouble.code = "task_trouble".to_string();
    trouble.message = "EvoLink does not find this video right now, although it had accepted it. Sora Desk keeps asking for several hours; there is nothing you need to do.".to_string();
    trouble.key_refused = false;
    trouble
}

/// The store could not be written.
pub(crate) fn storage_message(detail: &str) -> String {
    format!(
        "Sora Desk could not write to its data folder ({detail}). Is the disk full or read-only? Nothing is lost: the app keeps trying, and carries on once it can write again."
    )
}
