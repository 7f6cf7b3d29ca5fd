//! The commands through Tauri's real IPC path (permissions and argument parsing included) on
//! the mock runtime, against the app's real service and the fake EvoLink server.

mod common;

use std::path::Path;

use common::*;
use serde_json::json;
use tauri::Manager;

#[test]
fn app_info_and_key_status_answer_without_a_key() {
    let rig = Rig::start(None);
    let info = rig.invoke("app_info", json!({})).expect("app_info answers");
    assert_eq!(info["name"], "Sora Desk");
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(info["demo"], false);
    assert!(info["library_dir"].as_str().unwrap().ends_with("Videos"));
    let status = rig.invoke("key_status", json!({})).unwrap();
    assert_eq!(status["set"], false);
    assert_eq!(status["storage"], "none");
}

#[test]
fn commands_outside_the_capability_are_refused() {
    let rig = Rig::start(None);
    // Tauri's own commands are registered in every app, and the updater's in this one; the
    // capability grants none of these, so the page is refused them by permission, not because
    // they are missing.
    for (command, args) in [
        ("plugin:app|version", json!({})),
        ("plugin:app|name", json!({})),
        ("plugin:window|close", json!({ "label": "main" })),
        (
            "plugin:window|set_title",
            json!({ "label": "main", "value": "x" }),
        ),
        (
            "plugin:path|resolve_directory",
            json!({ "directory": 11, "path": null }),
        ),
        ("plugin:webview|print", json!({ "label": "main" })),
        // The updater is registered (the app uses it from Rust); none of its commands is granted.
        ("plugin:updater|check", json!({})),
        ("plugin:updater|download_and_install", json!({ "rid": 0 })),
    ] {
        let refused = rig.invoke(command, args).unwrap_err();
        let why = refused.to_string();
        assert!(
            why.contains("not allowed"),
            "{command} must be refused by permission: {why}"
        );
    }
    assert!(rig.invoke("no_such_command", json!({})).is_err());
    // The same path lets a granted command through.
    assert!(rig.invoke("app_info", json!({})).is_ok());
}

#[test]
fn malformed_arguments_are_refused_before_the_service_sees_them() {
    let rig = Rig::start(Some(KEY));
    for (command, args) in [
        (
            "submit_task",
            json!({ "input": { "prompt": "x", "model": "sora-2-preview", "choices": { "duration": "four" } } }),
        ),
        (
            "submit_task",
            json!({ "input": { "prompt": "x", "model": "sora-2-preview", "extra": 1 } }),
        ),
        (
            "estimate",
            json!({ "input": { "model": "kling-v3", "choices": { "colour": "blue" } } }),
        ),
        ("list_tasks", json!({ "query": { "limit": "ten" } })),
        ("set_settings", json!({ "changes": { "theme": "neon" } })),
        ("prepare_image", json!({ "request": { "path": 42 } })),
        // A file named by path, the way pictures were once given: not a field any more.
        (
            "prepare_image",
            json!({ "request": { "path": "/etc/hosts", "model": "sora-2-preview" } }),
        ),
        (
            "submit_task",
            json!({ "input": { "prompt": "x", "model": "sora-2-preview", "image": { "path": "/etc/hosts" } } }),
        ),
        ("get_task", json!({})),
    ] {
        let refused = rig.invoke(command, args.clone());
        assert!(refused.is_err(), "{command} {args} must be refused");
    }
    // Values of the right type but wrong meaning: the service's plain problem.
    let problem = rig
        .invoke("get_task", json!({ "id": "../../etc/passwd" }))
        .unwrap_err();
    assert_eq!(problem["code"], "invalid_argument");
    assert!(problem["message"]["key"]
        .as_str()
        .unwrap()
        .starts_with("problem.invalid_argument"));
    assert_eq!(problem["retryable"], false);
    // A path where a picture's handle goes: the one answer for every handle the app did not give.
    let problem = rig
        .invoke(
            "prepare_image",
            json!({ "request": { "picture": "/etc/hosts", "model": "sora-2-preview" } }),
        )
        .unwrap_err();
    assert_eq!(problem["code"], "picture_unknown");
    let problem = rig
        .invoke(
            "submit_task",
            json!({ "input": { "prompt": "x".repeat(5001), "model": "sora-2-preview" } }),
        )
        .unwrap_err();
    assert_eq!(problem["code"], "invalid_input");
    // A choice the model cannot take: refused with the choice at fault.
    let problem = rig
        .invoke(
            "estimate",
            json!({ "input": { "model": "kling-v3", "choices": { "duration": 20 } } }),
        )
        .unwrap_err();
    assert_eq!(
        (problem["code"].as_str(), problem["field"].as_str()),
        (Some("invalid_input"), Some("duration"))
    );
    let problem = rig
        .invoke("open_help", json!({ "topic": "https://evil.example" }))
        .unwrap_err();
    assert_eq!(problem["code"], "invalid_argument");
}

