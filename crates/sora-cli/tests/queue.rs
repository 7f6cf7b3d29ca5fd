//! The queue from the command line, with the real `sora-desk-cli` binary against the fake
//! EvoLink: a batch made a few at a time (each video paid once, the limit used and never
//! passed), a batch killed with SIGKILL and resumed, a waiting video stopped before its paid
//! call, the daily spend limit, and takes made by one paid request.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use evolink_mock::{MockConfig, MockServer};
use sora_engine::{ListQuery, Store, Task, TaskState};

const KEY: &str = "sk-queue-test-4be81d9c05";

struct Fake {
    _runtime: tokio::runtime::Runtime,
    server: MockServer,
}

/// The fake with its clock 100 times faster: a Sora task (15 s pending, then
/// `generation_secs`) takes a fraction of a second. No concurrency limit of its own, so a
/// limit passed by the app would show in `max_active_for`.
fn fake(generation_secs: f64) -> Fake {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let config = MockConfig {
        balance: 100_000.0,
        generation_secs,
        ..MockConfig::fast(KEY)
    };
    let server = runtime.block_on(MockServer::start(config)).unwrap();
    Fake {
        _runtime: runtime,
        server,
    }
}

/// The CLI on a store and library of its own, never the person's, with the fake's address
/// and key.
fn cli(fake: &Fake, home: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sora-desk-cli"));
    command
        .args(args)
        .env("SORA_DESK_DATA_DIR", home.join("data"))
        .env("SORA_DESK_LIBRARY_DIR", home.join("library"))
        .env("SORA_DESK_API_BASE", fake.server.base_url())
        .env("SORA_DESK_FILES_BASE", fake.server.base_url())
        .env("EVOLINK_API_KEY", KEY)
        .env("SORA_DESK_POLL_MS", "40")
        // Never the real keychain or the person's folders.
        .env("HOME", home)
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .stdin(Stdio::null());
    command
}

struct Ran {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

impl Ran {
    fn says(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.status, self.stdout, self.stderr
        )
    }
}

/// Kills the child when dropped, so a failing test leaves no process behind.
struct Reaped(Option<std::process::Child>);

