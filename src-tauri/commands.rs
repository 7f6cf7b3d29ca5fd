//! IPC commands: one per export of `ui/js/ipc.js` (docs/IPC.md). Each is an adapter: take the
//! arguments (typed, so malformed input is refused by deserialisation), call the service,
//! which checks what the values mean, and hand back its answer or its `{code, message,
//! retryable}` problem. Nothing here returns the API key.

use tauri::ipc::{InvokeBody, Request};
use tauri::{AppHandle, Runtime, State};

use sora_service::models::{Estimate, EstimateInput, ModelList};
use sora_service::queue::{BatchFile, BatchInput, BatchPlan};
use sora_service::{
    AppInfo, Balance, KeySaved, KeyStatus, ListInput, PrepareRequest, PreparedImage, QueueView,
    Settings, SettingsChange, StatsView, StopResult, SubmitInput, TaskPage, TaskView,
};

use crate::updates::{self, UpdateOffer};
use crate::{background, native};
use crate::{AppState, IpcError};

type Answer<T> = Result<T, IpcError>;

// ---- The app and the key ----

#[tauri::command]
pub async fn app_info(state: State<'_, AppState>) -> Answer<AppInfo> {
    Ok(state.service.app_info().await)
}

#[tauri::command]
pub async fn key_status(state: State<'_, AppState>) -> Answer<KeyStatus> {
    Ok(state.service.key_status().await)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn set_key(
    state: State<'_, AppState>,
    key: String,
    session_only: bool,
) -> Answer<KeySaved> {
    state.service.set_key(key, session_only).await
}

#[tauri::command]
pub async fn clear_key(state: State<'_, AppState>) -> Answer<KeyStatus> {
    state.service.clear_key().await
}

#[tauri::command]
pub async fn refresh_balance(state: State<'_, AppState>) -> Answer<Balance> {
    state.service.refresh_balance().await
}

#[tauri::command]
pub async fn set_demo(state: State<'_, AppState>, on: bool) -> Answer<AppInfo> {
    state.service.set_demo(on).await
}

#[tauri::command]
pub fn open_help(topic: String) -> Answer<()> {
    native::open_url(sora_service::help_url(&topic)?)
}

// ---- Settings ----

#[tauri::command]
pub async fn get_settings(state: State<'_, AppState>) -> Answer<Settings> {
    Ok(state.service.settings().await)
}

#[tauri::command]
pub async fn set_settings<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    changes: SettingsChange,
) -> Answer<Settings> {
    let language = changes.language.is_some();
    let settings = state.service.set_settings(changes).await?;
    if language {
        // The page reloads itself in the new language; the tray, if shown, follows.
        background::language_changed(&app);
    }
    Ok(settings)
}

#[tauri::command]
pub async fn choose_library_folder<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Answer<Option<Settings>> {
    let start = state.service.settings().await.library_dir;
    let Some(folder) = native::choose_folder(&app, start.into()).await else {
        return Ok(None);
    };
    let change = SettingsChange {
        library_dir: Some(folder.display().to_string()),
        ..SettingsChange::default()
    };
    state.service.set_settings(change).await.map(Some)
}

// ---- Reference picture ----

/// The handle of the picture the person chose in the system's dialog (`None`: cancelled).
#[tauri::command]
pub async fn choose_image<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Answer<Option<String>> {
    Ok(native::choose_picture(&app)
        .await
        .map(|path| state.service.give_picture(path)))
}

/// The pasted picture arrives as the raw request body (no base64 round trip); the answer is
/// its handle.
#[tauri::command]
pub async fn save_pasted_image(state: State<'_, AppState>, request: Request<'_>) -> Answer<String> {
    let bytes = raw_body(&request)?;
    state.service.save_pasted_image(bytes).await
}

#[tauri::command]
pub async fn prepare_image(
    state: State<'_, AppState>,
    request: PrepareRequest,
) -> Answer<PreparedImage> {
    state.service.prepare_image(request).await
}

// ---- Models ----

#[tauri::command]
pub async fn list_models(state: State<'_, AppState>) -> Answer<ModelList> {
    Ok(state.service.list_models().await)
}

#[tauri::command]
pub fn estimate(state: State<'_, AppState>, input: EstimateInput) -> Answer<Estimate> {
    state.service.estimate(&input)
}

// ---- Tasks ----

#[tauri::command]
pub async fn submit_task(state: State<'_, AppState>, input: SubmitInput) -> Answer<Vec<TaskView>> {
    state.service.submit(input).await
}

// ---- Batches and the queue ----

/// A file of prompts the person picks in the system's dialog; Rust reads it, the page only
/// sees its text.
#[tauri::command]
pub async fn open_batch_file<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Answer<Option<BatchFile>> {
    let Some(path) = native::choose_batch_file(&app).await else {
        return Ok(None);
    };
    Ok(Some(state.service.read_batch_file(path).await?))
}

#[tauri::command]
pub fn plan_batch(state: State<'_, AppState>, input: BatchInput) -> Answer<BatchPlan> {
    state.service.plan_batch(&input)
}