#[test]
fn a_video_is_made_through_the_commands_and_changes_arrive_as_events() {
    let rig = Rig::start(Some(KEY));
    let picture = rig.picture("beach.png", 1600, 1200);
    // Dropped on the window: the page gets a handle, never the path.
    let dropped = rig.drop_files(&[Path::new(&picture)]);
    assert_eq!(dropped.len(), 1);
    assert!(dropped[0].starts_with("pic-"), "{dropped:?}");
    let prepared = rig
        .invoke("prepare_image", json!({ "request": { "picture": dropped[0], "model": "sora-2-preview", "aspect": null, "framing": "fill", "crop": null } }))
        .unwrap();
    assert_eq!(prepared["output"]["width"], 1280);
    assert_eq!(prepared["aspect"], "16:9");
    assert_eq!(prepared["summary"]["key"], "picture.summary.cropped");
    assert_eq!(prepared["summary"]["params"]["target_width"], "1280");
    // For Kling the same picture keeps its shape (4:3), within Kling's rules.
    let for_kling = rig
        .invoke(
            "prepare_image",
            json!({ "request": { "picture": dropped[0], "model": "kling-v3", "aspect": "16:9" } }),
        )
        .unwrap();
    assert_eq!(
        (
            for_kling["output"]["width"].as_u64(),
            for_kling["output"]["height"].as_u64()
        ),
        (Some(1600), Some(1200))
    );
    assert_eq!(for_kling["aspect"], serde_json::Value::Null);

    let pasted = rig
        .invoke_raw("save_pasted_image", std::fs::read(&picture).unwrap(), &[])
        .unwrap();
    assert!(pasted.as_str().unwrap().starts_with("pic-"), "{pasted}");

    let task = rig
        .invoke(
            "submit_task",
            json!({ "input": { "prompt": "Waves roll in at sunset", "model": "sora-2-preview",
                                 "choices": { "aspect": "16:9", "duration": 4 },
                                 "image": { "picture": pasted, "framing": "fit", "crop": null } } }),
        )
        .unwrap();
    let id = task[0]["id"].as_str().unwrap().to_string();
    let done = rig.until_final(&id);
    assert_eq!(done["state"], "done", "{done}");
    assert!(done["video_url"]
        .as_str()
        .unwrap()
        .starts_with("http://127.0.0.1:"));
    assert_eq!(done["image"]["framing"], "fit");

    rig.wait_event("tasks-changed", |p| {
        p["tasks"]
            .as_array()
            .is_some_and(|ts| ts.iter().any(|t| t["id"] == id && t["state"] == "done"))
    });

    // The still its card shows arrives by itself, made in Rust.
    rig.wait_event("tasks-changed", |p| {
        p["tasks"].as_array().is_some_and(|ts| {
            ts.iter().any(|t| {
                t["id"] == id
                    && t["poster_url"]
                        .as_str()
                        .is_some_and(|u| u.contains("/poster/"))
            })
        })
    });

    let favourite = rig
        .invoke("set_favourite", json!({ "id": id, "favourite": true }))
        .unwrap();
    assert_eq!(favourite["favourite"], true);
    let page = rig
        .invoke("list_tasks", json!({ "query": { "states": ["done"], "search": "sunset", "favourites_only": true, "offset": 0, "limit": 50 } }))
        .unwrap();
    assert_eq!(page["total"], 1);
    let stats = rig.invoke("library_stats", json!({})).unwrap();
    assert_eq!(stats["counts"]["done"], 1);
    assert!(stats["credits_used_total"].as_f64().unwrap() > 0.0);

    let deleted = rig.invoke("delete_task", json!({ "id": id })).unwrap();
    assert_eq!(deleted["id"], id);
    assert_eq!(
        rig.invoke("get_task", json!({ "id": id })).unwrap_err()["code"],
        "not_found"
    );
}