impl Drop for Reaped {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starts the CLI with its output going to files in `home` (read by [`finish`]).
fn start(fake: &Fake, home: &Path, args: &[&str]) -> (Reaped, PathBuf) {
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let out = home.join(format!("run-{n}"));
    std::fs::create_dir_all(&out).unwrap();
    let child = cli(fake, home, args)
        .stdout(std::fs::File::create(out.join("stdout")).unwrap())
        .stderr(std::fs::File::create(out.join("stderr")).unwrap())
        .spawn()
        .unwrap();
    (Reaped(Some(child)), out)
}

/// Waits for a started CLI (killing it after `limit`) and reads what it said.
fn finish(mut child: Reaped, out: &Path, limit: Duration) -> Ran {
    let deadline = Instant::now() + limit;
    let mut process = child.0.take().unwrap();
    let status = loop {
        if let Some(status) = process.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = process.kill();
            let _ = process.wait();
            panic!(
                "the CLI did not finish within {limit:?}:\n{}",
                std::fs::read_to_string(out.join("stdout")).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Ran {
        status,
        stdout: std::fs::read_to_string(out.join("stdout")).unwrap(),
        stderr: std::fs::read_to_string(out.join("stderr")).unwrap(),
    }
}

fn run(fake: &Fake, home: &Path, args: &[&str], limit: Duration) -> Ran {
    let (child, out) = start(fake, home, args);
    finish(child, &out, limit)
}

fn prompts_file(home: &Path, count: usize, what: &str) -> PathBuf {
    let text: String = (1..=count)
        .map(|i| format!("{what} {i}: a lighthouse keeper waves at a passing ship\n"))
        .collect();
    let path = home.join("prompts.txt");
    std::fs::write(&path, text).unwrap();
    path
}

/// The most videos a command's progress lines ever said were being made at once.
fn most_said_being_made(stdout: &str) -> usize {
    stdout
        .lines()
        .filter_map(|line| {
            let (before, _) = line.split_once(" being made")?;
            before.rsplit(' ').next()?.parse().ok()
        })
        .max()
        .unwrap_or(0)
}

fn all_tasks(home: &Path) -> Vec<Task> {
    Store::open_in(&home.join("data"))
        .unwrap()
        .list(&ListQuery {
            limit: 1000,
            ..Default::default()
        })
        .unwrap()
}

/// The finished videos in the library folder (hidden partial files are not).
fn videos(home: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(home.join("library")) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            assert!(!name.ends_with(".part"), "a partial file was left: {name}");
            name.ends_with(".mp4") && !name.starts_with('.')
        })
        .collect();
    found.sort();
    found
}

/// Every task of the store was created exactly once upstream (its id is the idempotency
/// key), and upstream made nothing else.
fn assert_each_paid_once(fake: &Fake, tasks: &[Task]) {
    let counters = fake.server.counters();
    for task in tasks {
        assert_eq!(
            counters.tasks_per_key.get(&task.id),
            Some(&1),
            "task {} ({}) created upstream {:?} times",
            task.id,
            task.state,
            counters.tasks_per_key.get(&task.id)
        );
    }
    assert_eq!(counters.tasks_created as usize, tasks.len());
    assert_eq!(counters.tasks_per_key.len(), tasks.len());
}

#[test]
fn a_batch_of_thirty_is_made_three_at_a_time_and_each_video_is_paid_once() {
    let started = Instant::now();
    let fake = fake(30.0);
    let home = tempfile::tempdir().unwrap();
    let file = prompts_file(home.path(), 30, "Batch video");
    let file = file.to_str().unwrap();
    let ran = run(
        &fake,
        home.path(),
        &["batch", file, "--max-active", "3", "--yes", "--wait"],
        Duration::from_secs(180),
    );
    assert!(ran.status.success(), "{}", ran.says());
    assert!(ran.stdout.contains("30 videos"), "{}", ran.says());
    assert!(ran.stdout.contains("30 of 30 saved"), "{}", ran.says());
    assert_eq!(most_said_being_made(&ran.stdout), 3, "{}", ran.says());

    let tasks = all_tasks(home.path());
    assert_eq!(tasks.len(), 30);
    for task in &tasks {
        assert_eq!(
            task.state,
            TaskState::Done,
            "{}: {:?}",
            task.id,
            task.error_message
        );
        assert_eq!(task.batch_id, tasks[0].batch_id);
    }
    assert!(tasks[0].batch_id.is_some());
    assert_eq!(videos(home.path()).len(), 30);
    assert_each_paid_once(&fake, &tasks);
    let most = fake.server.counters().max_active_for(KEY);
    assert!(
        most <= 3,
        "{most} videos were being made at once, above the limit of 3"
    );
    assert_eq!(
        most, 3,
        "the limit of 3 was never used: at most {most} at once"
    );
    // The limit is saved, as the app's setting.
    let queue = run(
        &fake,
        home.path(),
        &["queue", "--json"],
        Duration::from_secs(30),
    );
    let queue: serde_json::Value = serde_json::from_str(&queue.stdout).unwrap();
    assert_eq!(queue["max_active"], 3);
    println!("30 videos, 3 at once: {:?}", started.elapsed());
}

#[test]
fn a_batch_killed_midway_is_carried_on_by_resume_and_nothing_is_paid_twice() {
    let started = Instant::now();
    let fake = fake(60.0);
    let home = tempfile::tempdir().unwrap();
    let file = prompts_file(home.path(), 30, "Killed batch");
    let file = file.to_str().unwrap();
    let (mut child, _out) = start(
        &fake,
        home.path(),
        &["batch", file, "--max-active", "3", "--yes", "--wait"],
    );

    // Kill it once some videos are saved, some are being made and some still wait.
    let deadline = Instant::now() + Duration::from_secs(90);
    let seen = loop {
        assert!(
            Instant::now() < deadline,
            "the batch never reached the middle"
        );
        std::thread::sleep(Duration::from_millis(30));
        let Ok(store) = Store::open_in(&home.path().join("data")) else {
            continue;
        };
        let Ok(tasks) = store.list(&ListQuery {
            limit: 1000,
            ..Default::default()
        }) else {
            continue;
        };
        let count =
            |states: &[TaskState]| tasks.iter().filter(|t| states.contains(&t.state)).count();
        let done = count(&[TaskState::Done]);
        let making = count(&[TaskState::Queued, TaskState::Generating]);
        let waiting = count(&[TaskState::Waiting]);
        if done >= 3 && making >= 1 && waiting >= 10 {
            break (done, making, waiting);
        }
    };
    let mut process = child.0.take().unwrap();
    process.kill().unwrap(); // SIGKILL
    process.wait().unwrap();
    println!("killed with {seen:?} (done, being made, waiting)");

    let ran = run(
        &fake,
        home.path(),
        &["resume", "--wait"],
        Duration::from_secs(180),
    );
    assert!(ran.status.success(), "{}", ran.says());
    assert!(
        ran.stdout.contains("waiting in the queue"),
        "{}",
        ran.says()
    );
    let resumed: usize = ran
        .stdout
        .split("Resuming ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{}", ran.says()));
    assert!(
        ran.stdout
            .contains(&format!("{resumed} of {resumed} saved")),
        "{}",
        ran.says()
    );
    assert!(most_said_being_made(&ran.stdout) <= 3, "{}", ran.says());
    let tasks = all_tasks(home.path());
    assert_eq!(tasks.len(), 30);
    for task in &tasks {
        assert_eq!(
            task.state,
            TaskState::Done,
            "{}: {:?}",
            task.id,
            task.error_message
        );
    }
    assert_eq!(videos(home.path()).len(), 30);
    assert_each_paid_once(&fake, &tasks);
    let most = fake.server.counters().max_active_for(KEY);
    assert!(
        most <= 3,
        "{most} videos were being made at once, above the limit of 3"
    );
    println!("killed and resumed: {:?}", started.elapsed());
}

