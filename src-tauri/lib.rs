//! Sora Desk's desktop shell: the thin glue between the core crates and the web UI.
//!
//! Commands here parse input, call `sora-core`, and map errors to [`IpcError`]. Domain logic
//! does not live here; see ARCHITECTURE.md.

mod commands;
mod ipc_error;

pub use ipc_error::IpcError;

use sora_core::{AppPaths, Endpoints};

/// What every command can reach, built once at launch.
pub struct AppState {
    pub paths: AppPaths,
    pub endpoints: Endpoints,
}

impl AppState {
    pub fn from_env() -> Self {
        Self {
            paths: AppPaths::from_env(),
            endpoints: Endpoints::from_env(),
        }
    }
}

/// Registers state and commands on any runtime, so tests can drive the real wiring on
/// Tauri's mock runtime.
pub fn configure<R: tauri::Runtime>(
    builder: tauri::Builder<R>,
    state: AppState,
) -> tauri::Builder<R> {
    builder
        .manage(state)
        .invoke_handler(tauri::generate_handler![commands::app_info])
}

/// The app's configuration, embedded assets and resolved permissions (from tauri.conf.json).
pub fn context<R: tauri::Runtime>() -> tauri::Context<R> {
    tauri::generate_context!()
}

pub fn run() {
    configure(tauri::Builder::default(), AppState::from_env())
        .run(context())
        .expect("Sora Desk could not start its window");
}
