fn main() {
    // Every app command gets an `allow-<name>` permission; only the ones the capability in
    // tauri.conf.json grants are callable from the webview. A command missing from this list
    // cannot be called at all, which keeps the IPC surface exactly as wide as the UI needs.
    let manifest = tauri_build::AppManifest::new().commands(sora_desk_commands());
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("failed to run tauri-build");
}

fn sora_desk_commands() -> &'static [&'static str] {
    &[
        "app_info",
        "key_status",
        "set_key",
        "clear_key",
        "refresh_balance",
        "set_demo",
        "open_help",
        "get_settings",
        "set_settings",
        "choose_library_folder",
        "choose_image",
        "save_pasted_image",
        "prepare_image",
        "list_models",
        "estimate",
        "submit_task",
        "open_batch_file",
        "plan_batch",
        "submit_batch",
        "queue_status",
        "pause_queue",
        "reorder_queue",
        "stop_task",
        "clear_failed",
        "list_tasks",
        "get_task",
        "retry_task",
        "look_again",
        "delete_task",
        "set_favourite",
        "reveal_task",
        "save_copy",
        "open_library",
        "library_stats",
        "close_choice",
        "check_for_update",
        "install_update",
    ]
}
