//! The service's events, passed on to the page (the page never polls) and to the system's
//! notifications. Event names and payloads are in docs/IPC.md.

use serde_json::json;
use sora_service::queue::RunView;
use sora_service::{Service, ServiceEvent, TaskState};
use sora_words::{Lang, Words};
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
                    let reason = task.error.as_ref().map(|e| &e.message);
                    let done = task.state == TaskState::Done;
                    let (title, body) = task_notice(&task.prompt, done, reason, service.language());
                    show(&app, title, body);
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
                    let (title, body) = run_notice(&run, service.language());
                    show(&app, title, body);
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

/// "Your 12 videos are ready", with what failed and what it cost, in `lang`.
fn run_notice(run: &RunView, lang: Lang) -> (String, String) {
    let title = match (run.done, run.failed) {
        (done, 0) => Words::new("notify.run_ready").with("done", done),
        (0, _) => Words::new("notify.run_none"),
        (done, failed) => Words::new("notify.run_some_failed")
            .with("done", done)
            .with("failed", failed)
            .with("total", done + failed),
    };
    let body = Words::new("notify.run_body")
        .with("label", run.label.as_str())
        .with("credits", run.credits);
    (title.render(lang), body.render(lang))
}

/// "Your video is ready" or why it is not, with the start of the prompt to say which, in
/// `lang`.
fn task_notice(prompt: &str, done: bool, reason: Option<&Words>, lang: Lang) -> (String, String) {
    let mut start: String = prompt.chars().take(80).collect();
    if prompt.chars().count() > 80 {
        start.push('…');
    }
    let (title, body) = match (done, reason) {
        (true, _) => (Words::new("notify.video_ready"), start),
        (false, Some(reason)) => (
            Words::new("notify.video_failed"),
            format!("{start}\n{}", reason.render(lang)),
        ),
        (false, None) => (Words::new("notify.video_failed"), start),
    };
    (title.render(lang), body)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn run(done: u32, failed: u32) -> RunView {
        RunView {
            batch_id: "b1".into(),
            label: "A heron at dawn".into(),
            total: done + failed,
            done,
            failed,
            waiting: 0,
            active: 0,
            credits: 1234.5,
            finished: true,
        }
    }

    #[test]
    fn a_run_is_told_about_once_with_what_it_cost() {
        assert_eq!(
            run_notice(&run(12, 0), Lang::En),
            (
                "Your 12 videos are ready".to_string(),
                "A heron at dawn\nAbout 1,234.5 credits.".to_string()
            )
        );
        assert_eq!(run_notice(&run(1, 0), Lang::En).0, "Your video is ready");
        assert_eq!(
            run_notice(&run(0, 3), Lang::En).0,
            "None of the videos could be made"
        );
        assert_eq!(
            run_notice(&run(1, 2), Lang::En).0,
            "1 of 3 videos is ready, 2 failed"
        );
        assert_eq!(
            run_notice(&run(4, 1), Lang::En).0,
            "4 of 5 videos are ready, 1 failed"
        );
        assert_eq!(
            run_notice(&run(4, 1), Lang::ZhCn),
            (
                "5 个视频中已生成 4 个，1 个失败".to_string(),
                "A heron at dawn\n约 1,234.5 积分。".to_string()
            )
        );
    }

    #[test]
    fn a_video_alone_is_told_about_with_the_start_of_its_prompt() {
        let long = "a".repeat(100);
        let (title, body) = task_notice(&long, true, None, Lang::En);
        assert_eq!(title, "Your video is ready");
        assert_eq!(body, format!("{}…", "a".repeat(80)));
        let why = Words::new("problem.invalid_argument.crop");
        let (title, body) = task_notice("A fox", false, Some(&why), Lang::En);
        assert_eq!(title, "A video could not be made");
        assert_eq!(body, "A fox\nThe crop window must lie inside the picture.");
        assert_eq!(
            task_notice("A fox", false, None, Lang::ZhCn).0,
            "有一个视频没能生成"
        );
    }
}
