//! The queue against the fake EvoLink server: slots per account, the daily spend limit, pause,
//! order, stop, and several videos from one paid call.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::*;
use sora_engine::{EngineConfig, QueueRules, Stop, Store, Task, TaskState};

fn prompts(n: usize) -> Vec<sora_engine::SubmitRequest> {
    (1..=n)
        .map(|i| request(&format!("Prompt number {i}: a lighthouse in fog")))
        .collect()
}

fn set_rules(store: &Store, change: impl FnOnce(&mut QueueRules)) {
    let mut rules = store.queue_rules().unwrap();
    change(&mut rules);
    store.set_queue_rules(&rules).unwrap();
}

/// Waits until `check` holds for the store, or fails with what it last saw.
async fn until(store: &Store, what: &str, limit: Duration, check: impl Fn(&[Task]) -> bool) {
    let deadline = Instant::now() + limit;
    let mut seen: Vec<String> = Vec::new();
    loop {
        let tasks = store.list(&all()).unwrap();
        if check(&tasks) {
            return;
        }
        let states: Vec<(TaskState, Option<String>)> = tasks
            .iter()
            .map(|t| (t.state, t.error_code.clone()))
            .collect();
        let line = format!("{states:?}");
        if seen.last() != Some(&line) {
            seen.push(line);
        }
        assert!(Instant::now() < deadline, "never {what}: {seen:#?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn all() -> sora_engine::ListQuery {
    sora_engine::ListQuery {
        limit: 1000,
        ..Default::default()
    }
}

fn count(tasks: &[Task], state: TaskState) -> usize {
    tasks.iter().filter(|t| t.state == state).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_thirty_never_has_more_than_three_generating_and_each_is_made_once() {
    let server = mock(mock_config()).await;
    let rig = Rig::start(&server, EngineConfig::fast());
    assert_eq!(
        rig.store.queue_rules().unwrap().max_active,
        3,
        "the default"
    );
    let tasks = rig.engine().submit_all(prompts(30), 1, true).unwrap();
    let batch = tasks[0].batch_id.clone().unwrap();
    assert!(tasks
        .iter()
        .all(|t| t.batch_id.as_deref() == Some(batch.as_str())));

    // While it runs, the app never has more than three tasks of this account past the queue.
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut most_past_the_queue = 0;
    let mut saw_waiting_note = false;
    while !rig.store.active().unwrap().is_empty() {
        let now = rig.store.list(&all()).unwrap();
        let past = now
            .iter()
            .filter(|t| {
                matches!(
                    t.state,
                    TaskState::Uploading
                        | TaskState::Submitting
                        | TaskState::Queued
                        | TaskState::Generating
                )
            })
            .count();
        most_past_the_queue = most_past_the_queue.max(past);
        saw_waiting_note |= now.iter().any(|t| {
            t.state == TaskState::Waiting && t.error_code.as_deref() == Some("waiting_for_slot")
        });
        assert!(Instant::now() < deadline, "the batch never finished");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(most_past_the_queue <= 3, "{most_past_the_queue}");
    assert!(saw_waiting_note, "waiting tasks said why they wait");

    let counters = server.counters();
    assert_eq!(
        counters.max_active_for(KEY),
        3,
        "the fake saw the limit used, and never passed"
    );
    assert_eq!(counters.tasks_created, 30);
    for task in &tasks {
        assert_eq!(
            counters.tasks_per_key.get(&task.id),
            Some(&1),
            "{}",
            task.id
        );
    }
    let done = rig.store.list(&all()).unwrap();
    assert_eq!(count(&done, TaskState::Done), 30);
    let files: BTreeSet<String> = done.iter().map(|t| t.video_path.clone().unwrap()).collect();
    assert_eq!(files.len(), 30, "thirty videos, each its own file");
    assert!(files.iter().all(|f| std::path::Path::new(f).is_file()));

    let runs = rig.store.runs(0).unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(
        (run.total, run.done, run.failed, run.waiting, run.active),
        (30, 30, 0, 0, 0)
    );
    assert!(run.finished_at.is_some());
    let charged: f64 = done.iter().filter_map(|t| t.credits_used).sum();
    assert!(
        (run.credits - charged).abs() < 0.01,
        "{} vs {charged}",
        run.credits
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_in_the_middle_of_a_batch_resumes_without_doubling_or_losing_any() {
    let server = mock(mock_config()).await;
    let rig = Rig::start(&server, EngineConfig::fast());
    let tasks = rig.engine().submit_all(prompts(12), 1, true).unwrap();
    until(
        &rig.store,
        "some done and some waiting",
        Duration::from_secs(60),
        |t| count(t, TaskState::Done) >= 2 && count(t, TaskState::Waiting) >= 3,
    )
    .await;
    // Dropping the handle stops at once, like a crash.
    let Rig { dir, store, handle } = rig;
    drop(handle);
    drop(store);

    let rig = Rig::start_in(dir, &server, EngineConfig::fast());
    rig.all_finished(Duration::from_secs(90)).await;
    let counters = server.counters();
    assert_eq!(counters.tasks_created, 12);
    assert!(counters.max_active_for(KEY) <= 3);
    for task in &tasks {
        assert_eq!(
            counters.tasks_per_key.get(&task.id),
            Some(&1),
            "{}",
            task.id
        );
        assert_eq!(rig.store.get(&task.id).unwrap().state, TaskState::Done);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_spend_limit_stops_paid_calls_at_the_limit_and_raising_it_lets_them_go() {
    let server = mock(mock_config()).await;
    let rig = Rig::start(&server, EngineConfig::fast());
    let each = {
        let task = sora_engine::record(&Store::in_memory().unwrap(), request("price")).unwrap();
        task.estimate_credits.unwrap()
    };
    // Room for two and a half videos today.
    set_rules(&rig.store, |r| r.daily_limit = Some(each * 2.5));
    let tasks = rig.engine().submit_all(prompts(4), 1, false).unwrap();
    until(
        &rig.store,
        "two done, two held",
        Duration::from_secs(60),
        |t| {
            count(t, TaskState::Done) == 2
                && t.iter()
                    .filter(|t| t.error_code.as_deref() == Some("spend_limit"))
                    .count()
                    == 2
        },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        server.counters().tasks_created,
        2,
        "nothing paid past the limit"
    );
    let held = rig.store.get(&tasks[3].id).unwrap();
    assert_eq!(held.state, TaskState::Waiting);
    let why = held.error_message.unwrap();
    assert_eq!(why.key, "problem.spend_limit.amounts");
    let why = why.english();
    assert!(
        why.contains("spend limit") && why.contains("Settings"),
        "{why}"
    );
    let spent = rig
        .store
        .spent_since(sora_engine::start_of_today())
        .unwrap();
    assert!(spent <= each * 2.5 && spent > 0.0, "{spent}");

    set_rules(&rig.store, |r| r.daily_limit = Some(each * 10.0));
    rig.engine().queue_changed();
    rig.all_finished(Duration::from_secs(60)).await;
    assert_eq!(server.counters().tasks_created, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_queue_sends_nothing_and_goes_on_in_its_new_order_when_resumed() {
    let server = mock(mock_config()).await;
    let rig = Rig::start(&server, EngineConfig::fast());
    set_rules(&rig.store, |r| {
        r.paused = true;
        r.max_active = 1;
    });
    let tasks = rig.engine().submit_all(prompts(3), 1, true).unwrap();
    until(
        &rig.store,
        "all noted paused",
        Duration::from_secs(20),
        |t| {
            t.iter()
                .all(|t| t.error_code.as_deref() == Some("queue_paused"))
        },
    )
    .await;
    assert_eq!(server.counters().create_calls, 0);
    let order = |store: &Store| -> Vec<String> {
        store.waiting().unwrap().into_iter().map(|t| t.id).collect()
    };
    assert_eq!(
        order(&rig.store),
        [
            tasks[0].id.clone(),
            tasks[1].id.clone(),
            tasks[2].id.clone()
        ]
    );

    // The last one first; the rest keep their order after it.
    rig.store.reorder_waiting(&[tasks[2].id.clone()]).unwrap();
    assert_eq!(
        order(&rig.store),
        [
            tasks[2].id.clone(),
            tasks[0].id.clone(),
            tasks[1].id.clone()
        ]
    );
    set_rules(&rig.store, |r| r.paused = false);
    rig.engine().queue_changed();
    rig.all_finished(Duration::from_secs(60)).await;
    let sent: Vec<String> = server
        .counters()
        .create_bodies
        .iter()
        .map(|b| b["prompt"].as_str().unwrap().to_string())
        .collect();
    let expected: Vec<String> = [2, 0, 1].iter().map(|&i| tasks[i].prompt.clone()).collect();
    assert_eq!(sent, expected, "one at a time, in the queue's order");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_stopped_before_its_paid_call_is_never_sent() {
    let server = mock(mock_config()).await;
    let rig = Rig::start(&server, EngineConfig::fast());
    set_rules(&rig.store, |r| r.max_active = 1);
    let tasks = rig.engine().submit_all(prompts(3), 1, true).unwrap();
    until(
        &rig.store,
        "the last one waiting",
        Duration::from_secs(20),
        |t| {
            t.iter()
                .any(|t| t.id == tasks[2].id && t.state == TaskState::Waiting)
        },
    )
    .await;
    match rig.engine().stop(&tasks[2].id, None).unwrap() {
        Stop::Removed(removed) => assert_eq!(removed[0].id, tasks[2].id),
        Stop::Stopped(task) => panic!("an unpaid task was kept: {task:?}"),
    }
    assert!(
        rig.store.find(&tasks[2].id).unwrap().is_none(),
        "gone at once"
    );
    rig.all_finished(Duration::from_secs(60)).await;
    let counters = server.counters();
    assert_eq!(
        counters.creates_per_key.get(&tasks[2].id),
        None,
        "never sent"
    );
    assert_eq!(counters.tasks_created, 2);
    let run = &rig.store.runs(0).unwrap()[0];
    assert_eq!((run.total, run.done), (2, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paid_task_is_stopped_only_with_a_choice_and_a_discarded_video_is_not_saved() {
    let server = mock(evolink_mock::MockConfig {
        generation_secs: 300.0,
        ..mock_config()
    })
    .await;
    let rig = Rig::start(&server, EngineConfig::fast());
    let tasks = rig.engine().submit_all(prompts(2), 1, false).unwrap();
    until(&rig.store, "both paid", Duration::from_secs(20), |t| {
        t.iter()
            .all(|t| matches!(t.state, TaskState::Queued | TaskState::Generating))
    })
    .await;
    let e = rig.engine().stop(&tasks[0].id, None).unwrap_err();
    assert_eq!(e.code(), "confirm_needed");
    assert!(e.to_string().contains("may still be charged"), "{e}");
    assert!(matches!(
        rig.engine().stop(&tasks[0].id, Some(true)).unwrap(),
        Stop::Stopped(_)
    ));
    assert!(matches!(
        rig.engine().stop(&tasks[1].id, Some(false)).unwrap(),
        Stop::Stopped(_)
    ));
    rig.all_finished(Duration::from_secs(60)).await;
    let discarded = rig.store.get(&tasks[0].id).unwrap();
    assert_eq!(
        (discarded.state, discarded.error_code.as_deref()),
        (TaskState::Failed, Some("stopped"))
    );
    assert_eq!(discarded.video_path, None);
    let kept = rig.store.get(&tasks[1].id).unwrap();
    assert_eq!(kept.state, TaskState::Done, "kept: saved when it came");
    assert_eq!(
        server.counters().media_requests,
        1,
        "only the kept one downloaded"
    );
    let files = std::fs::read_dir(rig.library_dir())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".mp4")
        })
        .count();
    assert_eq!(files, 1);
    // What a discarded video cost still counts today: EvoLink made it.
    let spent = rig
        .store
        .spent_since(sora_engine::start_of_today())
        .unwrap();
    assert!(spent >= discarded.credits_used.unwrap() + kept.credits_used.unwrap() - 0.01);
    assert!(
        rig.engine().stop(&tasks[1].id, Some(true)).is_err(),
        "it ended"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn veo_makes_two_takes_in_one_paid_call_and_both_are_saved_with_its_recipe() {
    let server = mock(mock_config()).await;
    let rig = Rig::start(&server, EngineConfig::fast());
    let veo = sora_engine::SubmitRequest::new(
        "veo-3.1-fast-generate-preview",
        "A whale breaching at sunset",
    );
    let tasks = rig.engine().submit_all(vec![veo], 2, false).unwrap();
    assert_eq!(tasks.len(), 2);
    let (lead, other) = (&tasks[0], &tasks[1]);
    assert_eq!((lead.videos, lead.take, other.take), (2, Some(1), Some(2)));
    assert_eq!(other.lead_id.as_deref(), Some(lead.id.as_str()));
    assert_eq!(lead.takes_group, other.takes_group);
    assert!(lead.takes_group.is_some());
    let one = sora_engine::record(
        &Store::in_memory().unwrap(),
        sora_engine::SubmitRequest::new("veo-3.1-fast-generate-preview", "x"),
    )
    .unwrap();
    assert_eq!(
        lead.estimate_credits,
        Some(one.estimate_credits.unwrap() * 2.0)
    );
    assert_eq!(other.estimate_credits, None, "not charged on its own");

    rig.all_finished(Duration::from_secs(60)).await;
    let counters = server.counters();
    assert_eq!(counters.create_calls, 1, "one paid call");
    assert_eq!(counters.create_bodies[0]["n"], 2);
    assert_eq!(counters.creates_per_key.get(&other.id), None);
    let lead = rig.store.get(&lead.id).unwrap();
    let other = rig.store.get(&other.id).unwrap();
    assert_eq!(
        (lead.state, other.state),
        (TaskState::Done, TaskState::Done)
    );
    let (a, b) = (lead.video_path.unwrap(), other.video_path.unwrap());
    assert_ne!(a, b, "two videos, two files");
    let recipe = |video: &str| -> serde_json::Value {
        let json = std::path::Path::new(video).with_extension("json");
        serde_json::from_slice(&std::fs::read(json).unwrap()).unwrap()
    };
    let (ra, rb) = (recipe(&a), recipe(&b));
    assert_eq!(ra["evolink_task_id"], rb["evolink_task_id"]);
    assert_eq!(ra["evolink_task_id"].as_str(), lead.remote_id.as_deref());
    assert_eq!(rb["made_with_task_id"].as_str(), Some(lead.id.as_str()));
    assert_eq!(
        (ra["take"].as_u64(), rb["take"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(counters.media_requests, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn takes_of_a_model_without_several_videos_per_call_are_separate_paid_tasks() {
    let server = mock(mock_config()).await;
    let rig = Rig::start(&server, EngineConfig::fast());
    let tasks = rig
        .engine()
        .submit_all(vec![request("A red kite")], 3, false)
        .unwrap();
    assert!(tasks.iter().all(|t| t.lead_id.is_none() && t.videos == 1));
    assert_eq!(
        tasks.iter().map(|t| t.take).collect::<Vec<_>>(),
        [Some(1), Some(2), Some(3)]
    );
    rig.all_finished(Duration::from_secs(60)).await;
    assert_eq!(server.counters().tasks_created, 3);
    assert!(rig
        .engine()
        .submit_all(vec![request("Too many")], 5, false)
        .is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_the_first_take_of_one_call_before_it_is_paid_removes_them_all() {
    let server = mock(mock_config()).await;
    let rig = Rig::start(&server, EngineConfig::fast());
    set_rules(&rig.store, |r| r.paused = true);
    let veo = sora_engine::SubmitRequest::new("veo-3.1-fast-generate-preview", "A storm at sea");
    let tasks = rig.engine().submit_all(vec![veo], 3, false).unwrap();
    until(&rig.store, "waiting", Duration::from_secs(20), |t| {
        t.iter().all(|t| t.state == TaskState::Waiting)
    })
    .await;
    let e = rig.engine().stop(&tasks[1].id, None).unwrap_err();
    assert_eq!(e.code(), "not_allowed");
    match rig.engine().stop(&tasks[0].id, None).unwrap() {
        Stop::Removed(removed) => assert_eq!(removed.len(), 3),
        other => panic!("{other:?}"),
    }
    assert!(rig.store.list(&all()).unwrap().is_empty());
    assert_eq!(server.counters().create_calls, 0);
}
