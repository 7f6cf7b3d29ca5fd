//! Engine figures, printed (not asserted): run through `scripts/bench-engine.sh`, which starts
//! the fake server as its own process so only the engine's memory is measured here.
//!
//! ```text
//! bench seed-in-flight DATA_DIR BASE KEYS TASKS  # record TASKS paid tasks EvoLink is making
//! bench polling DATA_DIR BASE KEYS SECONDS       # the engine follows them for SECONDS
//! bench result-url BASE KEY                      # make one video, print its result link
//! bench download URL OUT                         # save that result as the engine does
//! ```
//!
//! KEYS is a comma-separated list of keys the fake server knows. The queue lets at most
//! `QueueRules::MOST_ACTIVE` videos of one account be made at once, so TASKS in flight are
//! spread over that many accounts. They are recorded through the store's own writer path, with
//! the paid call really made, exactly as the engine leaves a task it sent; `polling` then starts
//! an engine on that store (as the app does after a restart) and measures it alone.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use evolink::{ApiKey, Client, ClientConfig, MediaClient, TaskStatus, VideoRequest};
use sora_engine::library::Library;
use sora_engine::{Engine, EngineConfig, Patch, QueueRules, Store, SubmitRequest, Task, TaskState};

/// The polling target: at most one poll per task per 8 s.
const MOST_POLLS_PER_MINUTE: f64 = 60.0 / 8.0;
/// The engine's memory target with the tasks in flight (peak RSS).
const MOST_POLLING_MIB: f64 = 50.0;
/// Polls counted as the schedule's steady state start this long after the engine got its key:
/// by then every task has had its first look (due at once after a restart).
const STEADY_FROM: Duration = Duration::from_secs(15);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or_else(|| usage());
    match args.first().map(String::as_str) {
        Some("seed-in-flight") => runtime.block_on(seed_in_flight(
            arg(1),
            arg(2),
            &keys(arg(3)),
            arg(4).parse().unwrap_or_else(|_| usage()),
        )),
        Some("polling") => runtime.block_on(polling(
            arg(1),
            arg(2),
            &keys(arg(3)),
            arg(4).parse().unwrap_or_else(|_| usage()),
        )),
        Some("result-url") => runtime.block_on(result_url(arg(1), arg(2))),
        Some("download") => runtime.block_on(download(arg(1), arg(2))),
        _ => usage(),
    }
}

fn usage() -> ! {
    eprintln!(
        "usage: bench seed-in-flight DATA_DIR BASE KEYS TASKS | bench polling DATA_DIR BASE KEYS SECONDS \
         | bench result-url BASE KEY | bench download URL OUT"
    );
    std::process::exit(2);
}

fn keys(list: &str) -> Vec<String> {
    list.split(',').map(str::to_string).collect()
}

fn client(base: &str, key: &str) -> Client {
    Client::new(ClientConfig::new(ApiKey::new(key).unwrap()).with_bases(base, base)).unwrap()
}

/// Records `tasks` tasks and makes their paid calls, `MOST_ACTIVE` per account, each row
/// written as the engine's steps write it (prepared, let go by the queue, bound to its account,
/// marked sent, accepted).
async fn seed_in_flight(data_dir: &str, base: &str, keys: &[String], tasks: usize) {
    let per_account = QueueRules::MOST_ACTIVE as usize;
    assert!(
        keys.len() * per_account >= tasks,
        "{tasks} tasks in flight need {} keys",
        tasks.div_ceil(per_account)
    );
    let store = Store::open_in(std::path::Path::new(data_dir)).unwrap();
    let clients: Vec<Client> = keys.iter().map(|key| client(base, key)).collect();
    for i in 0..tasks {
        let client = &clients[i / per_account];
        let task = sora_engine::record(
            &store,
            SubmitRequest::new("sora-2-preview", format!("Benchmark scene {i}")),
        )
        .unwrap();
        let id = task.id.clone();
        store
            .advance(
                &id,
                TaskState::Preparing,
                TaskState::Waiting,
                &Patch::default(),
            )
            .unwrap();
        store
            .advance(
                &id,
                TaskState::Waiting,
                TaskState::Submitting,
                &Patch::default(),
            )
            .unwrap();
        store
            .bind(&id, client.api_base(), &client.account())
            .unwrap();
        let task = store.mark_create_sent(&id).unwrap();
        let created = client
            .create_video(&create_request(&task), &task.id)
            .await
            .unwrap();
        let remote = created.task;
        let next = match remote.status {
            TaskStatus::Processing => TaskState::Generating,
            _ => TaskState::Queued,
        };
        store
            .advance(
                &id,
                TaskState::Submitting,
                next,
                &Patch {
                    remote_id: Some(remote.id.clone()),
                    remote_status: Some(remote.status.as_str().to_string()),
                    credits_reserved: remote.credits(),
                    estimated_seconds: remote.estimated_time().map(|s| s as i64),
                    submitted_at: task.create_sent_at,
                    ..Patch::default()
                },
            )
            .unwrap();
    }
    println!(
        "recorded {tasks} paid tasks in flight over {} accounts",
        tasks.div_ceil(per_account)
    );
}

/// The create request of a task, as the engine's create step builds it (no pictures here).
fn create_request(task: &Task) -> VideoRequest {
    VideoRequest::new(task.model.clone(), task.prompt.clone()).with_choices(task.choices())
}