#[test]
fn a_waiting_video_stopped_before_its_paid_call_is_never_sent_and_is_gone() {
    let started = Instant::now();
    let fake = fake(150.0);
    let home = tempfile::tempdir().unwrap();
    let file = prompts_file(home.path(), 3, "Stopped batch");
    let file = file.to_str().unwrap();
    let (child, out) = start(
        &fake,
        home.path(),
        &["batch", file, "--max-active", "1", "--yes", "--wait"],
    );

    // One video being made, the other two waiting for its slot.
    let deadline = Instant::now() + Duration::from_secs(60);
    let (making, waiting) = loop {
        assert!(Instant::now() < deadline, "never one made and two waiting");
        std::thread::sleep(Duration::from_millis(50));
        let queue = run(
            &fake,
            home.path(),
            &["queue", "--json"],
            Duration::from_secs(30),
        );
        assert!(queue.status.success(), "{}", queue.says());
        let queue: serde_json::Value = serde_json::from_str(&queue.stdout).unwrap();
        let waiting: Vec<String> = queue["waiting"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| w["why"] == "waiting_for_slot")
            .map(|w| w["id"].as_str().unwrap().to_string())
            .collect();
        let making: Vec<Task> = all_tasks(home.path())
            .into_iter()
            .filter(|t| matches!(t.state, TaskState::Queued | TaskState::Generating))
            .collect();
        if waiting.len() == 2 && making.len() == 1 {
            break (making[0].id.clone(), waiting);
        }
    };
    let stopped = waiting.last().unwrap().clone();
    let ran = run(
        &fake,
        home.path(),
        &["stop", &stopped],
        Duration::from_secs(30),
    );
    assert!(ran.status.success(), "{}", ran.says());
    assert!(
        ran.stdout
            .contains("Stopped and removed; nothing was paid."),
        "{}",
        ran.says()
    );

    // The one being made may be paid: stopping it needs a choice, and changes nothing.
    let ran = run(
        &fake,
        home.path(),
        &["stop", &making],
        Duration::from_secs(30),
    );
    assert_eq!(ran.status.code(), Some(8), "{}", ran.says());
    assert!(ran.stderr.contains("cannot cancel"), "{}", ran.says());
    assert!(ran.stderr.contains("--keep") && ran.stderr.contains("--discard"));
    // With --keep it is stopped, and its video is still saved when it comes.
    let ran = run(
        &fake,
        home.path(),
        &["stop", &making, "--keep"],
        Duration::from_secs(30),
    );
    assert!(ran.status.success(), "{}", ran.says());
    assert!(
        ran.stdout.contains("may still be charged"),
        "{}",
        ran.says()
    );

    let ran = finish(child, &out, Duration::from_secs(120));
    assert!(ran.status.success(), "{}", ran.says());
    let counters = fake.server.counters();
    assert!(
        !counters.creates_per_key.contains_key(&stopped),
        "the stopped video was sent: {:?}",
        counters.creates_per_key
    );
    assert!(!counters.tasks_per_key.contains_key(&stopped));
    let list = run(
        &fake,
        home.path(),
        &["list", "--json"],
        Duration::from_secs(30),
    );
    let list: serde_json::Value = serde_json::from_str(&list.stdout).unwrap();
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(!ids.contains(&stopped.as_str()));
    let tasks = all_tasks(home.path());
    assert!(tasks.iter().all(|t| t.state == TaskState::Done));
    let kept = tasks.iter().find(|t| t.id == making).unwrap();
    assert_eq!(kept.stopped, Some(sora_engine::Stopped::Keep));
    assert_each_paid_once(&fake, &tasks);
    assert_eq!(videos(home.path()).len(), 2);
    println!("stop while waiting: {:?}", started.elapsed());
}

