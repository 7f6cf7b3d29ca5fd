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

/// Why a waiting task has not gone on to its paid call yet (`engine/queue.rs`).
pub(crate) fn waiting_for_slot(max_active: u32) -> Trouble {
    let videos = if max_active == 1 {
        "1 video is".to_string()
    } else {
        format!("{max_active} videos are")
    };
    Trouble::note(
        "waiting_for_slot",
        &format!("Waiting for a free slot: {videos} being made at once for this account (you can change that in Settings). Nothing is paid until it starts."),
    )
}

pub(crate) fn spend_limit(estimate: f64, limit: f64, spent: f64) -> Trouble {
    Trouble::note(
        "spend_limit",
        &format!("Waiting: this video (about {} credits) would pass today's spend limit of {} credits ({} spent so far). Raise the limit in Settings to let it go, or it starts tomorrow.", credits(estimate), credits(limit), credits(spent)),
    )
}

pub(crate) fn queue_paused() -> Trouble {
    Trouble::note(
        "queue_paused",
        "Waiting: the queue is paused. Resume it to start this video; nothing is paid until then.",
    )
}

/// Credits as people read them: whole numbers without decimals, otherwise two.
fn credits(n: f64) -> String {
    if (n - n.round()).abs() < 0.005 {
        format!("{}", n.round() as i64)
    } else {
        format!("{n:.2}")
    }
}
