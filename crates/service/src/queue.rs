//! The queue as the page sees it (its rules, what waits and why, today's spend, the runs), and
//! batches: a pasted text or a file, planned and recorded under one confirmation.

use std::path::Path;
use std::sync::Mutex;

use evolink::models::Choices;
use serde::{Deserialize, Serialize};
pub use sora_engine::batch::BatchPlan;
use sora_engine::batch::{plan_batch, read_batch, LineProblem, MOST_LINES};
use sora_engine::{QueueRules, Run, Store, SubmitRequest, Task};

use crate::problem::Words;
use crate::{Problem, TaskView};

/// The queue for the page (docs/IPC.md, `Queue`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueView {
    /// Views are numbered in the order they were read: an event read before a command's
    /// answer may reach the page after it, and must not undo it (the page keeps the newest).
    pub revision: u64,
    pub paused: bool,
    pub max_active: u32,
    pub daily_limit: Option<f64>,
    pub spent_today: f64,
    /// Tasks past the queue (uploading to generating).
    pub active: u32,
    /// In the order they will go, each with its place.
    pub waiting: Vec<TaskView>,
    pub runs: Vec<RunView>,
}

/// How long an ended run is still shown.
pub const RUNS_SHOWN_FOR: i64 = 3600;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunView {
    pub batch_id: String,
    /// The first prompt, cut to 60 characters.
    pub label: String,
    pub total: u32,
    pub done: u32,
    pub failed: u32,
    pub waiting: u32,
    pub active: u32,
    pub credits: f64,
    pub finished: bool,
}

impl From<Run> for RunView {
    fn from(run: Run) -> Self {
        RunView {
            label: cut(&run.first_prompt, 60),
            finished: run.finished_at.is_some(),
            batch_id: run.batch_id,
            total: run.total,
            done: run.done,
            failed: run.failed,
            waiting: run.waiting,
            active: run.active,
            credits: (run.credits * 100.0).round() / 100.0,
        }
    }
}

/// `text` cut to `most` characters, with an ellipsis when cut.
fn cut(text: &str, most: usize) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= most {
        return line;
    }
    let mut short: String = line.chars().take(most - 1).collect();
    short.push('…');
    short
}

/// Reads the queue of `store`; `view` shapes each waiting task for the page, and each gets its
/// place in line.
/// The number of the last queue view read. Reads happen one at a time under it, so a view with
/// a higher number was read after, and shows at least every change the lower one shows.
static LAST_READ: Mutex<u64> = Mutex::new(0);

pub fn read(store: &Store, view: impl Fn(Task) -> TaskView) -> Result<QueueView, Problem> {
    let mut last_read = crate::lock(&LAST_READ);
    *last_read += 1;
    let revision = *last_read;
    let rules = store.queue_rules()?;
    let spent = store.spent_since(sora_engine::start_of_today())?;
    Ok(QueueView {
        revision,
        paused: rules.paused,
        max_active: rules.max_active,
        daily_limit: rules.daily_limit,
        spent_today: (spent * 100.0).round() / 100.0,
        active: store.slots_taken_by_anyone()?,
        waiting: {
            let mut waiting: Vec<TaskView> = store.waiting()?.into_iter().map(view).collect();
            crate::views::in_context(store, &mut waiting);
            waiting
        },
        runs: store
            .runs(sora_engine::store::now() - RUNS_SHOWN_FOR)?
            .into_iter()
            .map(RunView::from)
            .collect(),
    })
}

