//! Working on without a window. Closing the main window while videos are being made asks the
//! page what to do (event `close-requested`, answered by the command `close_choice`): keep
//! working in the background, where the window hides and a tray / menu-bar icon stays, or quit.
//! With nothing in progress, closing quits at once, as it always did.
//!
//! Either way no paid work is lost: EvoLink keeps making the video, and the engine saves it the
//! next time the app runs (while EvoLink's link lasts, 24 hours). Staying saves it as soon as it
//! is ready, and tells the person so with a notification (`events.rs`).

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use serde_json::json;
use sora_service::Service;
use sora_words::{Lang, Words};
use tauri::menu::{Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Emitter, Manager, Runtime, Window, WindowEvent};
use tokio::sync::Notify;

use crate::{AppState, IpcError, MAIN_WINDOW};

/// Raised to the page with `{ active }` when the window is closed while videos are in progress.
pub const CLOSE_REQUESTED: &str = "close-requested";

const TRAY: &str = "background";
const MENU_STATUS: &str = "tray-status";
const MENU_OPEN: &str = "tray-open";
const MENU_QUIT: &str = "tray-quit";

// The tray's words are rendered in the app's language (Settings' or the system's) each time the
// tray is drawn or recounted: the icon is drawn by the system while the page may be hidden.

/// The tray menu's first line. Not "all videos saved" for 0: a video that failed is not saved,
/// and the person was already told so by a notification. It says only what is true: nothing is
/// left to wait for.
fn status_text(active: u64, lang: Lang) -> String {
    Words::new("tray.status").with("count", active).render(lang)
}

fn tooltip_text(active: u64, lang: Lang) -> String {
    Words::new("tray.tooltip")
        .with("count", active)
        .render(lang)
}

fn open_label(lang: Lang) -> String {
    Words::new("tray.open").render(lang)
}

fn quit_label(lang: Lang) -> String {
    Words::new("tray.quit").render(lang)
}

/// Where closing the main window stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Closing {
    /// A close request first counts the videos in progress.
    Idle,
    /// The page was asked (or is about to be). A second close request quits, so a blank or
    /// hung page can never keep the window from closing.
    Asking,
    /// Quitting: every close request goes through.
    Quitting,
}

/// What a close request of the main window does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OnClose {
    /// Keep the window open, count the videos in progress, then ask or quit.
    Count,
    /// Let the window close (and with it the app), as a window without this module would.
    Close,
}

impl Closing {
    fn on_close_request(self) -> (Closing, OnClose) {
        match self {
            Closing::Idle => (Closing::Asking, OnClose::Count),
            Closing::Asking | Closing::Quitting => (Closing::Quitting, OnClose::Close),
        }
    }
}

/// The person's answer to the question, from the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// Hide the window, show the tray icon, keep the engine running.
    Background,
    /// Quit gracefully.
    Quit,
    /// The question was dismissed (Escape): the window stays and the next close asks again.
    Stay,
}

impl Choice {
    pub fn parse(text: &str) -> Result<Choice, IpcError> {
        match text {
            "background" => Ok(Choice::Background),
            "quit" => Ok(Choice::Quit),
            "stay" => Ok(Choice::Stay),
            _ => Err(IpcError::invalid(sora_service::problem::Words::new(
                "problem.invalid_argument.close_choice",
            ))),
        }
    }
}

/// The app's state of closing and of the tray icon.
pub struct Background<R: Runtime> {
    closing: Mutex<Closing>,
    /// Whether the person chose to keep working in the background and has not opened the
    /// window since; set and cleared at once, while the tray itself follows on the main thread.
    in_background: AtomicBool,
    /// Wakes the one task that counts the videos for the tray, so counts are shown in the
    /// order they were taken (two counts racing could leave an old one showing).
    recount: Notify,
    /// The tray menu's items, kept to update the count (and the words, when the language
    /// changes). Set and cleared on the main thread only, where the tray lives.
    items: Mutex<Option<TrayItems<R>>>,
}

/// The tray menu's items with words.
struct TrayItems<R: Runtime> {
    status: MenuItem<R>,
    open: MenuItem<R>,
    quit: MenuItem<R>,
}

impl<R: Runtime> TrayItems<R> {
    fn say(&self, active: u64, lang: Lang) {
        let _ = self.status.set_text(status_text(active, lang));
        let _ = self.open.set_text(open_label(lang));
        let _ = self.quit.set_text(quit_label(lang));
    }
}

impl<R: Runtime> Background<R> {
    fn new() -> Self {
        Background {
            closing: Mutex::new(Closing::Idle),
            in_background: AtomicBool::new(false),
            recount: Notify::new(),
            items: Mutex::new(None),
        }
    }

    fn on_close_request(&self) -> OnClose {
        let mut closing = self.closing.lock().unwrap_or_else(|e| e.into_inner());
        let (next, action) = closing.on_close_request();
        *closing = next;
        action
    }

