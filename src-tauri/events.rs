//! The service's events, passed on to the page (the page never polls) and to the system's
//! notifications. Event names and payloads are in docs/IPC.md.

use serde_json::json;
use sora_service::queue::RunView;
use sora_service::{Service, ServiceEvent, TaskState, TaskView};
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;

pub const TASKS_CHANGED: &str = "tasks-changed";
pub const BALANCE_CHANGED: &str = "balance-changed";
pub const KEY_REFUSED: &str = "key-refused";
pub const MODE_CHANGED: &str = "mode-changed";
pub const STORE_TROUBLE: &str = "store-trouble";
pub const QUEUE_CHANGED: &str = "queue-changed";

/// Runs until the service goes away.
pub async fn forward<R: Runtime>(app: AppHandle<R>, service: Service) {
    let mut events = service.subscribe();
    loop {
        let event = match events.recv().await {
            Ok(event) => event,
            Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                log::warn!("{missed} task updates were dropped; the page reloads its list");
                continue;
            }
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        };
        let sent = match event {
            ServiceEvent::TasksChanged(tasks) => {
                // The tray icon, shown while the app works in the background, keeps count.
                crate::background::tasks_changed(&app);
                app.emit(TASKS_CHANGED, json!({ "tasks": tasks }))
            }
            ServiceEvent::BalanceChanged(balance) => app.emit(BALANCE_CHANGED, balance),
            ServiceEvent::KeyRefused(message) => {
                log::warn!("EvoLink refused the key; work waits for a new one");
                app.emit(KEY_REFUSED, json!({ "message": message }))
            }
            ServiceEvent::StoreTrouble(message) => {
                app.emit(STORE_TROUBLE, json!({ "message": message }))
            }
            ServiceEvent::ModeChanged(info) => {
                log::info!("demo mode {}", if info.demo { "on" } else { "off" });
                app.emit(MODE_CHANGED, info)
            }
            ServiceEvent::Finished { task, demo } => {
                log::info!(
                    "task {} ended {}{}{}",
                    task.id,
                    task.state.as_str(),
                    task.error
                        .as_ref()
                        .map(|e| format!(" ({})", e.code))
                        .unwrap_or_default(),
                    if demo { " [demo]" } else { "" }
                );
                // A task of a run is told about with its run, once, at the end.
                let alone = task.batch_id.is_none();
                if alone && service.settings().await.notifications && !window_focused(&app) {
                    notify(&app, &task);
                }
                Ok(())
            }
            ServiceEvent::QueueChanged(queue) => app.emit(QUEUE_CHANGED, queue),
            ServiceEvent::RunFinished { run, demo } => {
                log::info!(
                    "run {} ended: {} done, {} failed{}",
                    run.batch_id,
                    run.done,
                    run.failed,
                    if demo { " [demo]" } else { "" }
                );
                if service.settings().await.notifications && !window_focused(&app) {
                    notify_run(&app, &run);
                }
                Ok(())
            }
        };
        if let Err(e) = sent {
            log::warn!("an event could not reach the window: {e}");
        }
    }
}

/// Whether the person is looking at the window. A hidden window (working in the background)
/// is not looked at, whatever focus it last had: some systems keep reporting it focused.
fn window_focused<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.get_webview_window(crate::MAIN_WINDOW)
        .is_some_and(|w| w.is_visible().unwrap_or(false) && w.is_focused().unwrap_or(false))
}

/// "Your 12 videos are ready", with what failed and what it cost.
fn notify_run<R: Runtime>(app: &AppHandle<R>, run: &RunView) {
    let title = match (run.done, run.failed) {
        (done, 0) => format!("Your {done} videos are ready"),
        (0, _) => "None of the videos could be made".to_string(),
        (done, failed) => format!(
            "{done} of {} videos are ready, {failed} failed",
            done + failed
        ),
    };
    let body = format!("{}\nAbout {} credits.", run.label, run.credits);
    show(app, title, body);
}

/// "Your video is ready" or why it is not, with the start of the prompt to say which.
fn notify<R: Runtime>(app: &AppHandle<R>, task: &TaskView) {
    let mut prompt: String = task.prompt.chars().take(80).collect();
    if task.prompt.chars().count() > 80 {
        prompt.push('…');
    }
    let (title, body) = match (task.state, &task.error) {
        (TaskState::Done, _) => ("Your video is ready".to_string(), prompt),
        (_, Some(error)) => (
            "A video could not be made".to_string(),
            format!("{prompt}\n{}", error.message),
        ),
        _ => ("A video could not be made".to_string(), prompt),
    };
    show(app, title, body);
}

fn show<R: Runtime>(app: &AppHandle<R>, title: String, body: String) {
    // Registered in the app, not in every test of the commands.
    if app
        .try_state::<tauri_plugin_notification::Notification<R>>()
        .is_none()
    {
        return;
    }
    if let Err(e) = app.notification().builder().title(title).body(body).show() {
        log::info!("no notification shown: {e}");
    }
}
