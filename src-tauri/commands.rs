//! IPC commands. Each one is an adapter: validate, call the core, map the error.

use sora_core::AppInfo;
use tauri::State;

use crate::{AppState, IpcError};

/// Version and folders, for the header and the empty gallery.
#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> Result<AppInfo, IpcError> {
    Ok(AppInfo::new(
        env!("CARGO_PKG_VERSION"),
        &state.paths,
        &state.endpoints,
    ))
}
