use evolink::models::Choices;
use sora_engine::store::{ListQuery, NewTask, Patch, Store, StoreError};
use sora_engine::TaskState;
use sora_engine::UploadKey;

fn new_task(id: &str, prompt: &str) -> NewTask {
    let choices = Choices {
        duration: Some(8),
        ..Choices::default()
    };
    NewTask::with_defaults(id, "sora-2-preview", prompt, &choices)
}

#[test]
fn a_new_task_is_recorded_as_preparing_with_what_was_asked() {
    let store = Store::in_memory().unwrap();
    let task = store
        .insert(&new_task("t1", "A cat playing piano"))
        .unwrap();
    assert_eq!(task.state, TaskState::Preparing);
    assert_eq!(task.prompt, "A cat playing piano");
    assert_eq!(task.aspect, "16:9");
    assert_eq!(task.duration, 8);
    assert_eq!(task.audio, Some(true));
    assert!(task.remote_id.is_none());
    assert_eq!(store.get("t1").unwrap(), task);
    assert!(matches!(
        store.insert(&new_task("t1", "again")),
        Err(StoreError::Sqlite(_))
    ));
}

#[test]
fn advancing_records_the_patch_and_refuses_a_stale_state() {
    let store = Store::in_memory().unwrap();
    store.insert(&new_task("t1", "fox")).unwrap();
    for (from, to) in [
        (TaskState::Preparing, TaskState::Waiting),
        (TaskState::Waiting, TaskState::Submitting),
    ] {
        store.advance("t1", from, to, &Patch::default()).unwrap();
    }
    let queued = store
        .advance(
            "t1",
            TaskState::Submitting,
            TaskState::Queued,
            &Patch {
                remote_id: Some("task-unified-1757169743-7cvnl5zw".into()),
                credits_reserved: Some(46.08),
                estimated_seconds: Some(300),
                ..Patch::default()
            },
        )
        .unwrap();
    assert_eq!(
        queued.remote_id.as_deref(),
        Some("task-unified-1757169743-7cvnl5zw")
    );
    assert_eq!(queued.credits_reserved, Some(46.08));

    // A second writer that still believes the task is submitting cannot move it.
    let stale = store.advance(
        "t1",
        TaskState::Submitting,
        TaskState::OutcomeUnknown,
        &Patch::default(),
    );
    assert!(matches!(
        stale,
        Err(StoreError::WrongState {
            actual: TaskState::Queued,
            ..
        })
    ));
    // Transitions outside the state machine are refused before touching the database.
    let skip = store.advance("t1", TaskState::Queued, TaskState::Done, &Patch::default());
    assert!(matches!(skip, Err(StoreError::BadTransition { .. })));
    assert_eq!(store.get("t1").unwrap().state, TaskState::Queued);
}

#[test]
fn final_states_are_timestamped_and_leave_the_active_list() {
    let store = Store::in_memory().unwrap();
    for id in ["a", "b", "c"] {
        store.insert(&new_task(id, id)).unwrap();
    }
    let failed = store
        .advance(
            "b",
            TaskState::Preparing,
            TaskState::Failed,
            &Patch {
                error: Some((
                    "image_rejected".into(),
                    evolink::Words::new("problem.image_rejected"),
                    false,
                )),
                ..Patch::default()
            },
        )
        .unwrap();
    assert!(failed.finished_at.is_some());
    assert_eq!(failed.error_code.as_deref(), Some("image_rejected"));
    assert_eq!(failed.error_retryable, Some(false));
    let active: Vec<String> = store.active().unwrap().into_iter().map(|t| t.id).collect();
    assert_eq!(active, ["a", "c"]);
    // Only finished tasks can be deleted: an active one may still cost money.
    assert!(store.delete("a").is_err());
    assert_eq!(store.delete("b").unwrap().id, "b");
    assert!(matches!(store.get("b"), Err(StoreError::NotFound(_))));
}

