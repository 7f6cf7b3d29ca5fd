//! The money path: a paid video is never lost and never paid twice, whatever happens to the
//! answer of the paid call, to the process, or to the settings.

mod common;

use std::time::Duration;

use common::*;
use evolink::{ApiKey, Client, ClientConfig};
use evolink_mock::{Action, Faults, Injection, MockConfig};
use sora_engine::{EngineConfig, EngineEvent, TaskState};

/// A lost answer to the paid call (the task was made, the answer dropped, or came after the
/// client gave up): the video is saved, EvoLink made one task, nobody had to do anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_create_answer_is_recovered_and_the_video_saved_with_one_task_upstream() {
    for (name, action) in [
        ("answer dropped", Action::DropAfterAccept),
        // Longer than the test client's 5 s timeout.
        ("answer too late", Action::Delay { ms: 5_600 }),
    ] {
        let mut config = mock_config();
        config.faults = Faults {
            inject: vec![Injection::new("create", 1, action)],
            ..Faults::default()
        };
        let server = mock(config).await;
        let rig = Rig::start(&server, EngineConfig::fast());
        let task = rig.submit("A lighthouse in fog, waves below");
        let task = rig.finished(&task.id, Duration::from_secs(40)).await;
        let counters = server.counters();
        assert_eq!(
            task.state,
            TaskState::Done,
            "{name}: {:?}",
            task.error_message
        );
        assert_eq!(counters.tasks_created, 1, "{name}");
        assert_eq!(counters.tasks_per_key.get(&task.id), Some(&1), "{name}");
        let video = std::path::Path::new(task.video_path.as_deref().unwrap());
        assert_eq!(sha256_file(video), served_clip_sha(&task.aspect));
        println!(
            "{name}: create calls {}, replays {}, lookups {} -> recovered by {}",
            counters.create_calls,
            counters.replays,
            counters.requests.get("list_tasks").copied().unwrap_or(0),
            if counters.replays > 0 {
                "replay"
            } else {
                "lookup"
            }
        );
        // Found in the task list: the paid call was never sent again.
        assert_eq!(counters.create_calls, 1, "{name}");
    }
}

/// Two answers lost at once: the first lookup sees two unclaimed tasks, so it does not guess;
/// it resends with its own idempotency key and EvoLink gives back the task it already made.
/// The other is then either the one unclaimed task left, or replayed the same way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_lost_answers_at_once_are_told_apart_by_their_idempotency_keys() {
    let mut config = mock_config();
    config.faults = Faults {
        inject: vec![Injection::new("create", 2, Action::DropAfterAccept)],
        ..Faults::default()
    };
    let server = mock(config).await;
    let rig = Rig::start(&server, EngineConfig::fast());
    let first = rig.submit("A red kite over a beach");
    let second = rig.submit("A blue kite over a field");
    for id in [&first.id, &second.id] {
        let task = rig.finished(id, Duration::from_secs(40)).await;
        assert_eq!(task.state, TaskState::Done, "{:?}", task.error_message);
        assert_eq!(server.counters().tasks_per_key.get(id), Some(&1));
    }
    let counters = server.counters();
    assert_eq!(counters.tasks_created, 2);
    assert!(
        counters.replays >= 1,
        "an ambiguous lookup is settled by a replay"
    );
    assert_eq!(
        counters.create_calls,
        2 + counters.replays,
        "no resend but replays"
    );
    assert_ne!(
        rig.store.get(&first.id).unwrap().remote_id,
        rig.store.get(&second.id).unwrap().remote_id
    );
}

