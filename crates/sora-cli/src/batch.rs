//! `batch FILE`: a video for every prompt of a file, planned (what each line costs, what the
//! model refuses) and confirmed before anything is recorded, then queued all at once.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use evolink::models::Model;
use sora_engine::batch::{plan_batch, read_batch, BatchPlan, LineProblem, MOST_LINES};
use sora_engine::{start_of_today, QueueRules, SubmitRequest};

use crate::exit;
use crate::follow::{follow_all, Shown};
use crate::tasks::{
    conclude, credits, first_words, open, print_runs, shut_down, store_failure, Failure, Outcome,
    VideoOptions, ELSEWHERE,
};

/// The largest batch file read: far more than 200 prompts need.
const MOST_BYTES: u64 = 1024 * 1024;

#[derive(clap::Args)]
pub struct BatchArgs {
    /// The prompts: plain text, one prompt per line or, when the text has blank lines, one per
    /// paragraph; or CSV, with a header row naming a "prompt" column and, if wanted, columns
    /// duration, quality, aspect, audio, seed and negative_prompt that set that choice for
    /// their row. At most 200 prompts and 1 MB.
    file: PathBuf,
    #[command(flatten)]
    video: VideoOptions,
    /// Read the file as CSV (also done when its name ends in .csv).
    #[arg(long)]
    csv: bool,
    /// Queue without asking "Queue N videos for about X credits?" (needed where no terminal
    /// can ask, e.g. in scripts).
    #[arg(long)]
    yes: bool,
    /// Videos made at once for this account, 1 to 10 (default 3); the others wait, unpaid.
    /// Saved for later videos too: it is the same setting as the app's "videos made at once"
    /// (also set by `queue limit --max-active`).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=QueueRules::MOST_ACTIVE as i64))]
    max_active: Option<u32>,
    /// Follow the whole batch until every video is saved or has failed, with progress lines.
    /// Without it, the videos are queued and the command returns: the app (while it runs) or
    /// `sora-desk-cli resume` makes them.
    #[arg(long)]
    wait: bool,
}

pub async fn batch(args: BatchArgs) -> Outcome {
    let text = read_file(&args.file)?;
    let csv = args.csv
        || args
            .file
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let lines = read_batch(&text, csv).map_err(|problems| {
        print_problems(&problems);
        nothing_queued()
    })?;
    let (model, choices) = args.video.resolve()?;
    let takes = args.video.takes();
    let plan = plan_batch(&lines, &model.id, &choices, takes);
    print_plan(&plan, model, takes);
    if !plan.problems.is_empty() {
        print_problems(&plan.problems);
        return Err(nothing_queued());
    }
    let context = open()?;
    let store = &context.store;
    let rules = store.queue_rules().map_err(store_failure)?;
    if let Some(limit) = rules.daily_limit {
        let spent = store.spent_since(start_of_today()).map_err(store_failure)?;
        if !rules.fits_today(spent, plan.credits) {
            println!(
                "Today's spend limit is {} credits ({} spent so far): the videos that do not fit wait, unpaid, until it is raised (`queue limit`) or until tomorrow.",
                credits(limit),
                credits(spent)
            );
        }
    }
    if !args.yes && !confirm(&plan)? {
        println!("Nothing was queued.");
        return Ok(ExitCode::SUCCESS);
    }

    if let Some(max_active) = args.max_active {
        let mut rules = store.queue_rules().map_err(store_failure)?;
        rules.max_active = max_active;
        store.set_queue_rules(&rules).map_err(store_failure)?;
        println!("Videos made at once: {max_active} (saved; the app's \"videos made at once\").");
    }
    // Following needs an engine: this process's, or the one another process runs.
    let mut handle = if args.wait { context.engine()? } else { None };
    let requests: Vec<SubmitRequest> = plan
        .lines
        .iter()
        .map(|line| SubmitRequest {
            choices: line.choices.clone(),
            ..SubmitRequest::new(model.id.clone(), line.prompt.clone())
        })
        .collect();
    let tasks = match &handle {
        Some(handle) => handle.engine.submit_all(requests, takes, true),
        None => sora_engine::record_all(store, requests, takes, true),
    }
    .map_err(|e| Failure(exit::BAD_INPUT, e.to_string()))?;
    let run = tasks
        .first()
        .and_then(|t| t.batch_id.clone())
        .unwrap_or_default();
    let rules = store.queue_rules().map_err(store_failure)?;
    println!(
        "Queued {} videos (run {run}); {} are made at once, the others wait their turn, unpaid.",
        tasks.len(),
        rules.max_active
    );
    if rules.paused {
        println!("The queue is paused: nothing starts until `sora-desk-cli queue resume`.");
    }
    if !args.wait {
        println!(
            "The app makes them while it runs, or `sora-desk-cli resume`. \
             `sora-desk-cli queue` shows their progress; `sora-desk-cli stop ID` takes one out."
        );
        return Ok(ExitCode::SUCCESS);
    }
    if handle.is_none() {
        println!("{ELSEWHERE}");
    }
    let ids: Vec<String> = tasks.into_iter().map(|t| t.id).collect();
    let followed = follow_all(&context, &mut handle, &ids, Shown::Summary, |t, _| {
        t.state.is_final()
    })
    .await?;
    shut_down(handle).await;
    print_runs(store)?;
    Ok(conclude(&followed, true))
}

