//! The CLI killed with SIGKILL at random moments of a task's life, then `resume`: no task is
//! lost, none is created twice on the server, and no partial file ever carries a final name.
//! Also: a second process on the same store sees a task's progress while the first runs it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use evolink_mock::{Action, Faults, Injection, MockConfig, MockServer};
use sora_engine::library::hash_file;
use sora_engine::{Store, TaskState};

const KEY: &str = "sk-crash-test-9d2c41e07b";

struct Fake {
    _runtime: tokio::runtime::Runtime,
    server: MockServer,
}

fn fake(generation_secs: f64) -> Fake {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let config = MockConfig {
        // One account for the shared tests, and one per trial: each trial is a person with
        // their own account, so a lookup never sees another trial's tasks.
        keys: std::iter::once(KEY.to_string())
            .chain((0..TRIAL_KEYS).map(trial_key))
            .collect(),
        time_scale: 100.0,
        generation_secs,
        seed: 3,
        faults: Faults {
            // Slow enough steps that random kills land in every phase.
            endpoint_latency_ms: [("upload_stream", 250), ("create", 250), ("media", 300)]
                .map(|(e, ms)| (e.to_string(), ms))
                .into(),
            ..Faults::default()
        },
        ..MockConfig::default()
    };
    let server = runtime.block_on(MockServer::start(config)).unwrap();
    Fake {
        _runtime: runtime,
        server,
    }
}

const TRIAL_KEYS: usize = 64;

fn trial_key(trial: usize) -> String {
    format!("sk-crash-test-trial-{trial:03}-a81c")
}

fn cli(fake: &Fake, home: &Path, args: &[&str]) -> Command {
    cli_as(fake, home, KEY, args)
}

