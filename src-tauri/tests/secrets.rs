//! The secret-leak test: after a full run with a distinctive key (saved, used for real calls,
//! refused once, removed), no command answer, no event, and no file under the data, library and
//! log folders contains it. One test in its own process, because the logger is process-wide.

mod common;

use common::*;
use serde_json::json;

const SECRET: &str = "sk-leak-distinctive-9a7c31f0e4";

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn the_key_never_reaches_answers_events_files_or_logs() {
    // The OS log folder and everything else of this run live in a temporary home.
    let home = tempfile::tempdir().unwrap();
    std::env::set_var("HOME", home.path());
    std::env::set_var("XDG_DATA_HOME", home.path().join("data-home"));
    let rig = Rig::start_with(None, |b| b.plugin(sora_desk::log_plugin()));
    rig.server.set_balance(500.0);
    // A key EvoLink refuses, then one it accepts but no keychain can keep, then kept for the
    // session: every path a key takes through the app.
    let refused = rig
        .invoke("set_key", json!({ "key": SECRET, "session_only": false }))
        .unwrap_err();
    assert_eq!(refused["code"], "bad_key");
    let no_keychain = rig
        .invoke("set_key", json!({ "key": KEY, "session_only": false }))
        .unwrap_err();
    assert_eq!(no_keychain["code"], "keychain_unavailable");
    rig.invoke("set_key", json!({ "key": KEY, "session_only": true }))
        .unwrap();
    log::warn!("a line holding {SECRET} by accident");

    let task = rig
        .invoke(
            "submit_task",
            json!({ "input": { "prompt": "Leaves falling in a park", "model": "sora-2-preview" } }),
        )
        .unwrap();
    let id = task[0]["id"].as_str().unwrap().to_string();
    assert_eq!(rig.until_final(&id)["state"], "done");
    rig.invoke("list_tasks", json!({ "query": {} })).unwrap();
    rig.invoke("key_status", json!({})).unwrap();
    rig.invoke("refresh_balance", json!({})).unwrap();
    rig.invoke("set_demo", json!({ "on": true })).unwrap();
    rig.invoke("set_demo", json!({ "on": false })).unwrap();
    rig.invoke("clear_key", json!({})).unwrap();
    log::logger().flush();

    let emitted = rig.emitted.lock().unwrap().clone();
    assert!(emitted.len() > 10, "the run produced answers and events");
    for (name, payload) in &emitted {
        assert!(
            !payload.to_string().contains(SECRET),
            "{name} carries the key"
        );
        assert!(!payload.to_string().contains(KEY), "{name} carries the key");
    }
    let log_dir = home
        .path()
        .join("data-home")
        .join("app.soradesk.desktop")
        .join("logs");
    let logs = files_under(&log_dir);
    assert!(!logs.is_empty(), "the app logged to {}", log_dir.display());
    let log_text: String = logs
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap_or_default())
        .collect();
    assert!(
        log_text.contains("sk-…f0e4"),
        "the accidental line was logged, redacted:\n{log_text}"
    );
    assert!(
        log_text.contains("ended done"),
        "task lines are logged:\n{log_text}"
    );
    let mut checked = 0;
    for dir in [
        rig.dir.path().join("data"),
        rig.dir.path().join("Videos"),
        log_dir,
    ] {
        for file in files_under(&dir) {
            let bytes = std::fs::read(&file).unwrap();
            assert!(
                !contains(&bytes, SECRET),
                "{} holds the key",
                file.display()
            );
            assert!(!contains(&bytes, KEY), "{} holds the key", file.display());
            checked += 1;
        }
    }
    assert!(
        checked >= 4,
        "videos, recipes, the store and logs were checked ({checked})"
    );
}