#[test]
fn the_gallery_lists_newest_first_with_filters_search_and_paging() {
    let store = Store::in_memory().unwrap();
    let prompts = [
        "A red fox in snow",
        "100% pure joy",
        "A fox_cub plays",
        "Ocean waves",
    ];
    for (i, prompt) in prompts.iter().enumerate() {
        store.insert(&new_task(&format!("t{i}"), prompt)).unwrap();
    }
    store.set_favourite("t1", true).unwrap();
    let ids = |q: &ListQuery| -> Vec<String> {
        store.list(q).unwrap().into_iter().map(|t| t.id).collect()
    };
    let all = ListQuery {
        limit: 10,
        ..Default::default()
    };
    assert_eq!(ids(&all), ["t3", "t2", "t1", "t0"]);
    assert_eq!(store.count(&all).unwrap(), 4);
    let fox = ListQuery {
        search: Some("FOX".into()),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(ids(&fox), ["t2", "t0"]);
    // Search words are literal: % and _ are not wildcards.
    let percent = ListQuery {
        search: Some("100%".into()),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(ids(&percent), ["t1"]);
    let underscore = ListQuery {
        search: Some("x_c".into()),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(ids(&underscore), ["t2"]);
    let favourites = ListQuery {
        favourites_only: true,
        limit: 10,
        ..Default::default()
    };
    assert_eq!(ids(&favourites), ["t1"]);
    let page = ListQuery {
        offset: 1,
        limit: 2,
        ..Default::default()
    };
    assert_eq!(ids(&page), ["t2", "t1"]);
    store
        .advance(
            "t3",
            TaskState::Preparing,
            TaskState::Failed,
            &Patch::default(),
        )
        .unwrap();
    let failed = ListQuery {
        states: vec![TaskState::Failed],
        limit: 10,
        ..Default::default()
    };
    assert_eq!(ids(&failed), ["t3"]);
}

#[test]
fn an_upload_is_reused_only_while_it_has_time_left_and_only_by_its_host_and_account() {
    let store = Store::in_memory().unwrap();
    let now = sora_engine::store::now();
    let key = |sha: &str, host: &str, account: &str| UploadKey {
        sha256: sha.into(),
        files_base: host.into(),
        account: account.into(),
    };
    let ours = key("abc", "https://files.example", "acct1");
    store
        .remember_upload(&ours, "https://files.example/a.png", now + 3600)
        .unwrap();
    assert_eq!(
        store.reusable_upload(&ours, 600).unwrap(),
        Some(("https://files.example/a.png".to_string(), now + 3600))
    );
    assert_eq!(store.reusable_upload(&ours, 7200).unwrap(), None);
    let other_picture = key("other", "https://files.example", "acct1");
    assert_eq!(store.reusable_upload(&other_picture, 0).unwrap(), None);
    // Another account, or another file host, never gets this account's upload.
    let other_account = key("abc", "https://files.example", "acct2");
    assert_eq!(store.reusable_upload(&other_account, 0).unwrap(), None);
    let other_host = key("abc", "https://proxy.example", "acct1");
    assert_eq!(store.reusable_upload(&other_host, 0).unwrap(), None);
}

#[test]
fn a_store_on_disk_survives_reopening_and_refuses_a_newer_schema() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open_in(dir.path()).unwrap();
        store
            .insert(&new_task("kept", "A lighthouse at dusk"))
            .unwrap();
        store.set_setting("theme", "dark").unwrap();
    }
    let store = Store::open_in(dir.path()).unwrap();
    assert_eq!(store.get("kept").unwrap().prompt, "A lighthouse at dusk");
    assert_eq!(store.setting("theme").unwrap().as_deref(), Some("dark"));
    drop(store);

    let conn = rusqlite::Connection::open(dir.path().join("sora-desk.sqlite3")).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    assert!(matches!(
        Store::open_in(dir.path()),
        Err(StoreError::TooNew { found: 99, .. })
    ));
}

#[test]
fn two_handles_on_one_file_see_each_others_changes() {
    let dir = tempfile::tempdir().unwrap();
    let app = Store::open_in(dir.path()).unwrap();
    let cli = Store::open_in(dir.path()).unwrap();
    cli.insert(&new_task("from-cli", "A kite")).unwrap();
    cli.advance(
        "from-cli",
        TaskState::Preparing,
        TaskState::Waiting,
        &Patch::default(),
    )
    .unwrap();
    assert_eq!(app.get("from-cli").unwrap().state, TaskState::Waiting);
}

#[test]
fn processes_opening_a_new_store_together_do_not_trip_over_the_migration() {
    for _round in 0..20 {
        let dir = tempfile::tempdir().unwrap();
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(6));
        let handles: Vec<_> = (0..6)
            .map(|_| {
                let path = dir.path().join("sora-desk.sqlite3");
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    Store::open(&path).map(|_| ())
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap().expect("every opener succeeds");
        }
    }
}

#[test]
fn trouble_is_noted_on_an_active_task_and_cleared_when_it_moves_on() {
    let store = Store::in_memory().unwrap();
    store.insert(&new_task("t1", "fox")).unwrap();
    store
        .note_trouble(
            "t1",
            TaskState::Preparing,
            "network_down",
            &evolink::Words::new("problem.network_down"),
            None,
        )
        .unwrap();
    let waiting = store.get("t1").unwrap();
    assert_eq!(waiting.state, TaskState::Preparing);
    assert_eq!(waiting.error_code.as_deref(), Some("network_down"));
    assert_eq!(waiting.error_retryable, Some(true));
    // Stored as its key and parameters, read back the same.
    assert_eq!(
        waiting.error_message,
        Some(evolink::Words::new("problem.network_down"))
    );
    // A note for a state the task has left changes nothing.
    store
        .note_trouble(
            "t1",
            TaskState::Queued,
            "server_trouble",
            &evolink::Words::new("problem.server_trouble"),
            Some("req-1"),
        )
        .unwrap();
    assert_eq!(
        store.get("t1").unwrap().error_code.as_deref(),
        Some("network_down")
    );
    let moved = store
        .advance(
            "t1",
            TaskState::Preparing,
            TaskState::Waiting,
            &Patch::default(),
        )
        .unwrap();
    assert_eq!(moved.error_code, None);
    assert_eq!(moved.error_message, None);
    // A final state keeps the error it is given.
    let failed = store
        .advance(
            "t1",
            TaskState::Waiting,
            TaskState::Failed,
            &Patch {
                error: Some((
                    "no_credits".into(),
                    evolink::Words::new("problem.no_credits"),
                    false,
                )),
                ..Patch::default()
            },
        )
        .unwrap();
    assert_eq!(failed.error_code.as_deref(), Some("no_credits"));
}

#[test]
fn stats_add_up_spend_and_count_states() {
    let store = Store::in_memory().unwrap();
    for (id, credits) in [("a", 23.04), ("b", 46.08)] {
        store.insert(&new_task(id, "fox")).unwrap();
        for (from, to) in [
            (TaskState::Preparing, TaskState::Waiting),
            (TaskState::Waiting, TaskState::Submitting),
            (TaskState::Submitting, TaskState::Queued),
            (TaskState::Queued, TaskState::Generating),
            (TaskState::Generating, TaskState::Downloading),
        ] {
            store.advance(id, from, to, &Patch::default()).unwrap();
        }
        store
            .advance(
                id,
                TaskState::Downloading,
                TaskState::Done,
                &Patch {
                    credits_used: Some(credits),
                    ..Patch::default()
                },
            )
            .unwrap();
    }
    store.insert(&new_task("c", "owl")).unwrap();
    store.set_favourite("a", true).unwrap();

    let stats = store.stats(0).unwrap();
    assert!((stats.credits_used_total - 69.12).abs() < 1e-9);
    assert!((stats.credits_used_since - 69.12).abs() < 1e-9);
    assert_eq!(stats.favourites, 1);
    assert_eq!(stats.counts.get(&TaskState::Done), Some(&2));
    assert_eq!(stats.counts.get(&TaskState::Preparing), Some(&1));
    assert_eq!(stats.counts.get(&TaskState::Failed), None);
    let later = store.stats(sora_engine::store::now() + 10).unwrap();
    assert_eq!(later.credits_used_since, 0.0);
    assert!((later.credits_used_total - 69.12).abs() < 1e-9);
}

/// A store written by the app before tasks could use any model (schema 2), with finished tasks
/// made by that version's own writer path, plus in-flight rows of every kind added the way
/// that version wrote them. Opening it migrates it, and every task is still there, unchanged.
#[test]
fn a_store_from_before_models_opens_with_every_task_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sora-desk.sqlite3");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/store-v2.sqlite3"
        ),
        &path,
    )
    .unwrap();
    let columns =
        "id, remote_id, model, prompt, duration, callback_url, source_image, image_options,
        prepared_image, prepared_sha256, upload_url, upload_expires_at, state, progress,
        remote_status, error_code, error_message, error_retryable, credits_reserved, credits_used,
        estimated_seconds, result_urls, results_expire_at, video_path, video_size, video_sha256,
        favourite, retry_of, created_at, updated_at, submitted_at, finished_at, api_base, account,
        create_sent_at, checks, lookup, request_id";
    let snapshot = |conn: &rusqlite::Connection| -> Vec<(Vec<String>, String)> {
        let sql = format!("SELECT {columns}, orientation FROM tasks ORDER BY rowid");
        let sql = if conn
            .prepare("SELECT orientation FROM tasks LIMIT 0")
            .is_ok()
        {
            sql
        } else {
            sql.replace("orientation FROM", "aspect FROM")
        };
        let mut statement = conn.prepare(&sql).unwrap();
        let n = statement.column_count();
        statement
            .query_map([], |row| {
                let values = (0..n - 1)
                    .map(|i| format!("{:?}", row.get_ref(i).unwrap()))
                    .collect();
                let shape: String = row.get(n - 1)?;
                Ok((values, shape))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let before = {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, 2, "the fixture is a store from before models");
        conn.execute_batch(
            "INSERT INTO tasks (id, model, prompt, orientation, duration, source_image, image_options,
                                prepared_image, prepared_sha256, upload_url, upload_expires_at, state,
                                remote_id, progress, created_at, updated_at, submitted_at, api_base, account)
             VALUES ('sd-generating-with-picture', 'sora-2-preview', 'A kite over the dunes', 'portrait', 12,
                     '/home/me/kite.jpg', '{\"framing\":\"fill\",\"focus\":null,\"crop\":null}',
                     '/data/prepared/sd-generating-with-picture.jpg', 'abc123', 'https://files.example/k.jpg', 1999999999,
                     'generating', 'task-unified-1-kite', 40, 1796000000, 1796000100, 1796000005,
                     'https://api.evolink.ai', '0123456789abcdef');
             INSERT INTO tasks (id, model, prompt, orientation, duration, state, created_at, updated_at,
                                create_sent_at, checks, lookup, error_code, error_message, api_base, account)
             VALUES ('sd-uncertain', 'sora-2-preview', 'A lighthouse in fog', 'landscape', 4, 'outcome_unknown',
                     1796000200, 1796000300, 1796000201, 0, 'ambiguous', 'outcome_unknown', 'Not sure it started',
                     'https://api.evolink.ai', '0123456789abcdef');
             INSERT INTO tasks (id, model, prompt, orientation, duration, state, created_at, updated_at, create_sent_at)
             VALUES ('sd-in-flight', 'sora-2-preview', 'A tram at night', 'landscape', 8, 'submitting',
                     1796000400, 1796000400, 1796000401);",
        )
        .unwrap();
        snapshot(&conn)
    };
    assert_eq!(before.len(), 43);
    let store = Store::open(&path).unwrap();
    let after = snapshot(&rusqlite::Connection::open(&path).unwrap());
    assert_eq!(after.len(), before.len());
    for ((old, orientation), (new, aspect)) in before.iter().zip(&after) {
        assert_eq!(old, new, "every column is kept");
        let expected = if orientation == "portrait" {
            "9:16"
        } else {
            "16:9"
        };
        assert_eq!(aspect, expected);
    }
    // And the app reads every task: the gallery's page, the engine's in-flight list.
    let all = store
        .list(&ListQuery {
            limit: 100,
            ..ListQuery::default()
        })
        .unwrap();
    assert_eq!(all.len(), 43);
    assert!(all
        .iter()
        .all(|t| t.model == "sora-2-preview" && t.audio == Some(true)));
    let kite = store.get("sd-generating-with-picture").unwrap();
    assert_eq!((kite.aspect.as_str(), kite.duration), ("9:16", 12));
    assert_eq!(
        kite.upload_url.as_deref(),
        Some("https://files.example/k.jpg")
    );
    assert_eq!(kite.model_entry().unwrap().name, "Sora 2");
    let active: Vec<String> = store.active().unwrap().into_iter().map(|t| t.id).collect();
    assert_eq!(active, ["sd-generating-with-picture", "sd-in-flight"]);
    assert_eq!(
        store.get("sd-in-flight").unwrap().create_sent_at,
        Some(1796000401)
    );
    let uncertain = store.get("sd-uncertain").unwrap();
    assert_eq!(uncertain.lookup.as_deref(), Some("ambiguous"));
    // A note written by an older version is an English sentence: it shows as its code's
    // default words, in the person's language.
    assert_eq!(
        uncertain.error_message,
        Some(evolink::Words::new("problem.outcome_unknown"))
    );
    let done = all.iter().filter(|t| t.state == TaskState::Done).count();
    assert_eq!(done, 34);
}