/// Starts the engine on the seeded store, with every key known (as the app does at start: the
/// engine, the keys kept for tasks in flight, then the current key), and lets it follow the
/// tasks for `seconds` with the real schedule.
async fn polling(data_dir: &str, base: &str, keys: &[String], seconds: u64) {
    let dir = std::path::Path::new(data_dir);
    let store = Arc::new(Store::open_in(dir).unwrap());
    let tasks = store.active().unwrap().len();
    let before = polls_per_task(base).await;
    let handle = Engine::start(
        EngineConfig::default(),
        store.clone(),
        Library::new(dir.join("library")),
        dir,
        None,
    )
    .unwrap();
    for key in keys {
        handle.engine.add_key(ApiKey::new(key.as_str()).unwrap());
    }
    let cpu_before = cpu_seconds();
    let start = Instant::now();
    handle.engine.set_client(Some(client(base, &keys[0])));
    let steady_from = STEADY_FROM.min(Duration::from_secs(seconds));
    tokio::time::sleep(steady_from).await;
    let steady = polls_per_task(base).await;
    tokio::time::sleep_until((start + Duration::from_secs(seconds)).into()).await;
    let after = polls_per_task(base).await;
    let elapsed = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_before;
    let peak = peak_rss_mib();
    let active = store.active().unwrap().len();
    drop(handle);

    let counted = |from: &BTreeMap<String, u64>| -> Vec<u64> {
        after
            .iter()
            .map(|(id, n)| n - from.get(id).copied().unwrap_or(0))
            .collect()
    };
    let all: u64 = counted(&before).iter().sum();
    let in_steady = counted(&steady);
    let steady_secs = elapsed - steady_from.as_secs_f64();
    let per_minute = |polls: u64, secs: f64| polls as f64 / tasks as f64 / (secs / 60.0);
    let whole = per_minute(all, elapsed);
    let steady_rate = per_minute(in_steady.iter().sum(), steady_secs);
    let busiest = in_steady.iter().copied().max().unwrap_or(0);
    // A task polled at most once per 8 s has at most this many polls in the steady window.
    let allowed = (steady_secs / 8.0).floor() as u64 + 1;
    let met = |ok: bool| if ok { "met" } else { "NOT MET" };
    println!(
        "tasks={tasks} active_at_end={active} seconds={elapsed:.1} polls={all} \
         cpu_seconds={cpu:.2} cpu_percent_of_one_core={:.1} peak_rss_mib={peak:.1}",
        100.0 * cpu / elapsed
    );
    println!(
        "polls per task per minute, whole run (first look at once, as after a restart): {whole:.2}; \
         target at most {MOST_POLLS_PER_MINUTE:.1}: {}",
        met(whole <= MOST_POLLS_PER_MINUTE)
    );
    println!(
        "polls per task per minute, steady state ({:.0} s to {elapsed:.0} s): {steady_rate:.2}; \
         the schedule's own mean (one per 8 to 15 s) is {:.2}; target at most {MOST_POLLS_PER_MINUTE:.1}: {}",
        steady_from.as_secs_f64(),
        60.0 / 11.5,
        met(steady_rate <= MOST_POLLS_PER_MINUTE)
    );
    println!(
        "most polls of one task in those {steady_secs:.0} s: {busiest}; at one per 8 s at most {allowed}: {}",
        met(busiest <= allowed)
    );
    println!(
        "engine CPU: {cpu:.2} s over {elapsed:.0} s ({:.1} % of one core)",
        100.0 * cpu / elapsed
    );
    println!(
        "engine peak memory (RSS): {peak:.1} MiB; target under {MOST_POLLING_MIB:.0} MiB: {}",
        met(peak < MOST_POLLING_MIB)
    );
}

/// The fake server's poll counts per EvoLink task id.
async fn polls_per_task(base: &str) -> BTreeMap<String, u64> {
    let counters: serde_json::Value = evolink::reqwest::get(format!("{base}/__mock/counters"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    serde_json::from_value(counters["polls_per_task"].clone()).unwrap()
}

/// Makes one video and prints its result link, for `download` and curl to share.
async fn result_url(base: &str, key: &str) {
    let client = client(base, key);
    let created = client
        .create_video(
            &VideoRequest::sora("Benchmark download", "16:9", 4),
            &format!("bench-download-{}", std::process::id()),
        )
        .await
        .unwrap();
    loop {
        let task = client.get_task(&created.task.id).await.unwrap();
        if let Some(url) = task.video_url() {
            println!("{url}");
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Saves the result at `url` into `out` with the engine's download (the save step's client),
/// timed from the request to the verified, synced file.
async fn download(url: &str, out: &str) {
    let media = MediaClient::for_app().unwrap();
    let part = std::path::PathBuf::from(out);
    let _ = std::fs::remove_file(&part);
    // Peak RSS from here on only: what the download itself adds.
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let rss_before = current_rss_mib();
    let start = Instant::now();
    let saved = sora_engine::download::download(&media, url, &part)
        .await
        .unwrap();
    let seconds = start.elapsed().as_secs_f64();
    let peak = peak_rss_mib();
    println!(
        "bytes={} seconds={seconds:.3} mib_per_s={:.1} rss_before_mib={rss_before:.1} peak_rss_mib={peak:.1} \
         extra_peak_mib={:.1} peak_reset={reset}",
        saved.size,
        saved.size as f64 / 1048576.0 / seconds,
        peak - rss_before
    );
}

fn status_field(name: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

fn peak_rss_mib() -> f64 {
    status_field("VmHWM:")
}

fn current_rss_mib() -> f64 {
    status_field("VmRSS:")
}

fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks: f64 = fields.get(11).and_then(|u| u.parse().ok()).unwrap_or(0.0)
        + fields.get(12).and_then(|s| s.parse().ok()).unwrap_or(0.0);
    ticks / 100.0
}