    fn set(&self, next: Closing) {
        *self.closing.lock().unwrap_or_else(|e| e.into_inner()) = next;
    }

    fn in_background(&self) -> bool {
        self.in_background.load(Ordering::SeqCst)
    }
}

/// Hooks the tray menu up once for the app's life (a listener given to each new tray icon
/// would pile up, one more every time the app goes to the background), and starts the task
/// that keeps the tray's count.
pub fn attach<R: Runtime>(app: &tauri::App<R>, service: Service) {
    app.manage(Background::<R>::new());
    app.on_menu_event(|app, event: MenuEvent| match event.id().as_ref() {
        MENU_OPEN => show_window(app),
        MENU_QUIT => quit(app),
        _ => {}
    });
    let app = app.handle().clone();
    tauri::async_runtime::spawn(async move {
        loop {
            app.state::<Background<R>>().recount.notified().await;
            if app.state::<Background<R>>().in_background() {
                let active = service.active_count().await;
                show_tray(&app, active, service.language());
            }
        }
    });
}

/// Tasks changed: the tray recounts, if the app works in the background.
pub fn tasks_changed<R: Runtime>(app: &AppHandle<R>) {
    if let Some(background) = app.try_state::<Background<R>>() {
        if background.in_background() {
            background.recount.notify_one();
        }
    }
}

/// The language setting changed: a tray shown is drawn again in the new language.
pub fn language_changed<R: Runtime>(app: &AppHandle<R>) {
    tasks_changed(app);
}

/// The main window's close button (or Alt+F4, or the window manager) asks to close.
pub fn on_window_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    let WindowEvent::CloseRequested { api, .. } = event else {
        return;
    };
    if window.label() != MAIN_WINDOW {
        return;
    }
    let app = window.app_handle();
    let service = match (
        app.try_state::<AppState>(),
        app.try_state::<Background<R>>(),
    ) {
        (Some(state), Some(background)) => {
            if background.on_close_request() == OnClose::Close {
                log::info!("the window closes");
                return;
            }
            state.service.clone()
        }
        // Not wired up (a test of the commands alone): closing is as it always was.
        _ => return,
    };
    // Counting reads the store, which must not hold up the window's thread: the window stays
    // until the count says what to do.
    api.prevent_close();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let active = service.active_count().await;
        if active == 0 {
            quit(&app);
            return;
        }
        log::info!("closing asked while {active} videos are in progress");
        if let Err(e) = app.emit_to(MAIN_WINDOW, CLOSE_REQUESTED, json!({ "active": active })) {
            log::warn!("the question could not reach the window ({e}); quitting");
            quit(&app);
        }
    });
}

/// Carries out the person's answer.
pub fn choose<R: Runtime>(app: &AppHandle<R>, choice: Choice) {
    let background = app.state::<Background<R>>();
    match choice {
        Choice::Stay => background.set(Closing::Idle),
        Choice::Quit => quit(app),
        Choice::Background => {
            background.set(Closing::Idle);
            log::info!("working in the background");
            // The tray icon comes first, then the window hides (show_tray), so there is never
            // a moment with neither.
            background.in_background.store(true, Ordering::SeqCst);
            background.recount.notify_one();
        }
    }
}

/// Quits as the app always does on exit: `lib.rs` stops the engine gracefully on
/// `RunEvent::Exit`, so a paid call in flight records its answer first.
pub fn quit<R: Runtime>(app: &AppHandle<R>) {
    if let Some(background) = app.try_state::<Background<R>>() {
        background.set(Closing::Quitting);
    }
    // The graceful stop can take seconds; neither the window nor the tray menu would answer
    // meanwhile, so both go first.
    if let Some(window) = app.get_webview_window(MAIN_WINDOW) {
        let _ = window.hide();
    }
    hide_tray(app);
    log::info!("quitting");
    app.exit(0);
}

/// Shows and focuses the main window (from the tray, a second launch, or the dock).
pub fn show_window<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window(MAIN_WINDOW) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
    // The icon means "Sora Desk is still working without a window". With the window back, the
    // window's own taskbar / dock entry says the app is running, and closing it asks again, so
    // the icon goes: apps that do not live in the tray are expected not to leave one behind.
    hide_tray(app);
}

