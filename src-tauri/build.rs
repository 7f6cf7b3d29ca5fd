fn main() {
    // Every app command gets an `allow-<name>` permission; only the ones the capability in
    // tauri.conf.json grants are callable from the webview. A command missing from this list
    // cannot be called at all, which keeps the IPC surface exactly as wide as the UI needs.
    let manifest = tauri_build::AppManifest::new().commands(sora_desk_commands());
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("failed to run tauri-build");
}

fn sora_desk_commands() -> &'static [&'static str] {
    &["app_info"]
}
