//! The page's contract, written by Rust: every shape the page receives (answers of the
//! commands, events, problems), taken from the real commands on Tauri's mock runtime against
//! the fake EvoLink server, saved as `tests/contract/samples.json`. The browser tests' fake
//! backend (tests/browser/fake-ipc.js) builds its answers from these samples and may send no
//! field they lack, so it cannot drift from the product. A change to a type the page receives
//! fails this test until the samples are written again:
//!
//!     UPDATE_CONTRACT=1 cargo test --test contract
//!
//! Values that differ from run to run (ids, times, paths, ports) are replaced by placeholders
//! of the same JSON type; everything else is as Rust sent it. What must match is the shape:
//! every field's name and JSON type, objects within objects, the items of lists (a null
//! matches any type: an optional field is null in one run and set in the next).

mod common;

use std::path::{Path, PathBuf};

use common::{Rig, KEY};
use serde_json::{json, Map, Value};

/// Fields whose values change from run to run.
const VOLATILE: &[&str] = &[
    "id",
    "remote_id",
    "request_id",
    "created_at",
    "submitted_at",
    "finished_at",
    "results_expire_at",
    "video_path",
    "video_url",
    "poster_url",
    "video_size",
    "data_dir",
    "library_dir",
    "picture",
    "batch_id",
    "takes_group",
    "lead_id",
    "retry_of",
    "version",
    "current_version",
    "log_file",
    "media_base",
    "estimated_seconds",
    "progress",
    "queue_position",
    "revision",
    "preview_url",
];