#[test]
fn the_daily_spend_limit_holds_videos_until_it_is_raised() {
    let started = Instant::now();
    let fake = fake(30.0);
    let home = tempfile::tempdir().unwrap();
    // Sora 2, 4 s: about 23.04 credits each, 115.20 for five; 50 lets two go.
    let file = prompts_file(home.path(), 5, "Limited batch");
    let file = file.to_str().unwrap();
    let ran = run(
        &fake,
        home.path(),
        &["queue", "limit", "--daily-limit", "50"],
        Duration::from_secs(30),
    );
    assert!(ran.status.success(), "{}", ran.says());
    assert!(ran.stdout.contains("50 credits"), "{}", ran.says());

    let ran = run(
        &fake,
        home.path(),
        &["batch", file, "--yes", "--wait", "--duration", "4"],
        Duration::from_secs(120),
    );
    assert_eq!(ran.status.code(), Some(9), "{}", ran.says());
    assert!(ran.stdout.contains("2 of 5 saved"), "{}", ran.says());
    assert!(
        ran.stdout.contains("spend limit of 50 credits"),
        "{}",
        ran.says()
    );
    assert_eq!(fake.server.counters().tasks_created, 2);
    assert_eq!(videos(home.path()).len(), 2);

    let queue = run(&fake, home.path(), &["queue"], Duration::from_secs(30));
    assert!(queue.status.success(), "{}", queue.says());
    assert!(queue.stdout.contains("Waiting (3)"), "{}", queue.says());
    let held_lines = queue
        .stdout
        .lines()
        .filter(|l| l.contains(". sd-") && l.contains("spend limit"))
        .count();
    assert_eq!(held_lines, 3, "{}", queue.says());
    assert!(
        queue.stdout.contains("would pass today's spend limit"),
        "{}",
        queue.says()
    );
    assert!(
        queue.stdout.contains("daily limit of 50 credits"),
        "{}",
        queue.says()
    );
    let json = run(
        &fake,
        home.path(),
        &["queue", "--json"],
        Duration::from_secs(30),
    );
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let why: Vec<&str> = json["waiting"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["why"].as_str().unwrap_or("none"))
        .collect();
    assert_eq!(why, ["spend_limit"; 3]);
    let list = run(
        &fake,
        home.path(),
        &["list", "--state", "waiting"],
        Duration::from_secs(30),
    );
    assert_eq!(
        list.stdout.matches("Waiting (spend limit)").count(),
        3,
        "{}",
        list.says()
    );

    let ran = run(
        &fake,
        home.path(),
        &["queue", "limit", "--daily-limit", "200"],
        Duration::from_secs(30),
    );
    assert!(ran.status.success(), "{}", ran.says());
    let ran = run(&fake, home.path(), &["resume"], Duration::from_secs(120));
    assert!(ran.status.success(), "{}", ran.says());
    let tasks = all_tasks(home.path());
    assert_eq!(tasks.len(), 5);
    assert!(tasks.iter().all(|t| t.state == TaskState::Done));
    assert_each_paid_once(&fake, &tasks);
    assert_eq!(videos(home.path()).len(), 5);
    println!("spend limit: {:?}", started.elapsed());
}