#[tauri::command]
pub async fn submit_batch(state: State<'_, AppState>, input: BatchInput) -> Answer<Vec<TaskView>> {
    state.service.submit_batch(input).await
}

#[tauri::command]
pub async fn queue_status(state: State<'_, AppState>) -> Answer<QueueView> {
    state.service.queue_status().await
}

#[tauri::command]
pub async fn pause_queue(state: State<'_, AppState>, paused: bool) -> Answer<QueueView> {
    state.service.pause_queue(paused).await
}

#[tauri::command]
pub async fn reorder_queue(state: State<'_, AppState>, ids: Vec<String>) -> Answer<QueueView> {
    state.service.reorder_queue(ids).await
}

/// `discard` is the person's answer for a paid task (keep the video if it comes, or not);
/// absent until they were asked.
#[tauri::command]
pub async fn stop_task(
    state: State<'_, AppState>,
    id: String,
    discard: Option<bool>,
) -> Answer<StopResult> {
    state.service.stop(&id, discard).await
}

#[tauri::command]
pub async fn clear_failed(state: State<'_, AppState>) -> Answer<serde_json::Value> {
    let removed = state.service.clear_failed().await?;
    Ok(serde_json::json!({ "removed": removed }))
}

#[tauri::command]
pub async fn list_tasks(state: State<'_, AppState>, query: ListInput) -> Answer<TaskPage> {
    state.service.list(query).await
}

#[tauri::command]
pub async fn get_task(state: State<'_, AppState>, id: String) -> Answer<TaskView> {
    state.service.get(&id).await
}

/// A new paid task like `id`. `confirm_paid_again` is the person's answer to "you may pay
/// twice", needed only for a task whose start is uncertain.
#[tauri::command]
pub async fn retry_task(
    state: State<'_, AppState>,
    id: String,
    confirm_paid_again: Option<bool>,
) -> Answer<TaskView> {
    state
        .service
        .retry(&id, confirm_paid_again.unwrap_or(false))
        .await
}

#[tauri::command]
pub async fn look_again(state: State<'_, AppState>, id: String) -> Answer<TaskView> {
    state.service.look_again(&id).await
}

#[tauri::command]
pub async fn delete_task(state: State<'_, AppState>, id: String) -> Answer<TaskView> {
    state.service.delete(&id).await
}

#[tauri::command]
pub async fn set_favourite(
    state: State<'_, AppState>,
    id: String,
    favourite: bool,
) -> Answer<TaskView> {
    state.service.set_favourite(&id, favourite).await
}

#[tauri::command]
pub async fn reveal_task(state: State<'_, AppState>, id: String) -> Answer<()> {
    native::reveal(&state.service.video_path(&id).await?)
}

#[tauri::command]
pub async fn save_copy<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    id: String,
) -> Answer<Option<String>> {
    let source = state.service.video_path(&id).await?;
    let Some(destination) = native::choose_save_path(&app, &source).await else {
        return Ok(None);
    };
    state.service.copy_video(&id, &destination).await?;
    Ok(Some(destination.display().to_string()))
}

#[tauri::command]
pub async fn open_library(state: State<'_, AppState>) -> Answer<()> {
    native::open_folder(&state.service.library_dir().await)
}

#[tauri::command]
pub async fn library_stats(state: State<'_, AppState>) -> Answer<StatsView> {
    state.service.stats().await
}

fn raw_body(request: &Request<'_>) -> Answer<Vec<u8>> {
    match request.body() {
        InvokeBody::Raw(bytes) => Ok(bytes.clone()),
        InvokeBody::Json(_) => Err(IpcError::invalid(sora_service::problem::Words::new(
            "problem.invalid_argument.picture_bytes",
        ))),
    }
}

// ---- Closing the window while videos are in progress ----

/// The answer to `close-requested`: `"background"`, `"quit"` or `"stay"` (the question was
/// dismissed). Checked here, so anything else is a plain `invalid_argument` problem.
#[tauri::command]
pub fn close_choice<R: Runtime>(app: AppHandle<R>, choice: String) -> Answer<()> {
    background::choose(&app, background::Choice::parse(&choice)?);
    Ok(())
}

// ---- Updates ----

/// Looks for a newer Sora Desk. `automatic`: the page's own daily look, which Rust runs only
/// when Settings allow it and a day has passed since the last look; otherwise `null` at once.
#[tauri::command]
pub async fn check_for_update<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    automatic: bool,
) -> Answer<Option<UpdateOffer>> {
    if automatic {
        if !state.service.update_check_due() {
            return Ok(None);
        }
    } else {
        state.service.update_checked();
    }
    updates::check(&app).await
}

/// Installs the update the last look found (the person pressed "Install and restart"), then
/// restarts into it. Takes nothing from the page: what is installed is what Rust found.
#[tauri::command]
pub async fn install_update<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Answer<()> {
    updates::install(&app, &state.service).await
}
