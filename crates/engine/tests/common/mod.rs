//! Shared set-up of the engine tests: the fake EvoLink server, a client pointed at it, and an
//! engine on a store and library in a temporary folder.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use evolink::{ApiKey, Client, ClientConfig, RetryPolicy};
use evolink_mock::{MockConfig, MockServer};
use sora_engine::library::Library;
use sora_engine::{Engine, EngineConfig, EngineHandle, Store, SubmitRequest, Task, TaskState};

pub const KEY: &str = "sk-engine-test-5b1e0c7d9a";

pub fn mock_config() -> MockConfig {
    MockConfig {
        keys: vec![KEY.to_string()],
        time_scale: 100.0,
        seed: 11,
        ..MockConfig::default()
    }
}

/// The fake, answering each paid call after 600 ms: time to act while one is in flight.
pub fn slow_create() -> MockConfig {
    let mut config = mock_config();
    config.faults.endpoint_latency_ms = [("create".to_string(), 600)].into();
    config
}

pub async fn mock(config: MockConfig) -> MockServer {
    MockServer::start(config).await.expect("the mock starts")
}

pub fn client(server: &MockServer) -> Client {
    let mut config = ClientConfig::new(ApiKey::new(KEY).unwrap())
        .with_bases(server.base_url(), server.base_url());
    config.connect_timeout = Duration::from_secs(5);
    config.request_timeout = Duration::from_secs(5);
    config.retry = RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(100),
        max_retry_after: Duration::from_millis(500),
    };
    Client::new(config).unwrap()
}

pub struct Rig {
    pub dir: tempfile::TempDir,
    pub store: Arc<Store>,
    pub handle: EngineHandle,
}

impl Rig {
    pub fn start(server: &MockServer, config: EngineConfig) -> Rig {
        let dir = tempfile::tempdir().unwrap();
        Self::start_in(dir, server, config)
    }

    pub fn start_in(dir: tempfile::TempDir, server: &MockServer, config: EngineConfig) -> Rig {
        let store = Arc::new(Store::open_in(&dir.path().join("data")).unwrap());
        let library = Library::new(dir.path().join("library"));
        let handle = Engine::start(
            config,
            store.clone(),
            library,
            &dir.path().join("data"),
            Some(client(server)),
        )
        .expect("the engine starts");
        Rig { dir, store, handle }
    }

    pub fn engine(&self) -> &Engine {
        &self.handle.engine
    }

    pub fn library_dir(&self) -> PathBuf {
        self.dir.path().join("library")
    }

    pub fn submit(&self, prompt: &str) -> Task {
        self.engine().submit(request(prompt)).expect("submit")
    }

    /// Waits until the paid request of task `id` has left (its in-flight mark is written just
    /// before sending).
    pub async fn until_paid_call_sent(&self, id: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.store.get(id).unwrap().create_sent_at.is_none() {
            assert!(
                Instant::now() < deadline,
                "task {id} never sent its paid call"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Waits (at most `limit`) until the task reaches a final state.
    pub async fn finished(&self, id: &str, limit: Duration) -> Task {
        let deadline = Instant::now() + limit;
        loop {
            let task = self.store.get(id).unwrap();
            if task.state.is_final() {
                return task;
            }
            assert!(
                Instant::now() < deadline,
                "task {id} still {} after {limit:?}",
                task.state
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Waits until no task is active.
    pub async fn all_finished(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        while !self.store.active().unwrap().is_empty() {
            let states: Vec<TaskState> = self
                .store
                .active()
                .unwrap()
                .iter()
                .map(|t| t.state)
                .collect();
            assert!(
                Instant::now() < deadline,
                "still active after {limit:?}: {states:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A Sora 2 request, landscape, 4 s.
pub fn request(prompt: &str) -> SubmitRequest {
    let mut request = SubmitRequest::new("sora-2-preview", prompt);
    request.choices.aspect = Some("16:9".into());
    request.choices.duration = Some(4);
    request
}

pub fn sha256_file(path: &std::path::Path) -> String {
    sora_engine::library::hash_file(path).unwrap().0
}

/// SHA-256 of the clip the mock serves for a shape (`9:16` is portrait).
pub fn served_clip_sha(aspect: &str) -> String {
    let name = if aspect == "9:16" {
        "portrait.mp4"
    } else {
        "landscape.mp4"
    };
    sha256_file(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../evolink-mock/assets")
            .join(name),
    )
}