/// Shows the tray icon with `active` videos in progress (then hides the window), or updates
/// the one shown, in `lang`. The tray lives on the main thread (GTK, AppKit and Win32 want it
/// there).
fn show_tray<R: Runtime>(app: &AppHandle<R>, active: u64, lang: Lang) {
    let handle = app.clone();
    let run = app.run_on_main_thread(move || {
        let app = &handle;
        let background = app.state::<Background<R>>();
        // The window came back meanwhile: no icon.
        if !background.in_background() {
            return;
        }
        let mut items = background.items.lock().unwrap_or_else(|e| e.into_inner());
        if let (Some(shown), Some(tray)) = (items.as_ref(), app.tray_by_id(TRAY)) {
            shown.say(active, lang);
            let _ = tray.set_tooltip(Some(tooltip_text(active, lang)));
            return;
        }
        let window = app.get_webview_window(MAIN_WINDOW);
        // Building loads the system's tray library, which panics when it is missing.
        match std::panic::catch_unwind(AssertUnwindSafe(|| build_tray(app, active, lang))) {
            Ok(Ok(built)) => {
                *items = Some(built);
                if let Some(window) = window {
                    let _ = window.hide();
                }
            }
            failed => {
                let why = match failed {
                    Ok(Err(e)) => e.to_string(),
                    _ => "the tray library is missing".into(),
                };
                // Without an icon a hidden window could not be found again: the window goes
                // to the taskbar instead, and the app keeps working all the same.
                log::warn!("no tray icon ({why}); the window is minimised instead of hidden");
                background.in_background.store(false, Ordering::SeqCst);
                if let Some(window) = window {
                    let _ = window.minimize();
                }
            }
        }
    });
    if let Err(e) = run {
        log::warn!("the tray icon could not be shown: {e}");
    }
}

/// Removes the tray icon, on the main thread (it may be the tray's own menu that asked).
fn hide_tray<R: Runtime>(app: &AppHandle<R>) {
    if let Some(background) = app.try_state::<Background<R>>() {
        background.in_background.store(false, Ordering::SeqCst);
    }
    let handle = app.clone();
    let _ = app.run_on_main_thread(move || {
        if let Some(background) = handle.try_state::<Background<R>>() {
            background
                .items
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take();
        }
        drop(handle.remove_tray_by_id(TRAY));
    });
}

fn build_tray<R: Runtime>(
    app: &AppHandle<R>,
    active: u64,
    lang: Lang,
) -> tauri::Result<TrayItems<R>> {
    // Not clickable: it is the answer to "is it still working?", not an action.
    let status = MenuItem::with_id(
        app,
        MENU_STATUS,
        status_text(active, lang),
        false,
        None::<&str>,
    )?;
    let open = MenuItem::with_id(app, MENU_OPEN, open_label(lang), true, None::<&str>)?;
    let quit = MenuItem::with_id(app, MENU_QUIT, quit_label(lang), true, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&status, &separator, &open, &quit])?;
    let mut tray = TrayIconBuilder::with_id(TRAY)
        .tooltip(tooltip_text(active, lang))
        .menu(&menu)
        // A click on the icon opens the window (Windows, macOS); the menu is on the other
        // button. Linux tray hosts always show the menu on a click and report no clicks.
        .show_menu_on_left_click(false)
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                show_window(tray.app_handle());
            }
        });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    Ok(TrayItems { status, open, quit })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_close_counts_and_a_second_one_while_asking_closes() {
        let (asking, action) = Closing::Idle.on_close_request();
        assert_eq!((asking, action), (Closing::Asking, OnClose::Count));
        // The page never answered (blank or hung): the second close goes through.
        assert_eq!(
            asking.on_close_request(),
            (Closing::Quitting, OnClose::Close)
        );
        assert_eq!(
            Closing::Quitting.on_close_request(),
            (Closing::Quitting, OnClose::Close)
        );
    }

    #[test]
    fn only_the_three_answers_are_taken() {
        assert_eq!(Choice::parse("background").unwrap(), Choice::Background);
        assert_eq!(Choice::parse("quit").unwrap(), Choice::Quit);
        assert_eq!(Choice::parse("stay").unwrap(), Choice::Stay);
        for bad in ["", "Quit", "background ", "exit", "hide"] {
            assert_eq!(Choice::parse(bad).unwrap_err().code, "invalid_argument");
        }
    }

    #[test]
    fn the_tray_says_how_many_videos_are_in_progress() {
        assert_eq!(status_text(0, Lang::En), "Nothing in progress");
        assert_eq!(status_text(1, Lang::En), "1 video in progress");
        assert_eq!(status_text(3, Lang::En), "3 videos in progress");
        assert_eq!(tooltip_text(2, Lang::En), "Sora Desk: 2 videos in progress");
        assert_eq!(tooltip_text(0, Lang::En), "Sora Desk: nothing in progress");
        assert_eq!(open_label(Lang::En), "Open Sora Desk");
        assert_eq!(quit_label(Lang::En), "Quit");
    }

    #[test]
    fn the_tray_speaks_chinese_too() {
        assert_eq!(status_text(3, Lang::ZhCn), "正在制作 3 个视频");
        assert_eq!(tooltip_text(0, Lang::ZhCn), "Sora Desk：没有正在制作的视频");
        assert_eq!(open_label(Lang::ZhCn), "打开 Sora Desk");
    }
}