fn cli_as(fake: &Fake, home: &Path, key: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sora-desk-cli"));
    command
        .args(args)
        .env("SORA_DESK_DATA_DIR", home.join("data"))
        .env("SORA_DESK_LIBRARY_DIR", home.join("library"))
        .env("SORA_DESK_API_BASE", fake.server.base_url())
        .env("SORA_DESK_FILES_BASE", fake.server.base_url())
        .env("EVOLINK_API_KEY", key)
        .env("SORA_DESK_POLL_MS", "40")
        // Never the real keychain or the person's folders.
        .env("HOME", home)
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

/// Kills the child when dropped, so a failing test leaves no process behind.
struct Reaped(Option<Child>);

impl Drop for Reaped {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn wait_with_limit(mut child: Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the CLI did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs `resume` (which ends once every task has ended) and returns the tasks of the store.
fn resume_then_list(fake: &Fake, home: &Path, key: &str, trial: usize) -> Vec<sora_engine::Task> {
    let status = wait_with_limit(
        cli_as(fake, home, key, &["resume"]).spawn().unwrap(),
        Duration::from_secs(60),
    );
    assert!(status.success(), "trial {trial}: resume failed ({status})");
    Store::open_in(&home.join("data"))
        .unwrap()
        .list(&sora_engine::ListQuery {
            limit: 10,
            ..Default::default()
        })
        .unwrap()
}

fn served_sha(portrait: bool) -> String {
    let name = if portrait {
        "portrait.mp4"
    } else {
        "landscape.mp4"
    };
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../evolink-mock/assets")
        .join(name);
    hash_file(&path).unwrap().0
}

#[test]
fn sigkill_at_random_moments_then_resume_loses_nothing_and_pays_once() {
    let fake = fake(60.0);
    let landscape_sha = served_sha(false);
    let picture_dir = tempfile::tempdir().unwrap();
    let picture = picture_dir.path().join("street.jpg");
    image::RgbImage::from_fn(1000, 800, |x, y| image::Rgb([x as u8, y as u8, 40]))
        .save(&picture)
        .unwrap();

    let trials = 24;
    let mut phases: BTreeMap<String, u32> = BTreeMap::new();
    let mut seed = 0x5eed_u64;
    for trial in 0..trials {
        let home = tempfile::tempdir().unwrap();
        let prompt = format!("Crash trial {trial}: a tram crossing a bridge");
        let mut args = vec!["generate", "--prompt", prompt.as_str(), "--wait"];
        let picture_arg = picture.display().to_string();
        if trial % 2 == 0 {
            args.extend(["--image", picture_arg.as_str()]);
        }
        let key = trial_key(trial);
        let child = cli_as(&fake, home.path(), &key, &args).spawn().unwrap();
        // A kill somewhere in the task's life (about 1.5 s end to end here).
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = Duration::from_millis(seed % 1800);
        std::thread::sleep(delay);
        let mut child = child;
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();

        let store = Store::open_in(&home.path().join("data")).unwrap();
        let recorded = store
            .list(&sora_engine::ListQuery {
                limit: 10,
                ..Default::default()
            })
            .unwrap();
        let phase = recorded
            .first()
            .map_or("not yet recorded".to_string(), |t| t.state.to_string());
        *phases.entry(phase.clone()).or_default() += 1;
        drop(store);

        let tasks = resume_then_list(&fake, home.path(), &key, trial);
        assert!(
            tasks.len() <= 1,
            "trial {trial}: one generate made {} tasks",
            tasks.len()
        );
        let counters = fake.server.counters();
        if let Some(task) = tasks.first() {
            let created = counters.tasks_per_key.get(&task.id).copied().unwrap_or(0);
            assert!(created <= 1, "trial {trial}: created {created} times");
            // Every task ends with its video, whenever the kill came: a paid call interrupted
            // by the kill is reconciled on resume, never left unknown, never sent twice.
            assert_eq!(
                task.state,
                TaskState::Done,
                "trial {trial}: killed while {phase}, ended {}: {:?}",
                task.state,
                task.error_message
            );
            assert_eq!(
                created, 1,
                "trial {trial}: created upstream but never saved"
            );
            let video = Path::new(task.video_path.as_deref().unwrap());
            assert_eq!(hash_file(video).unwrap().0, landscape_sha, "trial {trial}");
        }
        // No partial file under a final name, and nothing half-written left behind.
        if let Ok(entries) = std::fs::read_dir(home.path().join("library")) {
            for entry in entries {
                let path = entry.unwrap().path();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                assert!(!name.ends_with(".part"), "trial {trial}: left {name}");
                if name.ends_with(".mp4") {
                    assert_eq!(
                        hash_file(&path).unwrap().0,
                        landscape_sha,
                        "trial {trial}: {name} is not the whole video"
                    );
                }
            }
        }
    }
    println!("phase at kill: {phases:?}");
    let seen = |names: &[&str]| names.iter().any(|n| phases.contains_key(*n));
    assert!(
        seen(&["preparing", "uploading"]),
        "no kill before the paid call: {phases:?}"
    );
    assert!(
        seen(&["queued", "generating"]),
        "no kill while generating: {phases:?}"
    );
    assert!(
        seen(&["downloading", "done"]),
        "no kill while saving: {phases:?}"
    );
}

/// SIGKILL during the paid call itself, at random points: before the request is handled, while
/// EvoLink makes the task, and after it did but before the answer arrived. On resume every
/// task ends done with exactly one task upstream.
#[test]
fn sigkill_during_the_paid_call_then_resume_pays_once_and_saves_every_video() {
    let fake = fake(30.0);
    let landscape_sha = served_sha(false);
    let trials = 20;
    let mut phases: BTreeMap<String, u32> = BTreeMap::new();
    let mut seed = 0xc0ffee_u64;
    let mut recovered_by_replay = 0;
    for trial in 0..trials {
        // Half the trials: the server is slow before it handles the create; the other half:
        // it creates the task at once and is slow to answer.
        let faults = if trial % 2 == 0 {
            Faults {
                endpoint_latency_ms: [("create".to_string(), 700)].into(),
                ..Faults::default()
            }
        } else {
            Faults {
                inject: vec![Injection::new("create", 1, Action::Delay { ms: 700 })],
                ..Faults::default()
            }
        };
        fake.server.set_faults(faults);
        let replays_before = fake.server.counters().replays;
        let home = tempfile::tempdir().unwrap();
        let prompt = format!("Paid call trial {trial}: a kite above dunes");
        let key = trial_key(32 + trial);
        let mut child = cli_as(
            &fake,
            home.path(),
            &key,
            &["generate", "--prompt", prompt.as_str(), "--wait"],
        )
        .spawn()
        .unwrap();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_millis(150 + seed % 700));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        fake.server.set_faults(Faults::default());

        let store = Store::open_in(&home.path().join("data")).unwrap();
        let phase = store
            .list(&sora_engine::ListQuery {
                limit: 10,
                ..Default::default()
            })
            .unwrap()
            .first()
            .map_or("not yet recorded".to_string(), |t| {
                if t.create_sent_at.is_some() && t.state == TaskState::Submitting {
                    "paid call in flight".to_string()
                } else {
                    t.state.to_string()
                }
            });
        *phases.entry(phase.clone()).or_default() += 1;
        drop(store);

        let tasks = resume_then_list(&fake, home.path(), &key, trial);
        let counters = fake.server.counters();
        recovered_by_replay += counters.replays - replays_before;
        for task in &tasks {
            let created = counters.tasks_per_key.get(&task.id).copied().unwrap_or(0);
            assert_eq!(
                (task.state, created),
                (TaskState::Done, 1),
                "trial {trial}: killed while {phase}: {:?}",
                task.error_message
            );
            let video = Path::new(task.video_path.as_deref().unwrap());
            assert_eq!(hash_file(video).unwrap().0, landscape_sha, "trial {trial}");
        }
    }
    println!(
        "{trials} kills during the paid call; phase at kill: {phases:?}; \
         recovered by replay: {recovered_by_replay}; created upstream but never saved: 0"
    );
    assert!(
        phases.get("paid call in flight").copied().unwrap_or(0) as usize >= trials / 3,
        "too few kills landed in the paid call: {phases:?}"
    );
}

#[test]
fn a_second_process_sees_progress_of_a_task_the_first_is_running() {
    let fake = fake(300.0);
    let home = tempfile::tempdir().unwrap();
    // Killed when the test ends, even when it fails.
    let mut child = Reaped(Some(
        cli(
            &fake,
            home.path(),
            &[
                "generate",
                "--prompt",
                "A slow sunrise over hills",
                "--wait",
            ],
        )
        .spawn()
        .unwrap(),
    ));

    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen_progress = None;
    while Instant::now() < deadline {
        let output = cli(&fake, home.path(), &["list", "--json"])
            .stdout(Stdio::piped())
            .output()
            .unwrap();
        assert!(output.status.success());
        let tasks: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        if let Some(task) = tasks.as_array().and_then(|a| a.first()) {
            if task["state"] == "generating" && task["progress"].as_u64().unwrap_or(0) > 0 {
                seen_progress = Some(task["progress"].as_u64().unwrap());
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        seen_progress.is_some(),
        "the second process never saw the task generating with progress"
    );
    let status = wait_with_limit(child.0.take().unwrap(), Duration::from_secs(60));
    assert!(status.success());
    let output = cli(&fake, home.path(), &["list", "--state", "done", "--json"])
        .stdout(Stdio::piped())
        .output()
        .unwrap();
    let done: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(done.as_array().unwrap().len(), 1);
}

#[test]
fn two_clis_on_one_store_share_one_engine_and_pay_once_each() {
    let fake = fake(60.0);
    let home = tempfile::tempdir().unwrap();
    let spawn = |prompt: &str| {
        cli(
            &fake,
            home.path(),
            &["generate", "--prompt", prompt, "--wait"],
        )
        .stdout(Stdio::piped())
        .spawn()
        .unwrap()
    };
    let first = spawn("A fox crossing a frozen lake");
    std::thread::sleep(Duration::from_millis(300));
    let second = spawn("A heron fishing at dawn");
    let outputs: Vec<_> = [first, second]
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for output in &outputs {
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let said: String = outputs
        .iter()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .collect();
    assert!(
        said.contains("Another Sora Desk"),
        "one of them follows the other's engine:\n{said}"
    );

    let store = Store::open_in(&home.path().join("data")).unwrap();
    let tasks = store
        .list(&sora_engine::ListQuery {
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(tasks.len(), 2);
    let counters = fake.server.counters();
    for task in tasks {
        assert_eq!(task.state, TaskState::Done);
        assert_eq!(counters.tasks_per_key.get(&task.id), Some(&1));
    }
}