/// The file's text: at most [`MOST_BYTES`], UTF-8.
fn read_file(path: &std::path::Path) -> Result<String, Failure> {
    let unreadable = |e: std::io::Error| {
        Failure(
            exit::IO,
            format!("{}: could not be read: {e}", path.display()),
        )
    };
    let size = std::fs::metadata(path).map_err(unreadable)?.len();
    if size > MOST_BYTES {
        return Err(Failure(
            exit::BAD_INPUT,
            format!(
                "{}: the file is {:.1} MB; a batch file may be at most 1 MB ({MOST_LINES} prompts fit in far less). Split it.",
                path.display(),
                size as f64 / (1024.0 * 1024.0)
            ),
        ));
    }
    let bytes = std::fs::read(path).map_err(unreadable)?;
    String::from_utf8(bytes).map_err(|_| {
        Failure(
            exit::BAD_INPUT,
            format!(
                "{}: this is not UTF-8 text; save the prompts as UTF-8 text or CSV.",
                path.display()
            ),
        )
    })
}

fn print_plan(plan: &BatchPlan, model: &Model, takes: u32) {
    let what = if takes > 1 {
        format!(
            "{} prompts × {takes} takes = {} videos",
            plan.lines.len(),
            plan.count
        )
    } else {
        format!("{} videos", plan.count)
    };
    println!("{what} with {} ({}):", model.name, model.id);
    for line in &plan.lines {
        println!(
            "  line {:>3}  {:<50}  {:>8} credits",
            line.line,
            first_words(&line.prompt, 50),
            credits(line.credits)
        );
    }
    println!(
        "Total: {} videos, about {} credits",
        plan.count,
        credits(plan.credits)
    );
}

fn print_problems(problems: &[LineProblem]) {
    eprintln!("Problems:");
    for problem in problems {
        if problem.line == 0 {
            eprintln!("  the batch ({}): {}", problem.field, problem.message);
        } else {
            eprintln!(
                "  line {} ({}): {}",
                problem.line, problem.field, problem.message
            );
        }
    }
}

fn nothing_queued() -> Failure {
    Failure(
        exit::BAD_INPUT,
        "Nothing was queued: fix the lines named above and run it again.".into(),
    )
}

/// Asks on the terminal; refuses when there is none to ask on.
fn confirm(plan: &BatchPlan) -> Result<bool, Failure> {
    let cost = credits(plan.credits);
    if !std::io::stdin().is_terminal() {
        return Err(Failure(
            exit::USAGE,
            format!(
                "Nothing was queued: {} videos for about {cost} credits need your yes, and there is no terminal to ask on. Pass --yes to queue them.",
                plan.count
            ),
        ));
    }
    eprint!(
        "Queue {} videos for about {cost} credits? [y/N] ",
        plan.count
    );
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Failure(exit::IO, format!("The answer could not be read: {e}")))?;
    Ok(matches!(answer.trim().to_lowercase().as_str(), "y" | "yes"))
}
