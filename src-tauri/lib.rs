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

/// Registers state and commands on any runtime, so tests can use Tauri's mock runtime.
pub fn builder<R: tauri::Runtime>(state: AppState) -> tauri::Builder<R> {
    tauri::Builder::<R>::new()
        .manage(state)
        .invoke_handler(tauri::generate_handler![commands::app_info])
}

pub fn run() {
    builder(AppState::from_env())
        .run(tauri::generate_context!())
        .expect("Sora Desk could not start its window");
}
