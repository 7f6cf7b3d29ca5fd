//! A bare Tauri app: one window, one static page, no commands, no plugins, no state. What any
//! Tauri app pays to open a painted window on this machine; `scripts/bench-launch.sh` launches
//! it beside Sora Desk, alternately, to give the app's launch figure its floor.

// No console window on Windows release builds, as for the app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .expect("the bare app could not open its window");
}
