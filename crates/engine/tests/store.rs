use evolink::Orientation;
use sora_engine::store::{ListQuery, NewTask, Patch, Store, StoreError};
use sora_engine::TaskState;
use sora_engine::UploadKey;

fn new_task(id: &str, prompt: &str) -> NewTask {
    NewTask {
        id: id.into(),
        model: "sora-2-preview".into(),
        prompt: prompt.into(),
        orientation: Orientation::Landscape,
        duration: 8,
        callback_url: None,
        source_image: None,
        image_options: None,
        retry_of: None,
    }
}

#[test]
fn a_new_task_is_recorded_as_preparing_with_what_was_asked() {
    let store = Store::in_memory().unwrap();
    let task = store
        .insert(&new_task("t1", "A cat playing piano"))
        .unwrap();
    assert_eq!(task.state, TaskState::Preparing);
    assert_eq!(task.prompt, "A cat playing piano");
    assert_eq!(task.orientation, Orientation::Landscape);
    assert_eq!(task.duration, 8);
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
    store
        .advance(
            "t1",
            TaskState::Preparing,
            TaskState::Submitting,
            &Patch::default(),
        )
        .unwrap();
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
                    "Choose another picture.".into(),
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
        TaskState::Submitting,
        &Patch::default(),
    )
    .unwrap();
    assert_eq!(app.get("from-cli").unwrap().state, TaskState::Submitting);
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
            "No connection.",
            None,
        )
        .unwrap();
    let waiting = store.get("t1").unwrap();
    assert_eq!(waiting.state, TaskState::Preparing);
    assert_eq!(waiting.error_code.as_deref(), Some("network_down"));
    assert_eq!(waiting.error_retryable, Some(true));
    // A note for a state the task has left changes nothing.
    store
        .note_trouble(
            "t1",
            TaskState::Queued,
            "server_trouble",
            "Busy.",
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
            TaskState::Submitting,
            &Patch::default(),
        )
        .unwrap();
    assert_eq!(moved.error_code, None);
    assert_eq!(moved.error_message, None);
    // A final state keeps the error it is given.
    let failed = store
        .advance(
            "t1",
            TaskState::Submitting,
            TaskState::Failed,
            &Patch {
                error: Some(("no_credits".into(), "Top up.".into(), false)),
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
            (TaskState::Preparing, TaskState::Submitting),
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