#[test]
fn two_takes_with_veo_are_one_paid_request_and_two_saved_videos() {
    let started = Instant::now();
    let fake = fake(30.0);
    let home = tempfile::tempdir().unwrap();
    let ran = run(
        &fake,
        home.path(),
        &[
            "generate",
            "--prompt",
            "A red kite over green dunes",
            "--takes",
            "2",
            "--model",
            "veo-3.1-fast-generate-preview",
            "--wait",
        ],
        Duration::from_secs(120),
    );
    assert!(ran.status.success(), "{}", ran.says());
    assert_eq!(ran.stdout.matches("Task sd-").count(), 2, "{}", ran.says());

    let counters = fake.server.counters();
    assert_eq!(counters.create_calls, 1, "{:?}", counters.create_bodies);
    assert_eq!(counters.create_bodies.len(), 1);
    assert_eq!(
        counters.create_bodies[0]["n"], 2,
        "{}",
        counters.create_bodies[0]
    );
    assert_eq!(counters.tasks_created, 1);

    let videos = videos(home.path());
    assert_eq!(videos.len(), 2, "{videos:?}");
    let remote: Vec<serde_json::Value> = videos
        .iter()
        .map(|video| {
            let recipe: serde_json::Value =
                serde_json::from_slice(&std::fs::read(video.with_extension("json")).unwrap())
                    .unwrap();
            recipe["evolink_task_id"].clone()
        })
        .collect();
    assert!(remote[0].is_string(), "{remote:?}");
    assert_eq!(remote[0], remote[1]);

    let list = run(&fake, home.path(), &["list"], Duration::from_secs(30));
    assert!(list.stdout.contains("take 1 of 2"), "{}", list.says());
    assert!(list.stdout.contains("take 2 of 2"), "{}", list.says());
    let tasks = all_tasks(home.path());
    let second = tasks.iter().find(|t| t.take == Some(2)).unwrap();
    let first = tasks.iter().find(|t| t.take == Some(1)).unwrap();
    assert_eq!(second.lead_id.as_deref(), Some(first.id.as_str()));
    let show = run(
        &fake,
        home.path(),
        &["show", &second.id],
        Duration::from_secs(30),
    );
    assert!(
        show.stdout
            .contains(&format!("2 of 2, made by the request of {}", first.id)),
        "{}",
        show.says()
    );
    println!("two takes: {:?}", started.elapsed());
}

#[test]
fn a_paused_queue_holds_new_videos_unpaid_until_it_is_resumed() {
    let started = Instant::now();
    let fake = fake(30.0);
    let home = tempfile::tempdir().unwrap();
    let ran = run(
        &fake,
        home.path(),
        &["queue", "pause"],
        Duration::from_secs(30),
    );
    assert!(ran.status.success(), "{}", ran.says());

    // Sora makes one video per request: two takes are two tasks, both held.
    let ran = run(
        &fake,
        home.path(),
        &["generate", "--prompt", "A tram in the rain", "--takes", "2"],
        Duration::from_secs(60),
    );
    assert_eq!(ran.status.code(), Some(9), "{}", ran.says());
    assert!(ran.stdout.contains("2 videos wait"), "{}", ran.says());
    assert!(ran.stdout.contains("queue resume"), "{}", ran.says());
    assert_eq!(fake.server.counters().create_calls, 0);

    let queue = run(&fake, home.path(), &["queue"], Duration::from_secs(30));
    assert!(
        queue.stdout.contains("The queue is paused"),
        "{}",
        queue.says()
    );
    let held = queue
        .stdout
        .lines()
        .filter(|l| l.contains(". sd-") && l.contains("queue paused"))
        .count();
    assert_eq!(held, 2, "{}", queue.says());
    let list = run(&fake, home.path(), &["list"], Duration::from_secs(30));
    assert_eq!(
        list.stdout.matches("Waiting (queue paused)").count(),
        2,
        "{}",
        list.says()
    );
    assert!(list.stdout.contains("take 2 of 2"), "{}", list.says());

    let ran = run(
        &fake,
        home.path(),
        &["queue", "resume"],
        Duration::from_secs(30),
    );
    assert!(ran.status.success(), "{}", ran.says());
    let ran = run(&fake, home.path(), &["resume"], Duration::from_secs(60));
    assert!(ran.status.success(), "{}", ran.says());
    assert!(ran.stdout.contains("2 of 2 saved"), "{}", ran.says());
    let tasks = all_tasks(home.path());
    assert_eq!(tasks.len(), 2);
    assert!(tasks.iter().all(|t| t.state == TaskState::Done));
    assert_each_paid_once(&fake, &tasks);
    println!("paused queue: {:?}", started.elapsed());
}

