//! `evolink-mock`: a faithful fake of EvoLink's HTTP API (contract: `docs/evolink-api.md`),
//! ugly parts included, for tests (in-process) and for people (the `evolink-mock` binary).
//!
//! It serves the task API (`/v1/...`), the file API (`/api/v1/files/...`), uploaded files
//! (`/files/...`) and result videos (`/media/<task>.mp4`) from one loopback address, so point
//! both client bases at [`MockServer::base_url`].
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use evolink_mock::{Action, Injection, MockConfig, MockServer};
//! let server = MockServer::start(MockConfig::fast("sk-test-key-0000000000")).await?;
//! server.update_faults(|f| f.inject.push(Injection::new("create", 1, Action::DropAfterAccept)));
//! // ... run the client against server.base_url() ...
//! assert_eq!(server.counters().tasks_created, 0);
//! # Ok(()) }
//! ```
//!
//! What it reproduces (contract §8): `cancelled` and unknown statuses, progress that sits at 0,
//! jumps and steps back, `completed` with empty `results`, result links that expire (403 after
//! `result_ttl`), media that refuses requests without a `User-Agent`, error codes as strings or
//! (legacy) integers, non-JSON (HTML) error pages, file-API failures inside HTTP 200, 429 with
//! and without `Retry-After`, 5xx bursts, slow answers, dropped connections, moderation failures
//! minutes after a successful create, and a create that is accepted while its answer is lost.
//!
//! Mock-only admin routes (no auth, loopback tooling): `GET /__mock/counters`,
//! `GET|PUT /__mock/faults` (the [`Faults`] JSON), `POST /__mock/tasks/{id}/cancel`.
//! `DELETE /v1/tasks/{id}` is deliberately *not* a route: EvoLink never published it.
//!
//! [`Simulator`] is the same EvoLink for the app's demo, for people trying the app: EvoLink's
//! own routes only, no admin route, and no way to inject a fault.

mod clips;
mod config;
mod models;
mod routes;
mod state;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use hyper_util::rt::TokioIo;
use tower::ServiceExt;

pub use config::{Action, Faults, Injection, MockConfig};
pub use state::{account_label, Counters, KEPT_CREATE_BODIES};

use routes::{ConnCtl, Shared};
use state::{Clock, Phase, State};

/// A running mock. Stops when dropped.
pub struct MockServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    _stop: tokio::sync::watch::Sender<bool>,
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// Whether a server answers the admin routes (`/__mock/*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admin {
    Served,
    Absent,
}

impl MockServer {
    /// Binds `cfg.bind` and serves on the current tokio runtime, admin routes included.
    pub async fn start(cfg: MockConfig) -> std::io::Result<MockServer> {
        Self::serve(cfg, Admin::Served).await
    }

    async fn serve(cfg: MockConfig, admin: Admin) -> std::io::Result<MockServer> {
        let listener = tokio::net::TcpListener::bind(cfg.bind).await?;
        let addr = listener.local_addr()?;
        let base = cfg
            .public_base
            .clone()
            .map(|b| b.trim_end_matches('/').to_string())
            .unwrap_or_else(|| format!("http://{addr}"));
        let shared = Arc::new(Shared {
            clock: Clock::new(cfg.time_scale),
            state: Mutex::new(State::new(&cfg)),
            cfg,
            base,
        });
        let router = routes::router(shared.clone(), admin);
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        tokio::spawn(accept_loop(listener, router, stop_rx));
        Ok(MockServer {
            addr,
            shared,
            _stop: stop_tx,
        })
    }

    /// `http://127.0.0.1:<port>`: the base for the task API *and* the file API.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A snapshot of the counters.
    pub fn counters(&self) -> Counters {
        self.shared.lock().counters.clone()
    }

    /// Replaces the fault configuration.
    pub fn set_faults(&self, faults: Faults) {
        self.shared.lock().faults = faults;
    }

    /// Changes the fault configuration in place.
    pub fn update_faults(&self, f: impl FnOnce(&mut Faults)) {
        f(&mut self.shared.lock().faults);
    }

    pub fn faults(&self) -> Faults {
        self.shared.lock().faults.clone()
    }

    /// Cancels a running task now (credits are refunded). False if unknown or already over.
    pub fn cancel_task(&self, id: &str) -> bool {
        cancel(&self.shared, id)
    }

    /// Current account balance.
    pub fn balance(&self) -> f64 {
        let mut st = self.shared.lock();
        st.settle(&self.shared.cfg, self.shared.clock.now());
        st.balance
    }

    pub fn set_balance(&self, credits: f64) {
        self.shared.lock().balance = credits;
    }

    /// Ids of all tasks, oldest first.
    pub fn task_ids(&self) -> Vec<String> {
        self.shared.lock().order.clone()
    }

    /// The mock's clock, in service seconds since the Unix epoch.
    pub fn now(&self) -> f64 {
        self.shared.clock.now()
    }
}

/// The app's demo: EvoLink as this crate plays it, made videos being the built-in clips. It
/// serves EvoLink's own routes and nothing else: no admin route, and no fault, since none can
/// be set (the faults start empty and only the admin routes or a [`MockServer`] change them).
pub struct Simulator {
    server: MockServer,
}

/// What a demo account is like.
#[derive(Debug, Clone)]
pub struct SimulatorConfig {
    /// The one key it accepts.
    pub key: String,
    /// Credits the account starts with.
    pub balance: f64,
    /// Service seconds per wall-clock second (a demo video should take seconds, not minutes).
    pub time_scale: f64,
    /// Seed of its random choices (ids, progress).
    pub seed: u64,
}

impl Simulator {
    /// Serves on a free loopback port.
    pub async fn start(config: SimulatorConfig) -> std::io::Result<Simulator> {
        let server = MockServer::serve(
            MockConfig {
                keys: vec![config.key],
                balance: config.balance,
                time_scale: config.time_scale,
                seed: config.seed,
                ..MockConfig::default()
            },
            Admin::Absent,
        )
        .await?;
        Ok(Simulator { server })
    }

    /// `http://127.0.0.1:<port>`: the base for the task API and the file API.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("addr", &self.server.addr)
            .finish_non_exhaustive()
    }
}

pub(crate) fn cancel(sh: &Shared, id: &str) -> bool {
    let mut st = sh.lock();
    // Read under the lock, like create: a cancellation never lands before a create counted
    // this task as active.
    let now = sh.clock.now();
    st.settle(&sh.cfg, now);
    let running = match st.tasks.get(id) {
        Some(t) => matches!(
            st.phase(&sh.cfg, t, now),
            Phase::Pending | Phase::Processing(_)
        ),
        None => false,
    };
    if running {
        if let Some(t) = st.tasks.get_mut(id) {
            t.cancelled_at = Some(now);
        }
        st.settle(&sh.cfg, now);
    }
    running
}

async fn accept_loop(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            _ = stop.changed() => return,
            a = listener.accept() => a,
        };
        let Ok((stream, _peer)) = accepted else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let ctl = ConnCtl::default();
            let ctl2 = ctl.clone();
            let svc = hyper::service::service_fn(
                move |mut req: hyper::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(ctl2.clone());
                    router.clone().oneshot(req.map(axum::body::Body::new))
                },
            );
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc);
            // Dropping `conn` closes the socket without an answer: that is how the mock
            // "loses" a response on purpose.
            tokio::select! {
                _ = conn => {}
                _ = ctl.abort.notified() => {}
                _ = stop.changed() => {}
            }
        });
    }
}
