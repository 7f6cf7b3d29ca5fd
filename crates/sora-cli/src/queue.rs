//! `queue` (what waits and why, the limits, today's spend, the runs; pause, resume, limits)
//! and `stop`. Both act on the store, so they work the same whether this process, the app or
//! nobody runs the engine: a running engine sees the change at its next look.

use std::process::ExitCode;

use clap::{ArgGroup, Subcommand};
use serde::Serialize;
use sora_engine::{
    start_of_today, EngineError, QueueRules, Run, Stop, StoreError, Task, TaskState,
};

use crate::exit;
use crate::follow::waiting_reason;
use crate::tasks::{
    credits, first_words, open, print_json, run_line, store_failure, Context, Failure, Outcome,
};

#[derive(clap::Args)]
pub struct QueueArgs {
    #[command(subcommand)]
    action: Option<QueueAction>,
    /// Print the queue as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum QueueAction {
    /// No waiting video starts its paid call until `queue resume`; videos already started go
    /// on.
    Pause,
    /// Let waiting videos start again.
    Resume,
    /// How many videos are made at once, and the daily spend limit (saved: the app uses the
    /// same settings).
    #[command(after_help = crate::EXIT_CODES)]
    Limit(LimitArgs),
}

#[derive(clap::Args)]
#[command(group(ArgGroup::new("change").required(true).multiple(true)
    .args(["max_active", "daily_limit", "no_daily_limit"])))]
struct LimitArgs {
    /// Videos made at once for an account, 1 to 10 (default 3); the others wait, unpaid. The
    /// same setting as the app's "videos made at once".
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=QueueRules::MOST_ACTIVE as i64))]
    max_active: Option<u32>,
    /// Credits that may be spent per day (this computer's day): a video whose estimate would
    /// pass it waits, unpaid, until the limit is raised or the next day.
    #[arg(long, value_parser = parse_credits, conflicts_with = "no_daily_limit")]
    daily_limit: Option<f64>,
    /// No daily spend limit.
    #[arg(long)]
    no_daily_limit: bool,
}

fn parse_credits(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(n) if n.is_finite() && n >= 0.0 => Ok(n),
        _ => Err(format!("'{s}' is not a number of credits (0 or more)")),
    }
}

/// The queue as `queue --json` prints it.
#[derive(Serialize)]
struct QueueView {
    paused: bool,
    max_active: u32,
    /// Videos of this account being made now (from the upload to EvoLink's end).
    active: u32,
    daily_limit: Option<f64>,
    spent_today: f64,
    waiting: Vec<WaitingView>,
    runs: Vec<Run>,
}

#[derive(Serialize)]
struct WaitingView {
    position: usize,
    id: String,
    /// `waiting_for_slot`, `spend_limit`, `queue_paused`, or null before the queue looked.
    why: Option<String>,
    message: Option<String>,
    prompt: String,
    estimate_credits: Option<f64>,
    batch_id: Option<String>,
    take: Option<u32>,
}