#[test]
fn a_batch_queued_next_to_a_running_engine_is_made_by_it_within_the_limit() {
    let started = Instant::now();
    let fake = fake(150.0);
    let home = tempfile::tempdir().unwrap();
    // Another process runs the engine on this store (as the app would).
    let (engine, engine_out) = start(
        &fake,
        home.path(),
        &["generate", "--prompt", "A slow dawn over hills", "--wait"],
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while all_tasks(home.path()).is_empty() {
        assert!(
            Instant::now() < deadline,
            "the first video was never recorded"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let file = prompts_file(home.path(), 4, "Beside the app");
    let ran = run(
        &fake,
        home.path(),
        &[
            "batch",
            file.to_str().unwrap(),
            "--max-active",
            "2",
            "--yes",
            "--wait",
        ],
        Duration::from_secs(120),
    );
    assert!(ran.status.success(), "{}", ran.says());
    assert!(ran.stdout.contains("Another Sora Desk"), "{}", ran.says());
    assert!(ran.stdout.contains("4 of 4 saved"), "{}", ran.says());
    let first = finish(engine, &engine_out, Duration::from_secs(60));
    assert!(first.status.success(), "{}", first.says());
    let tasks = all_tasks(home.path());
    assert_eq!(tasks.len(), 5);
    assert!(tasks.iter().all(|t| t.state == TaskState::Done));
    assert_each_paid_once(&fake, &tasks);
    let most = fake.server.counters().max_active_for(KEY);
    assert!(most <= 2, "{most} at once, above the limit of 2");
    println!("batch beside a running engine: {:?}", started.elapsed());
}

#[test]
fn a_batch_with_problems_names_its_lines_and_records_nothing() {
    let fake = fake(30.0);
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("prompts.csv");
    std::fs::write(
        &file,
        "prompt,duration\nA cat on a piano,4\nA dog surfing,7\nA fox in the snow,8\n",
    )
    .unwrap();
    let ran = run(
        &fake,
        home.path(),
        &["batch", file.to_str().unwrap(), "--yes"],
        Duration::from_secs(30),
    );
    assert_eq!(ran.status.code(), Some(1), "{}", ran.says());
    assert!(ran.stderr.contains("line 3 (duration)"), "{}", ran.says());
    assert!(ran.stderr.contains("Nothing was queued"), "{}", ran.says());
    assert!(all_tasks(home.path()).is_empty());

    // Too big a file is refused before it is read.
    let big = home.path().join("big.txt");
    std::fs::write(&big, "x".repeat(1024 * 1024 + 1)).unwrap();
    let ran = run(
        &fake,
        home.path(),
        &["batch", big.to_str().unwrap(), "--yes"],
        Duration::from_secs(30),
    );
    assert_eq!(ran.status.code(), Some(1), "{}", ran.says());
    assert!(ran.stderr.contains("at most 1 MB"), "{}", ran.says());

    // Without --yes and without a terminal to ask on, nothing is queued.
    let file = prompts_file(home.path(), 2, "Unasked");
    let ran = run(
        &fake,
        home.path(),
        &["batch", file.to_str().unwrap()],
        Duration::from_secs(30),
    );
    assert_eq!(ran.status.code(), Some(2), "{}", ran.says());
    assert!(ran.stderr.contains("--yes"), "{}", ran.says());
    assert!(ran.stdout.contains("about 46.08 credits"), "{}", ran.says());
    assert!(all_tasks(home.path()).is_empty());
    assert_eq!(fake.server.counters().create_calls, 0);
}

/// Videos start in the order they were queued, even though their preparing steps run at the
/// same time and may end in any order.
#[test]
fn a_batch_starts_its_videos_in_file_order() {
    let fake = fake(10.0);
    let home = tempfile::tempdir().unwrap();
    let file = prompts_file(home.path(), 8, "Ordered");
    let ran = run(
        &fake,
        home.path(),
        &[
            "batch",
            file.to_str().unwrap(),
            "--max-active",
            "1",
            "--yes",
            "--wait",
        ],
        Duration::from_secs(120),
    );
    assert!(ran.status.success(), "{}", ran.says());
    let sent: Vec<String> = fake
        .server
        .counters()
        .create_bodies
        .iter()
        .map(|body| {
            let prompt = body["prompt"].as_str().unwrap();
            prompt.split(':').next().unwrap().to_string()
        })
        .collect();
    let queued: Vec<String> = (1..=8).map(|i| format!("Ordered {i}")).collect();
    assert_eq!(sent, queued, "the order the paid calls were sent in");
}
