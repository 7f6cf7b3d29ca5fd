//! Domain logic of Sora Desk.
//!
//! Nothing in this crate knows about Tauri or windows: the desktop app (`src-tauri/`) and the
//! command-line tool both drive it, and its tests run with plain `cargo test`.

pub mod info;
pub mod paths;

pub use info::AppInfo;
pub use paths::{AppPaths, Endpoints};

/// The product name, as people see it.
pub const APP_NAME: &str = "Sora Desk";

/// The app identifier. Data folders and the keychain entry are namespaced by it.
pub const APP_IDENTIFIER: &str = "app.soradesk.desktop";
