//! The life of a task, as a state machine.
//!
//! ```text
//!  preparing ─► waiting ─► uploading ─► submitting ─► queued ─► generating ─► downloading ─► done
//!      │           │  │         │            │  │         │           │          ▲   │
//!      └───────────┴──┼─────────┴────────────┤  └─► outcome_unknown   │          │   └─► expired
//!                     │                      ▼                        │          │
//!                     │                    failed ◄───────────────────┘          │
//!                     └──────────────────────────────────────────────────────────┘
//!                       (a video of another task's call: it waits for that call's results)
//! ```
//!
//! `waiting` is the queue: a task there is recorded and unpaid, and goes on to its paid call
//! only when the queue lets it (a free slot for its account, today's spend limit, not paused).
//!
//! Every step is written to the store *before* its side effect (reading the picture, uploading,
//! the paid create call, downloading), so after a crash the recorded state says exactly what
//! may have happened:
//!
//! - `preparing`, `waiting`, `uploading`: nothing paid yet; resuming simply redoes the step.
//! - `submitting`: before the paid call is sent, the task is durably marked as "sent"
//!   (`create_sent_at`); a certain refusal clears the mark. Resuming a task without the mark
//!   simply sends it (with its idempotency key). A task with the mark may exist upstream, so
//!   it is reconciled: looked up in EvoLink's task list (exactly one unclaimed match is
//!   adopted), otherwise resent with the *same* idempotency key (EvoLink answers a replay with
//!   the task it already made). Only when neither decides after several tries does it become
//!   `outcome_unknown`, from which the person can ask to "look again".
//! - `queued`, `generating`: EvoLink has the task; resuming polls it.
//! - `downloading`: the video exists upstream; resuming continues the download from the bytes
//!   already on disk, until the links expire (then `expired`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    /// Recorded; the reference picture (if any) is being prepared.
    Preparing,
    /// Prepared and unpaid: waits its turn in the queue before the paid call. A video made by
    /// another task's call (Veo's `n`) waits here for that call's results.
    Waiting,
    /// The prepared picture is being uploaded to EvoLink's file API.
    Uploading,
    /// The paid create call is about to be, or is being, made.
    Submitting,
    /// EvoLink accepted the task and has not started it.
    Queued,
    /// EvoLink is making the video.
    Generating,
    /// The video is ready upstream and being saved into the library.
    Downloading,
    /// The video is in the library.
    Done,
    /// The task ended without a video; the error says why and whether retrying helps.
    Failed,
    /// The create call may have happened but its answer was lost.
    OutcomeUnknown,
    /// The video was made but its links died before it could be saved.
    Expired,
}

impl TaskState {
    pub const ALL: [TaskState; 11] = [
        TaskState::Preparing,
        TaskState::Waiting,
        TaskState::Uploading,
        TaskState::Submitting,
        TaskState::Queued,
        TaskState::Generating,
        TaskState::Downloading,
        TaskState::Done,
        TaskState::Failed,
        TaskState::OutcomeUnknown,
        TaskState::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Preparing => "preparing",
            TaskState::Waiting => "waiting",
            TaskState::Uploading => "uploading",
            TaskState::Submitting => "submitting",
            TaskState::Queued => "queued",
            TaskState::Generating => "generating",
            TaskState::Downloading => "downloading",
            TaskState::Done => "done",
            TaskState::Failed => "failed",
            TaskState::OutcomeUnknown => "outcome_unknown",
            TaskState::Expired => "expired",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// States the engine still has work to do for.
    pub fn is_active(self) -> bool {
        !self.is_final()
    }

    /// States nothing will change by itself any more.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            TaskState::Done | TaskState::Failed | TaskState::OutcomeUnknown | TaskState::Expired
        )
    }

    /// Whether the engine may move a task from `self` to `next`.
    pub fn can_become(self, next: TaskState) -> bool {
        use TaskState::*;
        match (self, next) {
            (a, b) if a == b => true,
            (Preparing, Waiting | Failed) => true,
            (Waiting, Uploading | Submitting | Failed) => true,
            // One of several videos of another task's paid call: its result is known.
            (Waiting, Downloading) => true,
            (Uploading, Submitting | Failed) => true,
            (Submitting, Queued | Generating | Downloading | Failed | OutcomeUnknown) => true,
            (Queued, Generating | Downloading | Failed) => true,
            (Generating, Queued | Downloading | Failed) => true,
            (Downloading, Done | Expired | Failed) => true,
            // "Look again": the person asks the app to check an uncertain create once more.
            (OutcomeUnknown, Submitting) => true,
            _ => false,
        }
    }
}

impl std::fmt::Display for TaskState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_rejected() {
        for state in TaskState::ALL {
            assert_eq!(TaskState::parse(state.as_str()), Some(state));
            let json = serde_json::to_string(&state).unwrap();
            assert_eq!(json, format!("\"{}\"", state.as_str()));
        }
        assert_eq!(TaskState::parse("finished"), None);
    }

    #[test]
    fn final_states_never_move_on_except_to_look_again() {
        for from in TaskState::ALL.into_iter().filter(|s| s.is_final()) {
            for to in TaskState::ALL.into_iter().filter(|&s| s != from) {
                let look_again = from == TaskState::OutcomeUnknown && to == TaskState::Submitting;
                assert_eq!(from.can_become(to), look_again, "{from} -> {to}");
            }
        }
    }

    #[test]
    fn a_paid_task_can_only_reach_done_through_downloading() {
        assert!(!TaskState::Generating.can_become(TaskState::Done));
        assert!(TaskState::Generating.can_become(TaskState::Downloading));
        assert!(TaskState::Downloading.can_become(TaskState::Done));
        // Nothing goes back to before the paid call once it may have happened.
        for later in [
            TaskState::Submitting,
            TaskState::Queued,
            TaskState::Generating,
        ] {
            assert!(!later.can_become(TaskState::Uploading));
            assert!(!later.can_become(TaskState::Preparing));
            assert!(!later.can_become(TaskState::Waiting));
        }
    }

    #[test]
    fn every_paid_call_passes_the_queue() {
        // Nothing reaches a step that spends (uploading, then the paid call) without waiting
        // its turn: the queue's limits hold for every task.
        for from in TaskState::ALL {
            for to in [TaskState::Uploading, TaskState::Submitting] {
                let allowed = from.can_become(to) && from != to;
                let through_queue = from == TaskState::Waiting
                    || (from == TaskState::Uploading && to == TaskState::Submitting)
                    || (from == TaskState::OutcomeUnknown && to == TaskState::Submitting);
                assert_eq!(allowed, through_queue, "{from} -> {to}");
            }
        }
    }
}