/// A create refused with 429, then the app quits before trying again: on the next start the
/// task is sent again (nothing was created), never taken for "outcome unknown".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_refused_with_429_is_sent_again_after_a_restart() {
    let mut config = mock_config();
    config.faults = Faults {
        // A long Retry-After: the client hands it to the engine instead of waiting itself.
        inject: vec![Injection::new(
            "create",
            1,
            Action::Status {
                status: 429,
                retry_after: Some("60".into()),
            },
        )],
        ..Faults::default()
    };
    let server = mock(config).await;
    let rig = Rig::start(&server, EngineConfig::fast());
    let task = rig.submit("A street market at dusk");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while server.counters().create_calls == 0 {
        assert!(std::time::Instant::now() < deadline, "no create call");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let waiting = rig.store.get(&task.id).unwrap();
    assert_eq!(waiting.state, TaskState::Submitting);
    assert_eq!(
        waiting.create_sent_at, None,
        "a certain refusal clears the mark"
    );

    // Quit (as abruptly as a crash) and start again on the same store.
    let Rig { dir, handle, .. } = rig;
    drop(handle);
    let rig = Rig::start_in(dir, &server, EngineConfig::fast());
    let task = rig.finished(&task.id, Duration::from_secs(30)).await;
    assert_eq!(task.state, TaskState::Done, "{:?}", task.error_message);
    assert_eq!(server.counters().tasks_per_key.get(&task.id), Some(&1));
    assert_eq!(server.counters().create_calls, 2);
}

fn client_for(server: &evolink_mock::MockServer, key: &str) -> Client {
    let mut config = ClientConfig::new(ApiKey::new(key).unwrap())
        .with_bases(server.base_url(), server.base_url());
    config.request_timeout = Duration::from_secs(5);
    Client::new(config).unwrap()
}

async fn wait_for_state(rig: &Rig, id: &str, state: TaskState) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while rig.store.get(id).unwrap().state != state {
        assert!(
            std::time::Instant::now() < deadline,
            "{id} never reached {state}: {}",
            rig.store.get(id).unwrap().state
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn slow_config(keys: &[&str]) -> MockConfig {
    MockConfig {
        keys: keys.iter().map(|k| k.to_string()).collect(),
        generation_secs: 150.0,
        ..mock_config()
    }
}

/// The API address changes in Settings while a video is being made: it finishes on the host it
/// was made on, without switching back; new tasks go to the new host.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_finishes_on_its_own_host_when_the_address_changes() {
    let first_host = mock(slow_config(&[KEY])).await;
    let second_host = mock(MockConfig {
        seed: 12,
        ..slow_config(&[KEY])
    })
    .await;
    let rig = Rig::start(&first_host, EngineConfig::fast());
    let task = rig.submit("A glacier calving into the sea");
    wait_for_state(&rig, &task.id, TaskState::Generating).await;

    rig.engine().set_client(Some(client_for(&second_host, KEY)));
    let later = rig.submit("A second video, for the new address");
    for id in [&task.id, &later.id] {
        let done = rig.finished(id, Duration::from_secs(40)).await;
        assert_eq!(
            done.state,
            TaskState::Done,
            "{id}: {:?}",
            done.error_message
        );
    }
    let (first, second) = (first_host.counters(), second_host.counters());
    assert_eq!(first.tasks_per_key.get(&task.id), Some(&1));
    assert_eq!(second.tasks_per_key.get(&later.id), Some(&1));
    assert_eq!(
        second.tasks_created, 1,
        "the first task never went to the new host"
    );
    let remote = rig.store.get(&task.id).unwrap().remote_id.unwrap();
    assert!(!second.polls_per_task.contains_key(&remote));
    assert!(first.polls_per_task.get(&remote).copied().unwrap_or(0) > 0);
}

/// Another account's key is put in while a video is being made: the video is followed with
/// the key it was made with (the other account may not see it) and saved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_finishes_with_its_own_account_when_the_key_changes() {
    const OTHER: &str = "sk-engine-test-other-account-77";
    let server = mock(slow_config(&[KEY, OTHER])).await;
    let rig = Rig::start(&server, EngineConfig::fast());
    let task = rig.submit("A paper plane over rooftops");
    wait_for_state(&rig, &task.id, TaskState::Generating).await;
    rig.engine().set_client(Some(client_for(&server, OTHER)));
    let done = rig.finished(&task.id, Duration::from_secs(40)).await;
    assert_eq!(done.state, TaskState::Done, "{:?}", done.error_message);
    assert_eq!(server.counters().tasks_created, 1);
    // The other account really could not have followed it.
    let remote = done.remote_id.unwrap();
    let refused = client_for(&server, OTHER)
        .get_task(&remote)
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(403));
}

