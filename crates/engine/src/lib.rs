//! Sora Desk's task engine: the store, the life of a task, and the video library.
//!
//! No Tauri here: the desktop app and `sora-desk-cli` drive the same engine over the same store.

pub mod batch;
pub mod download;
pub mod engine;
pub mod library;
pub mod state;
pub mod store;

pub use engine::{
    record, record_all, start_of_today, stop, Engine, EngineConfig, EngineError, EngineEvent,
    EngineHandle, ImageFit, PaidCallsHeld, Stop, SubmitRequest, Trouble, ENV_POLL_MS, MOST_TAKES,
};
pub use evolink::Words;
pub use state::TaskState;
pub use store::{
    Grouping, ListQuery, Lookup, NewTask, Patch, PictureColumns, PosterSize, QueueRules, Role, Run,
    Stats, Stopped, Store, StoreError, Task, UploadKey,
};