fn normalise(value: &mut Value, dir: &str) {
    match value {
        Value::Object(map) => {
            for (key, field) in map.iter_mut() {
                if VOLATILE.contains(&key.as_str()) {
                    *field = placeholder(field);
                } else {
                    normalise(field, dir);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| normalise(v, dir)),
        Value::String(s) if s.contains(dir) || s.contains("127.0.0.1:") => {
            *value = Value::String("<varies>".into())
        }
        _ => {}
    }
}

fn placeholder(value: &Value) -> Value {
    match value {
        Value::String(_) => Value::String("<varies>".into()),
        Value::Number(_) => json!(0),
        other => other.clone(),
    }
}

fn samples_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/contract/samples.json")
}

#[test]
fn the_samples_the_page_is_built_against_are_current() {
    let rig = Rig::start(Some(KEY));
    let dir = rig.dir.path().display().to_string();
    let mut samples = Map::new();
    let mut keep = |name: &str, value: Value| {
        samples.insert(name.to_string(), value);
    };

    keep("app_info", rig.invoke("app_info", json!({})).unwrap());
    keep("key_status", rig.invoke("key_status", json!({})).unwrap());
    keep("settings", rig.invoke("get_settings", json!({})).unwrap());
    let mut models = rig.invoke("list_models", json!({})).unwrap();
    // One model shows the shape; the manifest (crates/models/models.json) is the fake's list.
    if let Some(list) = models["models"].as_array_mut() {
        list.truncate(1);
    }
    keep("model_list", models);
    keep(
        "estimate",
        rig.invoke(
            "estimate",
            json!({ "input": { "model": "sora-2-preview", "choices": { "duration": 4 }, "pictures": { "first": false, "last": false } } }),
        )
        .unwrap(),
    );
    let picture = rig.picture("beach.png", 1600, 1200);
    let handles = rig.drop_files(&[Path::new(&picture)]);
    keep(
        "prepared_image",
        rig.invoke(
            "prepare_image",
            json!({ "request": { "picture": handles[0], "model": "sora-2-preview", "aspect": null, "framing": "fill", "crop": null } }),
        )
        .unwrap(),
    );

    let submitted = rig
        .invoke(
            "submit_task",
            json!({ "input": { "prompt": "Waves roll in at sunset", "model": "sora-2-preview",
                               "choices": { "aspect": "16:9", "duration": 4 },
                               "image": { "picture": handles[0], "framing": "fill", "crop": null } } }),
        )
        .unwrap();
    let id = submitted[0]["id"].as_str().unwrap().to_string();
    keep("task_submitted", submitted[0].clone());
    let done = rig.until_final(&id);
    assert_eq!(done["state"], "done", "{done}");
    keep("task_done", done);
    let refused = rig
        .invoke(
            "submit_task",
            json!({ "input": { "prompt": "A celebrity dances", "model": "sora-2-preview",
                               "choices": { "duration": 4 } } }),
        )
        .unwrap();
    let failed = rig.until_final(refused[0]["id"].as_str().unwrap());
    assert_eq!(failed["state"], "failed", "{failed}");
    keep("task_failed", failed);
    keep(
        "task_page",
        rig.invoke("list_tasks", json!({ "query": { "limit": 1 } }))
            .unwrap(),
    );
    keep("stats", rig.invoke("library_stats", json!({})).unwrap());
    keep("queue", rig.invoke("queue_status", json!({})).unwrap());
    keep(
        "batch_plan",
        rig.invoke(
            "plan_batch",
            json!({ "input": { "text": "A cat\nA dog", "csv": false, "model": "sora-2-preview", "choices": {}, "takes": 1 } }),
        )
        .unwrap(),
    );
    keep(
        "problem",
        rig.invoke("set_settings", json!({ "changes": { "max_active": 0 } }))
            .unwrap_err(),
    );
    keep(
        "problem_not_found",
        rig.invoke("get_task", json!({ "id": "t-0000000000000000" }))
            .unwrap_err(),
    );
    keep(
        "problem_invalid_choice",
        rig.invoke(
            "estimate",
            json!({ "input": { "model": "sora-2-preview", "choices": { "duration": 5 }, "pictures": { "first": false, "last": false } } }),
        )
        .unwrap_err(),
    );
    for event in ["tasks-changed", "queue-changed", "balance-changed"] {
        let payload = rig.events(event).last().cloned();
        keep(
            &format!("event:{event}"),
            payload.unwrap_or_else(|| panic!("no {event} event came")),
        );
    }

    let mut written = Value::Object(samples);
    normalise(&mut written, &dir);
    let text = serde_json::to_string_pretty(&written).unwrap() + "\n";
    let path = samples_path();
    if std::env::var_os("UPDATE_CONTRACT").is_some() {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let committed: Value = std::fs::read_to_string(&path)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null);
    assert!(
        committed.is_object(),
        "{} is missing or unreadable: run UPDATE_CONTRACT=1 cargo test --test contract",
        path.display()
    );
    let mut differences = Vec::new();
    same_shape("", &committed, &written, &mut differences);
    assert!(
        differences.is_empty(),
        "The shapes the page receives changed, and {} was not written again:\n{}\nCheck the \
         change against ui/js and tests/browser/fake-ipc.js, then run: UPDATE_CONTRACT=1 cargo \
         test --test contract",
        path.display(),
        differences.join("\n")
    );
}

/// Where `now` differs in shape from `then`, as "path: what" lines.
fn same_shape(at: &str, then: &Value, now: &Value, differences: &mut Vec<String>) {
    match (then, now) {
        (Value::Null, _) | (_, Value::Null) => {}
        (Value::Object(a), Value::Object(b)) => {
            for key in a.keys().filter(|k| !b.contains_key(*k)) {
                differences.push(format!("{at}.{key}: no longer sent"));
            }
            for key in b.keys().filter(|k| !a.contains_key(*k)) {
                differences.push(format!("{at}.{key}: new"));
            }
            for (key, value) in a {
                if let Some(other) = b.get(key) {
                    same_shape(&format!("{at}.{key}"), value, other, differences);
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if let (Some(x), Some(y)) = (a.first(), b.first()) {
                same_shape(&format!("{at}[0]"), x, y, differences);
            }
        }
        (a, b) if kind(a) != kind(b) => {
            differences.push(format!("{at}: was {}, now {}", kind(a), kind(b)));
        }
        _ => {}
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}
