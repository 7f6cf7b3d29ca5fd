//! The commands through Tauri's real IPC path (permissions included) on the mock runtime.

use std::path::PathBuf;

use serde_json::Value;
use sora_core::{AppPaths, Endpoints};
use sora_desk::AppState;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::Manager;

fn app() -> tauri::App<tauri::test::MockRuntime> {
    let state = AppState {
        paths: AppPaths {
            data_dir: PathBuf::from("/tmp/sora-desk-test/data"),
            library_dir: PathBuf::from("/tmp/sora-desk-test/library"),
        },
        endpoints: Endpoints::resolve(&|_| None),
    };
    sora_desk::configure(mock_builder(), state)
        .build(sora_desk::context())
        .expect("the app builds on the mock runtime")
}

fn invoke(app: &tauri::App<tauri::test::MockRuntime>, cmd: &str) -> Result<Value, Value> {
    // The capability is bound to the window labelled "main", like the app's real window.
    let webview = match app.get_webview_window("main") {
        Some(webview) => webview,
        None => tauri::WebviewWindowBuilder::new(app, "main", Default::default())
            .build()
            .expect("the main window opens"),
    };
    get_ipc_response(
        &webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::default(),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().unwrap())
}

#[test]
fn app_info_reports_version_and_folders() {
    let app = app();
    let info = invoke(&app, "app_info").expect("app_info answers");
    assert_eq!(info["name"], "Sora Desk");
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(info["data_dir"], "/tmp/sora-desk-test/data");
    assert_eq!(info["library_dir"], "/tmp/sora-desk-test/library");
    assert_eq!(info["custom_api"], false);
}

#[test]
fn commands_outside_the_capability_are_refused() {
    let app = app();
    let refused = invoke(&app, "plugin:fs|read_file");
    assert!(
        refused.is_err(),
        "the webview must not reach file system commands: {refused:?}"
    );
    let unknown = invoke(&app, "no_such_command");
    assert!(unknown.is_err(), "unknown commands are errors: {unknown:?}");
}
