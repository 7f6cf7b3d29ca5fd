//! The operating system's own dialogs and file manager. Dialogs are the system's (rfd), shown on
//! the main thread as GTK, AppKit and Win32 require, and parented to the window so they stay on
//! top of it. A picture the person picks or drops reaches the page as a handle the service
//! gives (never as a path the page could send back changed).

use std::path::{Path, PathBuf};

use sora_words::Words;
use tauri::{AppHandle, Emitter, Manager, Runtime, Window, WindowEvent};

use crate::{AppState, IpcError, MAIN_WINDOW};

/// The event that hands the page the handles of the files dropped on the window.
pub const PICTURES_DROPPED: &str = "pictures-dropped";

/// At most this many files of one drop get handles (the page uses the first one or two).
const MOST_DROPPED: usize = 8;

/// Picture formats offered by the "choose a picture" dialog (preflight reads them all).
const PICTURE_EXTENSIONS: &[&str] = &[
    "jpg", "jpeg", "png", "webp", "gif", "bmp", "tif", "tiff", "JPG", "JPEG", "PNG", "WEBP",
];

/// Runs `dialog` on the main thread with the main window as parent; `None` when there is no
/// window or the person cancelled.
async fn on_main_thread<R: Runtime>(
    app: &AppHandle<R>,
    dialog: impl FnOnce(rfd::FileDialog) -> Option<PathBuf> + Send + 'static,
) -> Option<PathBuf> {
    let window = app.get_webview_window(MAIN_WINDOW)?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.run_on_main_thread(move || {
        let _ = tx.send(dialog(rfd::FileDialog::new().set_parent(&window)));
    })
    .ok()?;
    rx.await.ok().flatten()
}

pub async fn choose_picture<R: Runtime>(app: &AppHandle<R>) -> Option<PathBuf> {
    let lang = crate::language(app);
    let title = Words::new("dialog.choose_picture").render(lang);
    let filter = Words::new("dialog.filter.pictures").render(lang);
    on_main_thread(app, move |d| {
        d.set_title(title)
            .add_filter(filter, PICTURE_EXTENSIONS)
            .pick_file()
    })
    .await
}

/// Files dropped on the window (the system's drop, which the page cannot fake): each gets a
/// handle, sent to the page in [`PICTURES_DROPPED`].
pub fn on_window_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    if let WindowEvent::DragDrop(tauri::DragDropEvent::Drop { paths, .. }) = event {
        give_dropped(window.app_handle(), paths);
    }
}

/// Gives the page handles for files the person dropped.
pub fn give_dropped<R: Runtime>(app: &AppHandle<R>, paths: &[PathBuf]) {
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    let handles: Vec<String> = paths
        .iter()
        .take(MOST_DROPPED)
        .map(|path| state.service.give_picture(path.clone()))
        .collect();
    if let Err(e) = app.emit_to(MAIN_WINDOW, PICTURES_DROPPED, handles) {
        log::warn!("the dropped pictures could not be passed to the window: {e}");
    }
}

pub async fn choose_batch_file<R: Runtime>(app: &AppHandle<R>) -> Option<PathBuf> {
    let lang = crate::language(app);
    let title = Words::new("dialog.choose_prompts").render(lang);
    let filter = Words::new("dialog.filter.text_or_csv").render(lang);
    on_main_thread(app, move |d| {
        d.set_title(title)
            .add_filter(filter, &["txt", "csv", "text", "md"])
            .pick_file()
    })
    .await
}

pub async fn choose_folder<R: Runtime>(app: &AppHandle<R>, start: PathBuf) -> Option<PathBuf> {
    let title = Words::new("dialog.choose_folder").render(crate::language(app));
    on_main_thread(app, move |d| {
        d.set_title(title).set_directory(start).pick_folder()
    })
    .await
}

pub async fn choose_save_path<R: Runtime>(app: &AppHandle<R>, video: &Path) -> Option<PathBuf> {
    let name = video
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "video.mp4".into());
    // Where "save a copy" starts: the Desktop, a place people find things again.
    let start = app.path().desktop_dir().ok().filter(|d| d.is_dir());
    let lang = crate::language(app);
    let title = Words::new("dialog.save_copy").render(lang);
    let filter = Words::new("dialog.filter.video").render(lang);
    on_main_thread(app, move |d| {
        let d = d
            .set_title(title)
            .set_file_name(name)
            .add_filter(filter, &["mp4"]);
        match start {
            Some(dir) => d.set_directory(dir),
            None => d,
        }
        .save_file()
    })
    .await
}

pub fn reveal(path: &Path) -> Result<(), IpcError> {
    tauri_plugin_opener::reveal_item_in_dir(path).map_err(|e| could_not_open(path, e))
}

pub fn open_folder(path: &Path) -> Result<(), IpcError> {
    tauri_plugin_opener::open_path(path.display().to_string(), None::<&str>)
        .map_err(|e| could_not_open(path, e))
}

pub fn open_url(url: &str) -> Result<(), IpcError> {
    tauri_plugin_opener::open_url(url, None::<&str>).map_err(|e| {
        IpcError::new(
            "open_failed",
            Words::new("problem.open_failed.browser")
                .with("detail", e.to_string())
                .with("url", url),
            false,
        )
    })
}

fn could_not_open(path: &Path, e: tauri_plugin_opener::Error) -> IpcError {
    IpcError::new(
        "open_failed",
        Words::new("problem.open_failed.file_manager")
            .with("detail", e.to_string())
            .with("path", path.parent().unwrap_or(path).display().to_string()),
        false,
    )
}