/// Checks and saves the queue's limits from Settings.
pub fn set_limits(
    store: &Store,
    max_active: Option<u32>,
    daily_limit: Option<Option<f64>>,
) -> Result<(), Problem> {
    let mut rules = store.queue_rules()?;
    if let Some(n) = max_active {
        if !(1..=QueueRules::MOST_ACTIVE).contains(&n) {
            return Err(Problem::invalid(
                Words::new("problem.invalid_argument.max_active")
                    .with("most", QueueRules::MOST_ACTIVE)
                    .with("value", n),
            ));
        }
        rules.max_active = n;
    }
    if let Some(limit) = daily_limit {
        if limit.is_some_and(|l| !l.is_finite() || l < 0.0) {
            return Err(Problem::invalid(Words::new(
                "problem.invalid_argument.daily_limit",
            )));
        }
        rules.daily_limit = limit;
    }
    Ok(store.set_queue_rules(&rules)?)
}

/// A batch as the page sends it (docs/IPC.md, `planBatch` / `submitBatch`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchInput {
    pub text: String,
    #[serde(default)]
    pub csv: bool,
    /// The model's manifest id.
    pub model: String,
    #[serde(default)]
    pub choices: Choices,
    #[serde(default = "one")]
    pub takes: u32,
    /// What the person confirmed (`submitBatch` only).
    #[serde(default)]
    pub count: Option<usize>,
    #[serde(default)]
    pub credits: Option<f64>,
}

fn one() -> u32 {
    1
}

/// The most text a batch may be (pasted or read from a file).
pub const MOST_BATCH_BYTES: usize = 1_000_000;

/// Reads and plans a batch. Problems reading it are problems of the plan, so the page shows
/// them all in one place.
pub fn plan(input: &BatchInput) -> Result<BatchPlan, Problem> {
    if input.text.len() > MOST_BATCH_BYTES {
        return Err(Problem::invalid(
            Words::new("problem.invalid_argument.batch_size").with("most", MOST_BATCH_BYTES),
        ));
    }
    if !(1..=sora_engine::MOST_TAKES).contains(&input.takes) {
        return Err(Problem::invalid(
            Words::new("problem.invalid_argument.takes")
                .with("most", sora_engine::MOST_TAKES)
                .with("value", input.takes),
        ));
    }
    let choices = Choices {
        videos: None,
        ..input.choices.clone()
    };
    Ok(match read_batch(&input.text, input.csv) {
        Ok(lines) => plan_batch(&lines, &input.model, &choices, input.takes),
        Err(problems) => BatchPlan {
            lines: Vec::new(),
            count: 0,
            credits: 0.0,
            problems,
        },
    })
}

/// The requests of a batch the person confirmed, planned again: a plan with problems, or one
/// that now makes another count or costs more than what they confirmed, records nothing.
pub fn confirmed_requests(
    input: &BatchInput,
    callback_url: Option<String>,
) -> Result<Vec<SubmitRequest>, Problem> {
    let plan = plan(input)?;
    if let Some(first) = plan.problems.first() {
        let mut problem = Problem::new("invalid_input", describe(first), false);
        problem.field = Some("prompt");
        return Err(problem);
    }
    let (Some(count), Some(credits)) = (input.count, input.credits) else {
        return Err(Problem::invalid(Words::new(
            "problem.invalid_argument.unconfirmed",
        )));
    };
    if plan.count != count || plan.credits > credits + 0.005 {
        return Err(Problem::new(
            "plan_changed",
            Words::new("problem.plan_changed")
                .with("count", plan.count)
                .with("credits", plan.credits),
            false,
        ));
    }
    Ok(plan
        .lines
        .into_iter()
        .map(|line| SubmitRequest {
            choices: line.choices,
            callback_url: callback_url.clone(),
            ..SubmitRequest::new(input.model.clone(), line.prompt)
        })
        .collect())
}

/// The words of a line's problem, with the line as a parameter (`line`, 0 for the batch as a
/// whole): words do not nest, so the page says which line from the parameter.
fn describe(problem: &LineProblem) -> Words {
    problem.message.clone().with("line", problem.line)
}

/// A text or CSV file of prompts the person chose in the system's dialog.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchFile {
    pub name: String,
    pub text: String,
    pub csv: bool,
}