#[test]
fn settings_and_demo_mode_through_the_commands() {
    let rig = Rig::start(None);
    let settings = rig.invoke("get_settings", json!({})).unwrap();
    assert_eq!(settings["theme"], "system");
    let refused = rig
        .invoke(
            "set_settings",
            json!({ "changes": { "callback_url": "http://10.0.0.1/hook" } }),
        )
        .unwrap_err();
    assert_eq!(refused["code"], "invalid_argument");
    let saved = rig
        .invoke(
            "set_settings",
            json!({ "changes": { "theme": "dark", "default_model": "wan3.0" } }),
        )
        .unwrap();
    assert_eq!(
        (saved["theme"].as_str(), saved["default_model"].as_str()),
        (Some("dark"), Some("wan3.0"))
    );
    let models = rig.invoke("list_models", json!({})).unwrap();
    assert_eq!(models["default"], "sora-2-preview");
    let kling = models["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "kling-v3")
        .unwrap();
    assert_eq!(kling["pictures"]["style"], "start_end");
    assert_eq!(kling["available"], true);
    let estimate = rig
        .invoke("estimate", json!({ "input": { "model": "kling-v3", "choices": { "duration": 10, "quality": "1080p", "audio": true }, "pictures": { "first": true, "last": true } } }))
        .unwrap();
    assert_eq!(
        (estimate["credits"].as_f64(), estimate["api_id"].as_str()),
        (Some(108.0), Some("kling-v3-image-to-video"))
    );

    let info = rig.invoke("set_demo", json!({ "on": true })).unwrap();
    assert_eq!(info["demo"], true);
    rig.wait_event("mode-changed", |e| e["demo"] == true);
    let balance = rig.invoke("refresh_balance", json!({})).unwrap();
    assert_eq!(balance["demo"], true);
    let task = rig
        .invoke("submit_task", json!({ "input": { "prompt": "A demo kite", "model": "sora-2-preview", "choices": { "aspect": "9:16" } } }))
        .unwrap();
    let done = rig.until_final(task[0]["id"].as_str().unwrap());
    assert_eq!(done["state"], "done");
    let info = rig.invoke("set_demo", json!({ "on": false })).unwrap();
    assert_eq!(info["demo"], false);
    assert_eq!(
        rig.invoke("list_tasks", json!({ "query": {} })).unwrap()["total"],
        0
    );
}

#[test]
fn close_choice_is_granted_and_takes_only_its_answers() {
    let rig = Rig::start(None);
    // Granted by the capability: "stay" (the question dismissed) answers, and changes nothing.
    assert_eq!(
        rig.invoke("close_choice", json!({ "choice": "stay" })),
        Ok(serde_json::Value::Null)
    );
    assert!(rig.app.get_webview_window("main").is_some());
    for bad in ["", "hide", "Quit", "background ", "../quit"] {
        let problem = rig
            .invoke("close_choice", json!({ "choice": bad }))
            .unwrap_err();
        assert_eq!(problem["code"], "invalid_argument", "{bad:?}: {problem}");
        assert_eq!(
            problem["message"]["key"],
            "problem.invalid_argument.close_choice"
        );
        assert_eq!(problem["retryable"], false);
    }
    // Of the wrong type or missing: refused before the command runs.
    for args in [json!({ "choice": 1 }), json!({}), json!({ "choice": null })] {
        assert!(rig.invoke("close_choice", args.clone()).is_err(), "{args}");
    }
}

#[test]
fn a_batch_is_planned_confirmed_queued_reordered_paused_and_stopped_through_the_commands() {
    let rig = Rig::start(Some(KEY));
    rig.invoke("pause_queue", json!({ "paused": true }))
        .unwrap();
    let settings = rig
        .invoke(
            "set_settings",
            json!({ "changes": { "max_active": 2, "daily_limit": 500 } }),
        )
        .unwrap();
    assert_eq!(
        (
            settings["max_active"].as_u64(),
            settings["daily_limit"].as_f64()
        ),
        (Some(2), Some(500.0))
    );
    let batch = json!({ "text": "A cat\n\nA dog\nrunning\n\nA fox", "csv": false,
                        "model": "sora-2-preview", "choices": { "duration": 4 }, "takes": 1 });
    let plan = rig.invoke("plan_batch", json!({ "input": batch })).unwrap();
    assert_eq!(plan["count"], 3);
    assert_eq!(plan["lines"][1]["prompt"], "A dog\nrunning");
    assert_eq!(plan["problems"], json!([]));
    let credits = plan["credits"].as_f64().unwrap();
    assert!(credits > 0.0);

    // What was confirmed must still hold when it is queued.
    let mut confirmed = batch.clone();
    confirmed["count"] = json!(2);
    confirmed["credits"] = json!(credits);
    let e = rig
        .invoke("submit_batch", json!({ "input": confirmed }))
        .unwrap_err();
    assert_eq!(e["code"], "plan_changed");
    confirmed["count"] = json!(3);
    let tasks = rig
        .invoke("submit_batch", json!({ "input": confirmed }))
        .unwrap();
    let ids: Vec<String> = tasks
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 3);
    assert!(tasks
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["batch_id"] == tasks[0]["batch_id"]));

    // Paused: they wait, in order, and the panel says so.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let queue = loop {
        let queue = rig.invoke("queue_status", json!({})).unwrap();
        if queue["waiting"].as_array().unwrap().len() == 3 {
            break queue;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never all waiting: {queue}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(queue["paused"], true);
    assert_eq!(queue["waiting"][0]["queue_position"], 1);
    assert_eq!(queue["runs"][0]["total"], 3);
    let reordered = rig
        .invoke("reorder_queue", json!({ "ids": [ids[2]] }))
        .unwrap();
    let order: Vec<&str> = reordered["waiting"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(order, [ids[2].as_str(), ids[0].as_str(), ids[1].as_str()]);
    let stopped = rig
        .invoke("stop_task", json!({ "id": ids[1], "discard": null }))
        .unwrap();
    assert_eq!(stopped["removed"], true);
    rig.wait_event("queue-changed", |q| {
        q["waiting"].as_array().is_some_and(|w| w.len() == 2)
    });

    rig.invoke("pause_queue", json!({ "paused": false }))
        .unwrap();
    for id in [&ids[0], &ids[2]] {
        assert_eq!(rig.until_final(id)["state"], "done");
    }
    assert_eq!(rig.server.counters().creates_per_key.get(&ids[1]), None);
    let e = rig
        .invoke("stop_task", json!({ "id": ids[0], "discard": false }))
        .unwrap_err();
    assert_eq!(e["code"], "not_allowed");
    assert_eq!(rig.invoke("clear_failed", json!({})).unwrap()["removed"], 0);
}

/// What the release app grants is tauri.conf.json's capability alone: nothing there exists only
/// for tests (raising events is added to development builds at start, see `add_test_hooks`).
#[test]
fn the_shipped_capability_grants_nothing_only_tests_use() {
    let config: serde_json::Value =
        serde_json::from_str(include_str!("../../tauri.conf.json")).unwrap();
    let capabilities = config["app"]["security"]["capabilities"]
        .as_array()
        .unwrap();
    let granted: Vec<&str> = capabilities
        .iter()
        .flat_map(|c| c["permissions"].as_array().unwrap())
        .filter_map(|p| p.as_str())
        .collect();
    assert!(granted.contains(&"allow-submit-task"), "{granted:?}");
    for test_only in [
        "core:event:allow-emit",
        "core:event:default",
        "core:default",
    ] {
        assert!(
            !granted.contains(&test_only),
            "{test_only} is granted to the shipped app"
        );
    }
}

/// tauri.conf.json's CSP names no loopback address; at start the app adds the media server's
/// own port, and only that, to the sources of pictures and videos.
#[test]
fn the_page_may_load_media_from_the_media_servers_port_alone() {
    let mut context = sora_desk::context::<tauri::test::MockRuntime>();
    let csp = |context: &tauri::Context<tauri::test::MockRuntime>| {
        context
            .config()
            .app
            .security
            .csp
            .clone()
            .unwrap()
            .to_string()
    };
    let shipped = csp(&context);
    assert!(
        !shipped.contains("127.0.0.1") && !shipped.contains("//localhost"),
        "{shipped}"
    );

    sora_desk::allow_media_from(context.config_mut(), 43_210);
    let started = csp(&context);
    let directive = |name: &str| {
        started
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with(name))
            .unwrap()
            .to_string()
    };
    assert_eq!(
        directive("img-src "),
        "img-src 'self' data: blob: http://127.0.0.1:43210"
    );
    assert_eq!(
        directive("media-src "),
        "media-src 'self' blob: http://127.0.0.1:43210"
    );
    assert_eq!(started.matches("127.0.0.1").count(), 2, "{started}");
}
