//! Where Sora Desk keeps its things and what it is called.
//!
//! Nothing in this crate knows about Tauri or windows: the desktop app (`src-tauri/`) and the
//! command-line tool both drive it, and its tests run with plain `cargo test`.

pub mod paths;

pub use paths::{AppPaths, Endpoints};

/// The product name, as people see it.
pub const APP_NAME: &str = "Sora Desk";

/// The app identifier. Data folders and the keychain entry are namespaced by it.
pub const APP_IDENTIFIER: &str = "app.soradesk.desktop";