/// Reads a batch file: at most [`MOST_BATCH_BYTES`], UTF-8 text.
pub fn read_file(path: &Path) -> Result<BatchFile, Problem> {
    let unreadable = |words: Words| {
        Problem::new(
            "open_failed",
            words.with("path", path.display().to_string()),
            false,
        )
    };
    let os = |e: std::io::Error| {
        unreadable(Words::new("problem.open_failed").with("detail", e.to_string()))
    };
    let size = std::fs::metadata(path).map_err(os)?.len();
    if size > MOST_BATCH_BYTES as u64 {
        return Err(unreadable(
            Words::new("problem.open_failed.too_large")
                .with("most_bytes", MOST_BATCH_BYTES)
                .with("most", MOST_LINES),
        ));
    }
    let bytes = std::fs::read(path).map_err(os)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| unreadable(Words::new("problem.open_failed.not_text")))?;
    let csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    Ok(BatchFile {
        name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        text,
        csv,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(text: &str) -> BatchInput {
        BatchInput {
            text: text.into(),
            csv: false,
            model: "sora-2-preview".into(),
            choices: Choices::default(),
            takes: 1,
            count: None,
            credits: None,
        }
    }

    #[test]
    fn a_batch_is_recorded_only_as_confirmed() {
        let plan = plan(&input("A cat\nA dog")).unwrap();
        let confirmed = BatchInput {
            count: Some(plan.count),
            credits: Some(plan.credits),
            ..input("A cat\nA dog")
        };
        assert_eq!(confirmed_requests(&confirmed, None).unwrap().len(), 2);
        let unconfirmed = input("A cat\nA dog");
        assert_eq!(
            confirmed_requests(&unconfirmed, None).unwrap_err().code,
            "invalid_argument"
        );
        let grown = BatchInput {
            text: "A cat\nA dog\nA fox".into(),
            ..confirmed.clone()
        };
        let e = confirmed_requests(&grown, None).unwrap_err();
        assert_eq!(e.code, "plan_changed");
        assert_eq!(e.message.key, "problem.plan_changed");
        assert!(e.message.english().contains("3 videos"), "{}", e.message);
        let dearer = BatchInput {
            choices: Choices {
                duration: Some(12),
                ..Choices::default()
            },
            ..confirmed.clone()
        };
        assert_eq!(
            confirmed_requests(&dearer, None).unwrap_err().code,
            "plan_changed"
        );
        let refused = BatchInput {
            text: format!("A cat\n{}", "word ".repeat(2000)),
            count: Some(2),
            credits: Some(1e9),
            ..confirmed
        };
        let e = confirmed_requests(&refused, None).unwrap_err();
        assert_eq!(e.code, "invalid_input");
        assert_eq!(e.message.key, "problem.invalid_input.long_prompt");
        assert_eq!(e.message.params["line"], 2, "{:?}", e.message);
    }

    #[test]
    fn limits_are_checked_before_they_are_saved() {
        let store = Store::in_memory().unwrap();
        assert!(set_limits(&store, Some(0), None).is_err());
        assert!(set_limits(&store, Some(11), None).is_err());
        assert!(set_limits(&store, None, Some(Some(-1.0))).is_err());
        assert_eq!(store.queue_rules().unwrap(), QueueRules::default());
        set_limits(&store, Some(5), Some(Some(120.0))).unwrap();
        let rules = store.queue_rules().unwrap();
        assert_eq!((rules.max_active, rules.daily_limit), (5, Some(120.0)));
        set_limits(&store, None, Some(None)).unwrap();
        assert_eq!(store.queue_rules().unwrap().daily_limit, None);
        assert_eq!(store.queue_rules().unwrap().max_active, 5);
    }

    #[test]
    fn labels_are_one_line_and_cut_with_an_ellipsis() {
        assert_eq!(cut("A cat\n on a  piano", 60), "A cat on a piano");
        let long = cut(&"x".repeat(80), 60);
        assert_eq!(long.chars().count(), 60);
        assert!(long.ends_with('…'));
    }
}