/// The key is removed while the video is being made: the video is still saved (following it
/// uses the key it was made with, known to the engine; saving needs none).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_video_is_saved_after_the_key_is_removed() {
    let mut config = slow_config(&[KEY]);
    config.generation_secs = 60.0;
    config.faults = Faults {
        // Saving takes a while, so the key goes while the video is being saved too.
        endpoint_latency_ms: [("media".to_string(), 400)].into(),
        ..Faults::default()
    };
    let server = mock(config).await;
    let rig = Rig::start(&server, EngineConfig::fast());
    let generating = rig.submit("A hummingbird at a feeder");
    wait_for_state(&rig, &generating.id, TaskState::Generating).await;
    rig.engine().set_client(None);
    let done = rig.finished(&generating.id, Duration::from_secs(40)).await;
    assert_eq!(done.state, TaskState::Done, "{:?}", done.error_message);

    // And a video already being saved when the key goes.
    rig.engine().set_client(Some(client(&server)));
    let saving = rig.submit("A kingfisher diving");
    wait_for_state(&rig, &saving.id, TaskState::Downloading).await;
    rig.engine().set_client(None);
    let done = rig.finished(&saving.id, Duration::from_secs(40)).await;
    assert_eq!(done.state, TaskState::Done, "{:?}", done.error_message);
    assert_eq!(server.counters().tasks_created, 2);
}

/// The store becomes read-only during a run (as a full or failing disk does): the tasks show
/// the trouble; once it is writable again they all finish, none lost, none paid twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_store_shows_trouble_then_every_task_finishes() {
    let server = mock(slow_config(&[KEY])).await;
    let rig = Rig::start(&server, EngineConfig::fast());
    let mut events = rig.engine().subscribe();
    let ids: Vec<String> = (0..4)
        .map(|i| rig.submit(&format!("Rain on a window, take {i}")).id)
        .collect();
    wait_for_state(&rig, &ids[0], TaskState::Generating).await;

    let data = rig.dir.path().join("data");
    let files: Vec<_> = ["sora-desk.sqlite3", "sora-desk.sqlite3-wal"]
        .iter()
        .map(|f| data.join(f))
        .collect();
    let immutable = |on: bool| {
        for file in &files {
            let status = std::process::Command::new("chattr")
                .arg(if on { "+i" } else { "-i" })
                .arg(file)
                .status()
                .expect("chattr runs");
            assert!(
                status.success(),
                "chattr on {file:?} (the suite runs as root)"
            );
        }
    };
    immutable(true);
    // Until the store is writable again, the trouble is said: a store event and tasks marked.
    let mut said = None;
    let mut marked = false;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !(said.is_some() && marked) {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("the trouble was never shown")
            .unwrap();
        match event {
            EngineEvent::StoreTrouble { message: Some(m) } => said = Some(m),
            EngineEvent::Tasks { tasks } => {
                marked |= tasks
                    .iter()
                    .any(|t| t.error_code.as_deref() == Some("storage") && t.state.is_active());
            }
            _ => {}
        }
    }
    let said = said.unwrap();
    assert_eq!(said.key, "problem.storage.unwritten");
    assert!(said.english().contains("data folder"));
    immutable(false);

    rig.all_finished(Duration::from_secs(60)).await;
    let counters = server.counters();
    for id in &ids {
        let task = rig.store.get(id).unwrap();
        assert_eq!(
            task.state,
            TaskState::Done,
            "{id}: {:?}",
            task.error_message
        );
        assert_eq!(counters.tasks_per_key.get(id), Some(&1), "{id}");
    }
}