pub fn queue(args: QueueArgs) -> Outcome {
    let context = open()?;
    let store = &context.store;
    let mut rules = store.queue_rules().map_err(store_failure)?;
    match args.action {
        None => return show_queue(&context, args.json),
        Some(QueueAction::Pause) => {
            rules.paused = true;
            store.set_queue_rules(&rules).map_err(store_failure)?;
            println!("The queue is paused: no waiting video starts its paid call until `sora-desk-cli queue resume`. Videos already started go on.");
        }
        Some(QueueAction::Resume) => {
            rules.paused = false;
            store.set_queue_rules(&rules).map_err(store_failure)?;
            println!("The queue runs again: waiting videos start as slots free up (while the app or `sora-desk-cli resume` runs).");
        }
        Some(QueueAction::Limit(limit)) => {
            if let Some(max_active) = limit.max_active {
                rules.max_active = max_active;
            }
            if let Some(daily) = limit.daily_limit {
                rules.daily_limit = Some(daily);
            }
            if limit.no_daily_limit {
                rules.daily_limit = None;
            }
            store.set_queue_rules(&rules).map_err(store_failure)?;
            let rules = store.queue_rules().map_err(store_failure)?;
            println!(
                "Videos made at once: {} (the app's \"videos made at once\").",
                rules.max_active
            );
            match rules.daily_limit {
                Some(limit) => println!("Daily spend limit: {} credits.", credits(limit)),
                None => println!("Daily spend limit: none."),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn show_queue(context: &Context, json: bool) -> Outcome {
    let store = &context.store;
    let rules = store.queue_rules().map_err(store_failure)?;
    let active = active_now(context)?;
    let spent_today = store.spent_since(start_of_today()).map_err(store_failure)?;
    let waiting = store.waiting().map_err(store_failure)?;
    let runs = store.runs(start_of_today()).map_err(store_failure)?;
    if json {
        print_json(&QueueView {
            paused: rules.paused,
            max_active: rules.max_active,
            active,
            daily_limit: rules.daily_limit,
            spent_today,
            waiting: waiting
                .iter()
                .enumerate()
                .map(|(i, t)| WaitingView {
                    position: i + 1,
                    id: t.id.clone(),
                    why: t.error_code.clone(),
                    message: t.error_message.as_ref().map(|w| w.english()),
                    prompt: t.prompt.clone(),
                    estimate_credits: t.estimate_credits,
                    batch_id: t.batch_id.clone(),
                    take: t.take,
                })
                .collect(),
            runs,
        });
        return Ok(ExitCode::SUCCESS);
    }
    if rules.paused {
        println!(
            "The queue is paused: no waiting video starts until `sora-desk-cli queue resume`."
        );
    } else {
        println!("The queue is running.");
    }
    println!(
        "Being made now: {active} of at most {} at once.",
        rules.max_active
    );
    match rules.daily_limit {
        Some(limit) => println!(
            "Spent today: {} of the daily limit of {} credits.",
            credits(spent_today),
            credits(limit)
        ),
        None => println!(
            "Spent today: {} credits (no daily limit).",
            credits(spent_today)
        ),
    }
    if waiting.is_empty() {
        println!("Nothing waits.");
    } else {
        println!("Waiting ({}), in the order they start:", waiting.len());
        for (i, task) in waiting.iter().enumerate() {
            let why = waiting_reason(task).unwrap_or_else(|| "its turn".into());
            println!(
                "  {:>3}. {}  {:<16}  {}",
                i + 1,
                task.id,
                why,
                first_words(&task.prompt, 50)
            );
        }
        // The whole sentence of each reason, once.
        let mut said: Vec<String> = Vec::new();
        for task in &waiting {
            if let Some(message) = task.error_message.as_ref().map(|w| w.english()) {
                if !said.contains(&message) {
                    println!("  {message}");
                    said.push(message);
                }
            }
        }
    }
    if !runs.is_empty() {
        println!("Runs:");
        for run in &runs {
            println!("  {}", run_line(run));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Videos of the current account being made now, as the queue counts its slots; without a
/// key, those of every account.
fn active_now(context: &Context) -> Result<u32, Failure> {
    if let Ok(client) = context.client() {
        return context
            .store
            .slots_taken(&client.account())
            .map_err(store_failure);
    }
    let active = context.store.active().map_err(store_failure)?;
    Ok(active
        .iter()
        .filter(|t| t.lead_id.is_none() && holds_a_slot(t))
        .count() as u32)
}

fn holds_a_slot(task: &Task) -> bool {
    matches!(
        task.state,
        TaskState::Uploading | TaskState::Submitting | TaskState::Queued | TaskState::Generating
    )
}

#[derive(clap::Args)]
pub struct StopArgs {
    /// The task id (as printed by `generate`, `list` or `queue`).
    id: String,
    /// For a video EvoLink may already have started: keep it if it comes (saved as usual).
    #[arg(long, conflicts_with = "discard")]
    keep: bool,
    /// For a video EvoLink may already have started: do not save it when it comes.
    #[arg(long)]
    discard: bool,
}

pub fn stop(args: StopArgs) -> Outcome {
    let context = open()?;
    let discard = match (args.keep, args.discard) {
        (true, _) => Some(false),
        (_, true) => Some(true),
        _ => None,
    };
    let prepared_dir = context.paths.data_dir.join("prepared");
    match sora_engine::stop(&context.store, &prepared_dir, &args.id, discard) {
        Ok(Stop::Removed(tasks)) => {
            println!("Stopped and removed; nothing was paid.");
            let others = tasks.iter().filter(|t| t.id != args.id).count();
            if others > 0 {
                println!(
                    "Its other {} made by the same request {} removed too.",
                    if others == 1 { "version" } else { "versions" },
                    if others == 1 { "was" } else { "were" }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Ok(Stop::Stopped(task)) => {
            println!("Stopped following {}.", task.id);
            if discard == Some(true) {
                println!("EvoLink cannot cancel a started video, so it may still be charged; when it is made it is not saved.");
            } else {
                println!("EvoLink cannot cancel a started video, so it may still be charged; when it is made it is saved as usual.");
            }
            println!("The app or `sora-desk-cli resume` follows it to its end.");
            Ok(ExitCode::SUCCESS)
        }
        Err(EngineError::StopNeedsChoice) => Err(Failure(
            exit::CHOOSE,
            format!(
                "{} may already be paid for: EvoLink cannot cancel a video it has started, so it may still be charged. \
                 Run `sora-desk-cli stop {} --keep` to save the video if it comes, or `--discard` not to save it.",
                args.id, args.id
            ),
        )),
        Err(EngineError::Store(StoreError::NotFound(_))) => Err(Failure(
            exit::BAD_INPUT,
            format!("No task with id {}.", args.id),
        )),
        Err(EngineError::Store(e)) => Err(store_failure(e)),
        Err(e) => Err(Failure(exit::BAD_INPUT, e.to_string())),
    }
}
