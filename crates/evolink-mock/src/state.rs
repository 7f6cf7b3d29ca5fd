//! The mock's domain: accounts, tasks and their lifecycle, files, counters.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;

use serde_json::{json, Value};

use crate::config::{Faults, MockConfig};

/// Ids listed by `GET /v1/models` besides the video models: EvoLink lists every model a key
/// may use, chat models included, so a client must not take the list for video models only.
pub(crate) const OTHER_LISTED_MODELS: &[&str] = &["gpt-4o-mini"];

/// How many create bodies [`Counters::create_bodies`] keeps.
pub const KEPT_CREATE_BODIES: usize = 64;

/// Names an account in [`Counters`] without revealing its key: the first 16 hex digits of the
/// SHA-256 of the key, as configured in [`MockConfig::keys`] and sent after `Bearer `.
///
/// This is the mock's own label, not the app's `ApiKey::fingerprint` (which hashes the key with
/// a prefix): a test computes it from its key with this function, or reads a count for a key
/// with [`Counters::max_active_for`].
pub fn account_label(key: &str) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(key.as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// Counters that tests read through [`crate::MockServer::counters`].
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Counters {
    /// Every `POST /v1/videos/generations` that reached the server (faulted ones included).
    pub create_calls: u64,
    /// The JSON bodies of the last [`KEPT_CREATE_BODIES`] create calls that were JSON, oldest
    /// first: what the client sent. Bounded, since the app's demo runs this server for as long
    /// as the app runs.
    pub create_bodies: Vec<serde_json::Value>,
    /// Create calls per `Idempotency-Key` (calls without a key are not listed).
    pub creates_per_key: BTreeMap<String, u64>,
    /// Tasks actually created (replays and refusals excluded).
    pub tasks_created: u64,
    /// Tasks actually created per `Idempotency-Key`: more than 1 would be a double charge.
    pub tasks_per_key: BTreeMap<String, u64>,
    /// Per account (keyed by [`account_label`] of the key that created the tasks, never the
    /// key): the most of its tasks that were active at one instant. A task is active from its
    /// creation until it completes, fails or is cancelled, `pending` included (a pending task
    /// holds a slot of the account upstream); a task that ends at the instant another starts is
    /// not counted with it. It follows from the service clock, whether or not anyone polled the
    /// tasks. Accounts that created no task are absent. See [`Counters::max_active_for`].
    pub max_active_per_account: BTreeMap<String, u64>,
    /// Idempotent replays answered.
    pub replays: u64,
    /// `GET /v1/tasks/{id}` and batch lookups, per task id.
    pub polls_per_task: BTreeMap<String, u64>,
    /// Requests to result media.
    pub media_requests: u64,
    /// Media requests that carried an `Authorization` header (must stay 0).
    pub media_requests_with_auth: u64,
    /// Media requests refused for lacking a `User-Agent`.
    pub media_requests_without_user_agent: u64,
    /// Requests per endpoint name (see [`crate::Faults`]), unknown routes as `unknown`.
    pub requests: BTreeMap<String, u64>,
    /// API and file API requests that carried an `Authorization` header, a key or not.
    pub requests_with_auth: u64,
    /// Requests refused with 401.
    pub unauthorized: u64,
    /// Files uploaded.
    pub uploads: u64,
    /// User-Agent of the last request seen on any endpoint.
    pub last_user_agent: Option<String>,
}

impl Counters {
    /// [`Counters::max_active_per_account`] for the account of `key` (0 if it created nothing).
    pub fn max_active_for(&self, key: &str) -> u64 {
        self.max_active_per_account
            .get(&account_label(key))
            .copied()
            .unwrap_or(0)
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Plan {
    Complete {
        empty: bool,
    },
    Fail {
        code: String,
        message: String,
        at: f64,
    },
    Cancel {
        at: f64,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct TaskRec {
    pub id: String,
    pub model: String,
    /// Service time (the scaled clock) the task was created: its lifecycle runs from here.
    pub created: f64,
    /// Wall-clock Unix seconds of creation, as EvoLink reports `created`: a client that looks
    /// its task up by time compares this with its own clock, whatever the service's speed.
    pub created_unix: i64,
    /// The key that created the task: tasks belong to the account that made them.
    pub owner: String,
    pub duration: u64,
    /// The video served once the task completes (chosen by its prompt and shape).
    pub clip: &'static crate::clips::Clip,
    pub cost: f64,
    /// Result videos on completion (Veo's `n`; 1 elsewhere).
    pub n: u32,
    /// The model's pending and generation times relative to the configured ones (Sora: 1).
    pub time_factor: f64,
    /// MiniMax tasks cannot be cancelled.
    pub can_cancel: bool,
    pub plan: Plan,
    /// Progress at each of `curve.len()` equal slices of the processing phase.
    pub curve: Vec<u8>,
    /// Cancelled by hand at this service time.
    pub cancelled_at: Option<f64>,
    pub settled: bool,
    pub create_response: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Phase {
    Pending,
    Processing(u8),
    Completed {
        at: f64,
    },
    Failed {
        at: f64,
        code: String,
        message: String,
    },
    Cancelled {
        at: f64,
    },
}

impl Phase {
    pub fn terminal_at(&self) -> Option<f64> {
        match self {
            Phase::Completed { at } | Phase::Failed { at, .. } | Phase::Cancelled { at } => {
                Some(*at)
            }
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct FileRec {
    pub id: String,
    pub name: String,
    pub original_name: String,
    pub mime: String,
    pub upload_path: String,
    pub bytes: Arc<Vec<u8>>,
    pub uploaded: f64,
}

pub(crate) struct State {
    pub rng: fastrand::Rng,
    pub balance: f64,
    pub used: f64,
    pub tasks: BTreeMap<String, TaskRec>,
    pub order: Vec<String>,
    pub files: BTreeMap<String, FileRec>,
    /// Idempotency keys per account: (owner key, idempotency key) -> (request body, task id).
    pub idem: HashMap<(String, String), (String, String)>,
    /// Per owner key: ids of its tasks that were active when it last created one, the only ones
    /// that can still be active (so counting never walks every task ever made).
    pub active: HashMap<String, Vec<String>>,
    pub counters: Counters,
    pub faults: Faults,
}

/// The mock's clock: service seconds since the Unix epoch, running `scale` times faster than
/// the wall clock from the moment the server started.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    start: Instant,
    start_unix: f64,
    scale: f64,
}

impl Clock {
    pub fn new(scale: f64) -> Self {
        let start_unix = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        Clock {
            start: Instant::now(),
            start_unix,
            scale: if scale > 0.0 { scale } else { 1.0 },
        }
    }
    pub fn now(&self) -> f64 {
        self.start_unix + self.start.elapsed().as_secs_f64() * self.scale
    }
}

/// Wall-clock Unix seconds, for the timestamps EvoLink reports.
pub(crate) fn wall_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub(crate) fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

impl State {
    pub fn new(cfg: &MockConfig) -> Self {
        State {
            rng: fastrand::Rng::with_seed(cfg.seed),
            balance: cfg.balance,
            used: 0.0,
            tasks: BTreeMap::new(),
            order: Vec::new(),
            files: BTreeMap::new(),
            idem: HashMap::new(),
            active: HashMap::new(),
            counters: Counters::default(),
            faults: cfg.faults.clone(),
        }
    }

    pub fn rand_id(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| {
                let i = self.rng.usize(0..36);
                if i < 10 {
                    (b'0' + i as u8) as char
                } else {
                    (b'a' + (i - 10) as u8) as char
                }
            })
            .collect()
    }

    /// A progress curve with stalls at 0, jumps, plateaus and the odd step back.
    pub fn make_curve(&mut self) -> Vec<u8> {
        let n = 10;
        let mut v = Vec::with_capacity(n);
        let mut p: i32 = 0;
        for i in 0..n {
            if i < 2 && self.rng.bool() {
                v.push(0); // sits at 0 for a while
                continue;
            }
            let r = self.rng.u32(0..100);
            if r < 20 {
                // stall
            } else if r < 30 && p > 10 {
                p -= self.rng.i32(1..6); // not monotonic
            } else if r < 50 {
                p += self.rng.i32(15..35); // jump
            } else {
                p += self.rng.i32(4..14);
            }
            p = p.clamp(0, 99);
            v.push(p as u8);
        }
        v
    }

    /// Where a task is at service time `now`.
    pub fn phase(&self, cfg: &MockConfig, t: &TaskRec, now: f64) -> Phase {
        let el = now - t.created;
        let (pending_secs, generation_secs) = t.times(cfg);
        let start_proc = pending_secs;
        let end = pending_secs + generation_secs;
        if let Some(c) = t.cancelled_at {
            if now >= c {
                return Phase::Cancelled { at: c };
            }
        }
        match &t.plan {
            Plan::Fail { code, message, at } if el >= start_proc + generation_secs * at => {
                return Phase::Failed {
                    at: t.created + start_proc + generation_secs * at,
                    code: code.clone(),
                    message: message.clone(),
                }
            }
            Plan::Cancel { at } if el >= start_proc + generation_secs * at => {
                return Phase::Cancelled {
                    at: t.created + start_proc + generation_secs * at,
                }
            }
            _ => {}
        }
        if el < start_proc {
            Phase::Pending
        } else if el < end {
            let frac = (el - start_proc) / generation_secs.max(1e-9);
            let i = ((frac * t.curve.len() as f64) as usize).min(t.curve.len() - 1);
            Phase::Processing(t.curve[i])
        } else {
            Phase::Completed {
                at: t.created + end,
            }
        }
    }

    /// How many of `owner`'s tasks are active (pending or processing) at service time `now`.
    /// A task whose end is exactly `now` is over. `now` must not go back between calls: take it
    /// under the state lock.
    pub fn active_of(&mut self, cfg: &MockConfig, owner: &str, now: f64) -> u64 {
        let mut ids = self.active.remove(owner).unwrap_or_default();
        ids.retain(|id| {
            self.tasks.get(id).is_some_and(|t| {
                matches!(
                    self.phase(cfg, t, now),
                    Phase::Pending | Phase::Processing(_)
                )
            })
        });
        let n = ids.len() as u64;
        if !ids.is_empty() {
            self.active.insert(owner.to_string(), ids);
        }
        n
    }

    /// Records that `owner` just created task `id`, with `active` of its tasks (this one
    /// included) now active. The count only rises when a task is created, so the highest count
    /// seen at creations is the highest at any instant.
    pub fn track_created(&mut self, owner: &str, id: &str, active: u64) {
        self.active
            .entry(owner.to_string())
            .or_default()
            .push(id.to_string());
        let max = self
            .counters
            .max_active_per_account
            .entry(account_label(owner))
            .or_default();
        *max = (*max).max(active);
    }

    /// Charges finished tasks and refunds failed or cancelled ones (once each).
    pub fn settle(&mut self, cfg: &MockConfig, now: f64) {
        let mut changes = Vec::new();
        for (id, t) in &self.tasks {
            if t.settled {
                continue;
            }
            match self.phase(cfg, t, now) {
                Phase::Completed { .. } => changes.push((id.clone(), true, t.cost)),
                Phase::Failed { .. } | Phase::Cancelled { .. } => {
                    changes.push((id.clone(), false, t.cost))
                }
                _ => {}
            }
        }
        for (id, charged, cost) in changes {
            if charged {
                self.used = round2(self.used + cost);
            } else {
                self.balance = round2(self.balance + cost);
            }
            if let Some(t) = self.tasks.get_mut(&id) {
                t.settled = true;
            }
        }
        // Forget tasks past retention.
        let ret = cfg.task_retention.as_secs_f64();
        let expired: Vec<String> = self
            .tasks
            .values()
            .filter(|t| {
                self.phase(cfg, t, now)
                    .terminal_at()
                    .is_some_and(|at| now - at > ret)
            })
            .map(|t| t.id.clone())
            .collect();
        for id in expired {
            self.tasks.remove(&id);
            self.order.retain(|x| *x != id);
        }
    }

    /// The task JSON as `GET /v1/tasks/{id}` shows it.
    pub fn task_json(
        &self,
        cfg: &MockConfig,
        base: &str,
        t: &TaskRec,
        now: f64,
        with_results: bool,
    ) -> Value {
        let phase = self.phase(cfg, t, now);
        let (pending_secs, generation_secs) = t.times(cfg);
        let remaining = (t.created + pending_secs + generation_secs - now)
            .max(0.0)
            .round();
        let (status, progress) = match &phase {
            Phase::Pending => ("pending".to_string(), 0),
            Phase::Processing(p) => (
                self.faults
                    .unknown_status
                    .clone()
                    .unwrap_or_else(|| "processing".into()),
                *p,
            ),
            Phase::Completed { .. } => ("completed".into(), 100),
            Phase::Failed { .. } => ("failed".into(), 0),
            Phase::Cancelled { .. } => ("cancelled".into(), 0),
        };
        let running = matches!(phase, Phase::Pending | Phase::Processing(_));
        let mut v = json!({
            "created": t.created_unix,
            "id": t.id,
            "model": t.model,
            "object": "video.generation.task",
            "progress": progress,
            "status": status,
            "task_info": { "can_cancel": running && t.can_cancel, "video_duration": t.duration },
            "type": "video",
            "usage": { "billing_rule": "per_call", "credits_reserved": t.cost, "user_group": "default" },
        });
        if running {
            v["task_info"]["estimated_time"] = json!(remaining as i64);
        }
        match &phase {
            Phase::Completed { .. } => {
                let empty = matches!(t.plan, Plan::Complete { empty: true });
                let urls = media_urls(base, t);
                if with_results {
                    if empty {
                        v["results"] = json!([]);
                    } else if self.faults.results_in_result_data {
                        v["result_data"] = json!({ "video_url": urls[0] });
                    } else {
                        v["results"] = json!(urls);
                    }
                }
                v["usage"]["credits_used"] = json!(t.cost);
            }
            Phase::Failed { code, message, .. } => {
                v["error"] = json!({ "code": code, "message": message, "type": "task_error" });
                if code == "content_policy_violation" {
                    v["error"]["suggestion"] =
                        json!("Rephrase the prompt and avoid real people or brands.");
                }
            }
            Phase::Cancelled { .. } => {
                v["error"] = json!({ "code": "request_cancelled", "message": "The task was cancelled.", "type": "task_error" });
            }
            _ => {}
        }
        v
    }
}

impl TaskRec {
    /// Pending and processing times of this task, in service seconds.
    pub fn times(&self, cfg: &MockConfig) -> (f64, f64) {
        (
            cfg.pending_secs * self.time_factor,
            cfg.generation_secs * self.time_factor,
        )
    }
}

/// Result links of a task: `<id>.mp4`, then `<id>_2.mp4`... for Veo's extra videos (task ids
/// never hold `_`, so the media route can split them back).
pub(crate) fn media_urls(base: &str, t: &TaskRec) -> Vec<String> {
    (1..=t.n.max(1))
        .map(|i| match i {
            1 => format!("{base}/media/{}.mp4", t.id),
            i => format!("{base}/media/{}_{i}.mp4", t.id),
        })
        .collect()
}

/// ISO 8601 with offset from Unix seconds (UTC, `+00:00`).
pub(crate) fn iso8601(unix: f64) -> String {
    let secs = unix.floor() as i64;
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+00:00",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates() {
        assert_eq!(iso8601(0.0), "1970-01-01T00:00:00+00:00");
        assert_eq!(iso8601(1_759_968_000.0), "2025-10-09T00:00:00+00:00");
        assert_eq!(iso8601(951_782_400.0 + 3661.0), "2000-02-29T01:01:01+00:00");
    }

    fn task(plan: Plan, curve: Vec<u8>) -> TaskRec {
        TaskRec {
            id: "task-unified-1-aaaaaaaa".into(),
            model: "sora-2-preview".into(),
            created: 1000.0,
            created_unix: 1000,
            owner: "sk-test".into(),
            duration: 4,
            clip: &crate::clips::DEFAULT.landscape,
            cost: 23.04,
            n: 1,
            time_factor: 1.0,
            can_cancel: true,
            plan,
            curve,
            cancelled_at: None,
            settled: false,
            create_response: Value::Null,
        }
    }

    #[test]
    fn lifecycle_follows_the_clock() {
        let cfg = MockConfig {
            pending_secs: 10.0,
            generation_secs: 100.0,
            ..MockConfig::default()
        };
        let st = State::new(&cfg);
        let curve = vec![0, 0, 40, 40, 35, 60, 61, 62, 90, 95];
        let t = task(Plan::Complete { empty: false }, curve.clone());
        assert_eq!(st.phase(&cfg, &t, 1005.0), Phase::Pending);
        let seen: Vec<Phase> = (0..10)
            .map(|i| st.phase(&cfg, &t, 1010.0 + i as f64 * 10.0 + 5.0))
            .collect();
        let want: Vec<Phase> = curve.iter().map(|p| Phase::Processing(*p)).collect();
        assert_eq!(seen, want, "stalls at 0, jumps, steps back");
        assert_eq!(st.phase(&cfg, &t, 1110.0), Phase::Completed { at: 1110.0 });
        let f = task(
            Plan::Fail {
                code: "content_policy_violation".into(),
                message: "m".into(),
                at: 0.5,
            },
            curve.clone(),
        );
        assert!(matches!(st.phase(&cfg, &f, 1059.0), Phase::Processing(_)));
        assert!(matches!(st.phase(&cfg, &f, 1060.0), Phase::Failed { at, .. } if at == 1060.0));
        let mut c = task(Plan::Complete { empty: false }, curve);
        c.cancelled_at = Some(1030.0);
        assert_eq!(st.phase(&cfg, &c, 1031.0), Phase::Cancelled { at: 1030.0 });
    }

    #[test]
    fn a_slower_model_stretches_the_whole_lifecycle() {
        let cfg = MockConfig {
            pending_secs: 10.0,
            generation_secs: 100.0,
            ..MockConfig::default()
        };
        let st = State::new(&cfg);
        let t = TaskRec {
            time_factor: 1.5,
            ..task(Plan::Complete { empty: false }, vec![50; 10])
        };
        assert_eq!(st.phase(&cfg, &t, 1014.0), Phase::Pending, "15 s pending");
        assert_eq!(st.phase(&cfg, &t, 1016.0), Phase::Processing(50));
        assert_eq!(st.phase(&cfg, &t, 1164.0), Phase::Processing(50));
        assert_eq!(st.phase(&cfg, &t, 1165.0), Phase::Completed { at: 1165.0 });
        let v = st.task_json(&cfg, "http://m", &t, 1000.0, true);
        assert_eq!(v["task_info"]["estimated_time"], 165);
    }

    #[test]
    fn settling_charges_or_refunds_once() {
        let cfg = MockConfig {
            pending_secs: 10.0,
            generation_secs: 100.0,
            balance: 100.0,
            ..MockConfig::default()
        };
        let mut st = State::new(&cfg);
        st.balance = 100.0 - 2.0 * 23.04;
        st.tasks.insert(
            "a".into(),
            TaskRec {
                id: "a".into(),
                ..task(Plan::Complete { empty: false }, vec![0; 10])
            },
        );
        st.tasks.insert(
            "b".into(),
            TaskRec {
                id: "b".into(),
                ..task(
                    Plan::Fail {
                        code: "service_error".into(),
                        message: String::new(),
                        at: 0.1,
                    },
                    vec![0; 10],
                )
            },
        );
        st.settle(&cfg, 1050.0);
        assert_eq!(
            (round2(st.balance), st.used),
            (round2(100.0 - 23.04), 0.0),
            "failed one refunded"
        );
        st.settle(&cfg, 1200.0);
        st.settle(&cfg, 1300.0);
        assert_eq!(
            (round2(st.balance), st.used),
            (round2(100.0 - 23.04), 23.04),
            "completed one charged once"
        );
    }

    #[test]
    fn a_task_ending_as_another_starts_is_not_counted_with_it() {
        let cfg = MockConfig {
            pending_secs: 10.0,
            generation_secs: 100.0,
            ..MockConfig::default()
        };
        let mut st = State::new(&cfg);
        // Creates `id` for sk-test at `at` the way the create route does; the active count.
        let mut create = |id: &str, at: f64, plan: Plan| {
            let n = st.active_of(&cfg, "sk-test", at) + 1;
            let t = TaskRec {
                id: id.into(),
                created: at,
                ..task(plan, vec![0; 10])
            };
            st.tasks.insert(id.into(), t);
            st.track_created("sk-test", id, n);
            (n, st.counters.max_active_for("sk-test"))
        };
        let done = Plan::Complete { empty: false };
        assert_eq!(create("a", 1000.0, done.clone()), (1, 1));
        // `a` ends at 1110 exactly (10 s pending + 100 s processing).
        assert_eq!(
            create("b", 1110.0, done.clone()),
            (1, 1),
            "end before start"
        );
        // Pending counts: `c` is still pending when `d` is created.
        assert_eq!(create("c", 1115.0, done.clone()), (2, 2));
        assert_eq!(create("d", 1120.0, done.clone()), (3, 3));
        // A picture refused at the start of generation: over at 1140, after 10 s pending.
        let refused = Plan::Fail {
            code: "image_processing_error".into(),
            message: String::new(),
            at: 0.0,
        };
        assert_eq!(create("e", 1130.0, refused), (4, 4));
        assert_eq!(
            create("f", 1140.0, done),
            (4, 4),
            "e is over, f takes its slot"
        );
        assert_eq!(
            st.counters
                .max_active_per_account
                .keys()
                .collect::<Vec<_>>(),
            vec![&account_label("sk-test")]
        );
        assert_eq!(st.counters.max_active_for("sk-other"), 0);
    }

    #[test]
    fn account_labels_are_16_hex_digits_of_the_sha256_of_the_key() {
        // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
        assert_eq!(account_label("abc"), "ba7816bf8f01cfea");
        assert_ne!(account_label("sk-a"), account_label("sk-b"));
    }

    #[test]
    fn curves_are_deterministic_and_bounded() {
        let cfg = MockConfig::default();
        let mut a = State::new(&cfg);
        let mut b = State::new(&cfg);
        for _ in 0..50 {
            let (ca, cb) = (a.make_curve(), b.make_curve());
            assert_eq!(ca, cb);
            assert!(ca.iter().all(|p| *p < 100));
        }
        // Over many curves, we see stalls at 0 and steps back.
        let curves: Vec<Vec<u8>> = (0..200).map(|_| a.make_curve()).collect();
        assert!(curves.iter().any(|c| c[0] == 0 && c[1] == 0));
        assert!(curves.iter().any(|c| c.windows(2).any(|w| w[1] < w[0])));
        assert!(curves
            .iter()
            .any(|c| c.windows(2).any(|w| w[1] >= w[0] + 15)));
    }
}