/// Every attempt's answer is lost and EvoLink's list shows nothing: after a few checks the
/// task is left "outcome unknown" with what the lookup found (nothing: never started, never
/// charged). Making it again needs the person's confirmation; "look again" sends it once more
/// with the same key, and it is made once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_checking_cannot_decide_the_person_is_told_and_can_look_again() {
    let mut config = mock_config();
    config.faults = Faults {
        // The connection closes before the request is handled: nothing is ever created.
        inject: vec![Injection::new("create", 1000, Action::Drop)],
        ..Faults::default()
    };
    let server = mock(config).await;
    let rig = Rig::start(&server, EngineConfig::fast());
    let task = rig.submit("A hot air balloon over vineyards");
    let unknown = rig.finished(&task.id, Duration::from_secs(40)).await;
    assert_eq!(unknown.state, TaskState::OutcomeUnknown);
    assert_eq!(unknown.lookup.as_deref(), Some("nothing_found"));
    let words = unknown.error_message.unwrap();
    assert_eq!(words.key, "problem.outcome_unknown.nothing_found");
    assert!(words.english().contains("never started"));
    assert_eq!(
        server.counters().tasks_created,
        0,
        "never started, never charged"
    );

    // A new paid task from it only with the person's confirmation.
    let refused = rig.engine().retry(&task.id, false).unwrap_err();
    assert_eq!(refused.code(), "confirm_needed");

    // Look again, with EvoLink reachable now: sent with the same key, made once.
    server.set_faults(Faults::default());
    let again = rig.engine().look_again(&task.id).unwrap();
    assert_eq!(again.state, TaskState::Submitting);
    assert_eq!(again.error_code.as_deref(), Some("checking"));
    let done = rig.finished(&task.id, Duration::from_secs(40)).await;
    assert_eq!(done.state, TaskState::Done, "{:?}", done.error_message);
    assert_eq!(server.counters().tasks_per_key.get(&task.id), Some(&1));
    assert_eq!(server.counters().tasks_created, 1);
}

/// An uncertain task whose lookup did not find "nothing" cannot be made again at all: the
/// person is asked to look again first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_uncertain_task_is_made_again_only_after_a_lookup_found_nothing() {
    let mut config = mock_config();
    config.faults = Faults {
        inject: vec![
            Injection::new("create", 1000, Action::Drop),
            Injection::new(
                "list_tasks",
                1000,
                Action::Status {
                    status: 500,
                    retry_after: None,
                },
            ),
        ],
        ..Faults::default()
    };
    let server = mock(config).await;
    let rig = Rig::start(&server, EngineConfig::fast());
    let task = rig.submit("Fireflies in a summer meadow");
    let unknown = rig.finished(&task.id, Duration::from_secs(60)).await;
    assert_eq!(unknown.state, TaskState::OutcomeUnknown);
    assert_eq!(unknown.lookup.as_deref(), Some("unavailable"));
    assert_eq!(
        rig.engine().retry(&task.id, true).unwrap_err().code(),
        "look_first"
    );
    // Unable to ask, the app never sent the request again.
    assert_eq!(server.counters().create_calls, 1);
}

/// EvoLink answers 404 for a task it had accepted (a glitch on its side or in between): the
/// task waits with a note and is asked about again, not failed; the video is saved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_404_for_an_accepted_task_is_trouble_retried_not_a_failure() {
    let mut config = slow_config(&[KEY]);
    config.faults = Faults {
        inject: vec![Injection::new(
            "get_task",
            4,
            Action::Status {
                status: 404,
                retry_after: None,
            },
        )],
        ..Faults::default()
    };
    let server = mock(config).await;
    let rig = Rig::start(&server, EngineConfig::fast());
    let mut events = rig.engine().subscribe();
    let task = rig.submit("A tram in the snow at night");
    let mut noted = false;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !noted {
        if let EngineEvent::Tasks { tasks } = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("the trouble was never noted")
            .unwrap()
        {
            noted = tasks.iter().any(|t| {
                t.id == task.id
                    && t.state.is_active()
                    && t.error_code.as_deref() == Some("task_trouble")
            });
        }
    }
    let done = rig.finished(&task.id, Duration::from_secs(40)).await;
    assert_eq!(done.state, TaskState::Done, "{:?}", done.error_message);
    assert_eq!(server.counters().tasks_created, 1);
}

/// A create refused for lack of credits fails at once with its reason; nothing was created or
/// charged ("Nothing was charged for this one").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_refused_for_lack_of_credits_fails_and_nothing_is_charged() {
    let server = mock(MockConfig {
        balance: 10.0,
        ..mock_config()
    })
    .await;
    let rig = Rig::start(&server, EngineConfig::fast());
    let task = rig.submit("A waterfall in a jungle, mist rising");
    let failed = rig.finished(&task.id, Duration::from_secs(20)).await;
    assert_eq!(failed.state, TaskState::Failed);
    assert_eq!(failed.error_code.as_deref(), Some("no_credits"));
    assert_eq!(server.counters().tasks_created, 0);
    let balance = client(&server).credits().await.unwrap().spendable();
    assert_eq!(balance, Some(10.0), "the balance is untouched");
}
