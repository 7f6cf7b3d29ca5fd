//! Engine figures, printed (not asserted): run through `scripts/bench-engine.sh`, which starts
//! the fake server as its own process so only the engine's memory is measured here.
//!
//! ```text
//! bench polling BASE KEY TASKS SECONDS   # tasks in flight with the real polling schedule
//! bench download BASE KEY OUT            # save one (big) result video
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use evolink::{ApiKey, Client, ClientConfig, VideoRequest};
use sora_engine::library::Library;
use sora_engine::{Engine, EngineConfig, Store, SubmitRequest};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    match args.first().map(String::as_str) {
        Some("polling") => runtime.block_on(polling(
            &args[1],
            &args[2],
            args[3].parse().unwrap(),
            args[4].parse().unwrap(),
        )),
        Some("download") => runtime.block_on(download(&args[1], &args[2], &args[3])),
        _ => {
            eprintln!("usage: bench polling BASE KEY TASKS SECONDS | bench download BASE KEY OUT");
            std::process::exit(2);
        }
    }
}

fn client(base: &str, key: &str) -> Client {
    Client::new(ClientConfig::new(ApiKey::new(key).unwrap()).with_bases(base, base)).unwrap()
}

async fn polling(base: &str, key: &str, tasks: usize, seconds: u64) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open_in(dir.path()).unwrap());
    let handle = Engine::start(
        EngineConfig::default(),
        store.clone(),
        Library::new(dir.path().join("library")),
        dir.path(),
        Some(client(base, key)),
    )
    .unwrap();
    let cpu_before = cpu_seconds();
    for i in 0..tasks {
        handle
            .engine
            .submit(SubmitRequest::new(
                "sora-2-preview",
                format!("Benchmark scene {i}"),
            ))
            .unwrap();
    }
    let start = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let elapsed = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_before;
    let active = store.active().unwrap().len();
    println!("tasks={tasks} active_at_end={active} seconds={elapsed:.1} cpu_seconds={cpu:.2} cpu_percent={:.1} peak_rss_mib={:.1}",
        100.0 * cpu / elapsed, peak_rss_mib());
}

async fn download(base: &str, key: &str, out: &str) {
    let client = client(base, key);
    let created = client
        .create_video(
            &VideoRequest::sora("Benchmark download", "16:9", 4),
            "bench-download-0000001",
        )
        .await
        .unwrap();
    let url = loop {
        let task = client.get_task(&created.task.id).await.unwrap();
        if let Some(url) = task.video_url() {
            break url;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    println!("url={url}");
    let part = std::path::PathBuf::from(out);
    let _ = std::fs::remove_file(&part);
    let rss_before = current_rss_mib();
    let start = Instant::now();
    let saved = sora_engine::download::download(client.media(), &url, &part)
        .await
        .unwrap();
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "bytes={} seconds={seconds:.3} mib_per_s={:.1} rss_before_mib={rss_before:.1} peak_rss_mib={:.1} extra_peak_mib={:.1}",
        saved.size,
        saved.size as f64 / 1048576.0 / seconds,
        peak_rss_mib(),
        peak_rss_mib() - rss_before
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
