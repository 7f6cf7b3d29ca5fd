//! `generate`, `list`, `show`, `resume` and `models`: the task engine without a window, on the
//! same store and library as the app. What they share with `batch`, `queue` and `stop` (the
//! store, the engine, the model options) is here too.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::ValueEnum;
use evolink::models::Choices;
use evolink::models::Model;
use evolink::{ApiKey, Client, ClientConfig};
use sora_core::{AppPaths, Endpoints};
use sora_engine::library::Library;
use sora_engine::{
    start_of_today, Engine, EngineConfig, EngineError, EngineHandle, ImageFit, ListQuery, Run,
    Stopped, Store, SubmitRequest, Task, TaskState, MOST_TAKES,
};

use crate::exit;
use crate::follow::{follow_all, status_line, Followed, Shown};

#[derive(clap::Args)]
pub struct GenerateArgs {
    /// What should happen in the video (each model has its own limit: see `models`).
    #[arg(long)]
    prompt: String,
    #[command(flatten)]
    video: VideoOptions,
    /// The first frame (the only picture of most models); prepared to the model's rules.
    #[arg(long)]
    image: Option<PathBuf>,
    /// The last frame, for models that take one.
    #[arg(long)]
    last_image: Option<PathBuf>,
    /// How the picture fits: "fill" crops, "fit" adds black bars.
    #[arg(long, value_enum, default_value_t = Fit::Fill)]
    fit: Fit,
    /// Wait until every video is saved (or has failed). Without it, the command returns once
    /// EvoLink has accepted the task(s); `resume` or the app finishes them.
    #[arg(long)]
    wait: bool,
    /// Print the task as JSON instead of progress lines (a list of tasks with --takes 2 or
    /// more).
    #[arg(long)]
    json: bool,
}

/// The model and what to ask of it, shared by `generate` and `batch`.
#[derive(clap::Args)]
pub struct VideoOptions {
    /// The model: an id from `models` (e.g. kling-v3) or one of EvoLink's ids. Default: the
    /// app's default model.
    #[arg(long)]
    model: Option<String>,
    /// Length in seconds, among the model's lengths (see `models`); "auto" lets a model that
    /// can choose do so. Default: the model's.
    #[arg(long, value_parser = parse_duration)]
    duration: Option<Duration_>,
    /// Quality, among the model's (e.g. 720p, 1080p, 4k).
    #[arg(long)]
    quality: Option<String>,
    /// Shape as EvoLink takes it (e.g. 16:9, 9:16, 1:1, 21:9, adaptive).
    #[arg(long, conflicts_with = "orientation")]
    aspect: Option<String>,
    /// Same as --aspect 16:9 (landscape) or 9:16 (portrait).
    #[arg(long, value_enum)]
    orientation: Option<Shape>,
    /// Sound on or off, for models with a sound switch.
    #[arg(long, value_enum)]
    audio: Option<OnOff>,
    /// A seed, for models that take one.
    #[arg(long)]
    seed: Option<u64>,
    /// What to keep out of the video, for models that take it.
    #[arg(long)]
    avoid: Option<String>,
    /// Versions of each prompt, 1 to 4. Where the model makes several videos in one request
    /// (Veo), they are one paid request; otherwise each version is a video of its own.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=MOST_TAKES as i64))]
    takes: u32,
}

impl VideoOptions {
    /// The model asked for and the choices made, as a request carries them.
    pub(crate) fn resolve(&self) -> Result<(&'static Model, Choices), Failure> {
        let manifest = evolink::models::manifest();
        let model_id = self
            .model
            .clone()
            .unwrap_or_else(|| manifest.default.clone());
        let model = manifest.find(&model_id).map_err(|e| {
            Failure(
                exit::BAD_INPUT,
                format!("{e} `sora-desk-cli models` lists them."),
            )
        })?;
        let duration = match self.duration {
            None => None,
            Some(Duration_::Seconds(s)) => Some(s),
            Some(Duration_::Auto) => {
                Some(model.duration.auto.map(|a| a.value).ok_or_else(|| {
                    Failure(
                        exit::BAD_INPUT,
                        format!("{} cannot choose its own length.", model.name),
                    )
                })?)
            }
        };
        let choices = Choices {
            duration,
            quality: self.quality.clone(),
            aspect: self.aspect.clone().or(self.orientation.map(|o| match o {
                Shape::Landscape => "16:9".to_string(),
                Shape::Portrait => "9:16".to_string(),
            })),
            audio: self.audio.map(|a| matches!(a, OnOff::On)),
            seed: self.seed,
            negative_prompt: self.avoid.clone(),
            videos: None,
        };
        Ok((model, choices))
    }

    pub(crate) fn takes(&self) -> u32 {
        self.takes
    }
}

#[derive(clap::Args)]
pub struct ModelsArgs {
    /// Print the whole manifest entry of each model, and its availability, as JSON.
    #[arg(long)]
    json: bool,
}

/// A length argument: seconds, or "auto".
#[derive(Clone, Copy, Debug)]
pub enum Duration_ {
    Seconds(i64),
    Auto,
}

fn parse_duration(s: &str) -> Result<Duration_, String> {
    if s.eq_ignore_ascii_case("auto") {
        return Ok(Duration_::Auto);
    }
    s.parse()
        .map(Duration_::Seconds)
        .map_err(|_| format!("'{s}' is not a number of seconds or \"auto\""))
}

#[derive(Clone, Copy, ValueEnum)]
enum OnOff {
    On,
    Off,
}

#[derive(clap::Args)]
pub struct ListArgs {
    /// Only tasks in this state (preparing, waiting, uploading, submitting, queued,
    /// generating, downloading, done, failed, outcome_unknown, expired). Repeatable.
    #[arg(long = "state")]
    states: Vec<String>,
    /// Only tasks whose prompt contains all these words.
    #[arg(long)]
    search: Option<String>,
    #[arg(long, default_value_t = 50)]
    limit: u32,
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct ShowArgs {
    /// The task id (as printed by `generate` or `list`).
    id: String,
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct ResumeArgs {
    /// Accepted for symmetry with `generate` and `batch`: `resume` always follows every task
    /// to its end.
    #[arg(long)]
    wait: bool,
    /// Print the tasks as JSON once they ended, instead of progress lines.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Shape {
    Landscape,
    Portrait,
}

#[derive(Clone, Copy, ValueEnum)]
enum Fit {
    Fill,
    Fit,
}

/// A failure of a task command: the exit code and one plain line for stderr.
pub struct Failure(pub u8, pub String);

pub(crate) type Outcome = Result<ExitCode, Failure>;

pub fn run(result: Outcome) -> ExitCode {
    result.unwrap_or_else(|Failure(code, message)| {
        eprintln!("{message}");
        ExitCode::from(code)
    })
}

pub(crate) struct Context {
    pub(crate) paths: AppPaths,
    pub(crate) store: Arc<Store>,
    /// Resolved once (the keychain is asked once), then reused by every engine start.
    client: std::sync::OnceLock<Client>,
}

pub(crate) fn open() -> Result<Context, Failure> {
    let paths = AppPaths::from_env();
    let store = Store::open_in(&paths.data_dir).map_err(|e| Failure(exit::STORE, e.to_string()))?;
    // The library folder chosen in the app's settings, unless the environment names one.
    let library_from_env =
        std::env::var_os(sora_core::paths::ENV_LIBRARY_DIR).is_some_and(|v| !v.is_empty());
    let chosen = store
        .setting(sora_core::paths::SETTING_LIBRARY_DIR)
        .ok()
        .flatten();
    let paths = paths.with_chosen_library(library_from_env, chosen);
    Ok(Context {
        paths,
        store: Arc::new(store),
        client: std::sync::OnceLock::new(),
    })
}

impl Context {
    fn endpoints(&self) -> Endpoints {
        Endpoints::resolve_with_settings(&|name| std::env::var(name).ok(), &|key| {
            self.store.setting(key).ok().flatten()
        })
    }

    pub(crate) fn client(&self) -> Result<Client, Failure> {
        if let Some(client) = self.client.get() {
            return Ok(client.clone());
        }
        let vault = sora_keychain::KeyVault::for_app();
        let key: ApiKey = match sora_keychain::resolve_key(&vault) {
            Ok(Some((key, _source))) => key,
            Ok(None) => {
                return Err(Failure(
                    exit::NO_KEY,
                    "No EvoLink key: add one in Sora Desk's settings, or set EVOLINK_API_KEY."
                        .into(),
                ))
            }
            Err(e) => return Err(Failure(exit::NO_KEY, e.to_string())),
        };
        let endpoints = self.endpoints();
        let client = Client::new(
            ClientConfig::new(key).with_bases(endpoints.api_base, endpoints.files_base),
        )
        .map_err(|e| Failure(exit::INTERNAL, e.to_string()))?;
        Ok(self.client.get_or_init(|| client).clone())
    }

    /// Starts the engine here, or `None` when another process (the app, or another
    /// `sora-desk-cli`) already runs it on this store: that one carries the tasks.
    pub(crate) fn engine(&self) -> Result<Option<EngineHandle>, Failure> {
        let client = self.client()?;
        match Engine::start(
            EngineConfig::from_env(),
            self.store.clone(),
            Library::new(&self.paths.library_dir),
            &self.paths.data_dir,
            Some(client),
        ) {
            Ok(handle) => Ok(Some(handle)),
            Err(EngineError::Busy) => Ok(None),
            Err(e) => Err(Failure(exit::STORE, e.to_string())),
        }
    }
}

pub(crate) const ELSEWHERE: &str =
    "Another Sora Desk (the app or another sora-desk-cli) is already working on these tasks; following them from here.";

pub async fn generate(args: GenerateArgs) -> Outcome {
    let context = open()?;
    let (model, choices) = args.video.resolve()?;
    let takes = args.video.takes();
    let mut handle = context.engine()?;
    let fit = ImageFit {
        framing: match args.fit {
            Fit::Fill => sora_preflight::Framing::Fill,
            Fit::Fit => sora_preflight::Framing::Fit,
        },
        ..ImageFit::default()
    };
    let request = SubmitRequest {
        prompt: args.prompt,
        model: model.id.clone(),
        choices,
        image: args.image,
        image_fit: fit.clone(),
        last_image: args.last_image,
        last_image_fit: fit,
        callback_url: None,
    };
    let tasks = match &handle {
        Some(handle) => handle.engine.submit_all(vec![request], takes, false),
        None => sora_engine::record_all(&context.store, vec![request], takes, false),
    }
    .map_err(|e| Failure(exit::BAD_INPUT, e.to_string()))?;
    if !args.json {
        for task in &tasks {
            match (task.take, &task.lead_id) {
                (Some(take), None) => println!("Task {} (take {take} of {takes})", task.id),
                (Some(take), Some(_)) => println!(
                    "Task {} (take {take} of {takes}, made by take 1's request: one paid request makes {})",
                    task.id,
                    if takes == 2 { "both".to_string() } else { format!("all {takes}") }
                ),
                (None, _) => println!("Task {}", task.id),
            }
        }
        if handle.is_none() {
            println!("{ELSEWHERE}");
        }
    }
    let ids: Vec<String> = tasks.iter().map(|t| t.id.clone()).collect();
    let shown = if args.json {
        Shown::Nothing
    } else {
        Shown::Steps
    };
    let wait = args.wait;
    let followed = follow_all(&context, &mut handle, &ids, shown, |task, all| {
        if wait {
            task.state.is_final()
        } else {
            accepted(task, all)
        }
    })
    .await?;
    shut_down(handle).await;
    if args.json {
        let tasks: Vec<&Task> = followed.present().collect();
        match tasks.as_slice() {
            [one] if takes == 1 => print_json(one),
            all => print_json(&all),
        }
    }
    Ok(conclude(&followed, !args.json))
}

/// EvoLink has the task (or it ended): for a video made by another task's request, once that
/// request is accepted.
fn accepted(task: &Task, all: &[Option<Task>]) -> bool {
    let moved_on = |state: TaskState| {
        state.is_final()
            || matches!(
                state,
                TaskState::Queued | TaskState::Generating | TaskState::Downloading
            )
    };
    if moved_on(task.state) {
        return true;
    }
    task.lead_id.as_deref().is_some_and(|lead| {
        all.iter()
            .flatten()
            .find(|t| t.id == lead)
            .is_some_and(|lead| moved_on(lead.state))
    })
}

/// The exit code of a followed set: any video that did not come out wins, then videos the
/// queue holds (saying why).
pub(crate) fn conclude(followed: &Followed, print: bool) -> ExitCode {
    if followed.any_failed() {
        return ExitCode::from(exit::TASK_FAILED);
    }
    if let Some(held) = &followed.held {
        let count = followed.present().filter(|t| t.state.is_active()).count();
        if print {
            println!("{}", held.explain(count));
        } else {
            eprintln!("{}", held.explain(count));
        }
        return ExitCode::from(exit::QUEUE_HELD);
    }
    ExitCode::SUCCESS
}

/// Lets the engine finish what it is doing for other tasks (a paid call in flight, say)
/// before this process exits; another process then carries them on.
pub(crate) async fn shut_down(handle: Option<EngineHandle>) {
    if let Some(handle) = handle {
        handle.shutdown(Duration::from_secs(30)).await;
    }
}

pub async fn resume(args: ResumeArgs) -> Outcome {
    // With or without --wait: resume follows every task to its end.
    let _ = args.wait;
    let context = open()?;
    let active = context.store.active().map_err(store_failure)?;
    if active.is_empty() {
        if !args.json {
            println!("Nothing to resume: every task has ended.");
        } else {
            println!("[]");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut handle = context.engine()?;
    if !args.json {
        let waiting = active
            .iter()
            .filter(|t| matches!(t.state, TaskState::Preparing | TaskState::Waiting))
            .count();
        println!(
            "Resuming {} task(s): {} being made, {waiting} waiting in the queue",
            active.len(),
            active.len() - waiting
        );
        if handle.is_none() {
            println!("{ELSEWHERE}");
        }
        print_runs(&context.store)?;
    }
    let ids: Vec<String> = active.into_iter().map(|t| t.id).collect();
    let shown = if args.json {
        Shown::Nothing
    } else {
        Shown::Summary
    };
    let followed = follow_all(&context, &mut handle, &ids, shown, |t, _| {
        t.state.is_final()
    })
    .await?;
    shut_down(handle).await;
    if args.json {
        print_json(&followed.present().collect::<Vec<_>>());
    } else {
        print_runs(&context.store)?;
    }
    Ok(conclude(&followed, !args.json))
}

/// The runs (batches, takes) with work left or ended today, with their progress.
pub(crate) fn print_runs(store: &Store) -> Result<(), Failure> {
    for run in store.runs(start_of_today()).map_err(store_failure)? {
        println!("  {}", run_line(&run));
    }
    Ok(())
}

/// "run-…  “A cat…”: 12 of 30 saved, 1 failed, 14 waiting, 3 being made; 299.52 credits".
pub(crate) fn run_line(run: &Run) -> String {
    let mut parts = vec![format!("{} of {} saved", run.done, run.total)];
    if run.failed > 0 {
        parts.push(format!("{} failed", run.failed));
    }
    if run.finished_at.is_none() {
        parts.push(format!("{} waiting", run.waiting));
        parts.push(format!("{} being made", run.active));
    }
    format!(
        "{}  “{}”: {}; {} credits",
        run.batch_id,
        first_words(&run.first_prompt, 40),
        parts.join(", "),
        credits(run.credits)
    )
}

pub fn list(args: ListArgs) -> Outcome {
    let context = open()?;
    let mut states = Vec::new();
    for name in &args.states {
        states.push(
            TaskState::parse(name)
                .ok_or_else(|| Failure(exit::USAGE, format!("unknown state: {name}")))?,
        );
    }
    let tasks = context
        .store
        .list(&ListQuery {
            states,
            search: args.search,
            favourites_only: false,
            takes_group: None,
            offset: 0,
            limit: args.limit,
        })
        .map_err(store_failure)?;
    if args.json {
        print_json(&tasks);
    } else if tasks.is_empty() {
        println!("No tasks.");
    } else {
        let mut takes = HashMap::new();
        // How many videos each run holds: more than one prompt's takes makes it a batch.
        let runs: HashMap<String, u32> = context
            .store
            .runs(0)
            .map_err(store_failure)?
            .into_iter()
            .map(|run| (run.batch_id, run.total))
            .collect();
        for task in &tasks {
            let mut extra = Vec::new();
            let take = take_of(&context.store, task, &mut takes)?;
            if let Some((take, of)) = take {
                extra.push(format!("take {take} of {of}"));
            }
            if let Some(batch) = &task.batch_id {
                let in_run = u64::from(runs.get(batch).copied().unwrap_or(0));
                if take.is_none_or(|(_, of)| in_run > of) {
                    extra.push(format!("batch {}", short_run(batch)));
                }
            }
            let extra = if extra.is_empty() {
                String::new()
            } else {
                format!("  [{}]", extra.join(", "))
            };
            println!(
                "{}  {:<28}  {}{extra}",
                task.id,
                status_line(task),
                first_words(&task.prompt, 60)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Which take a task is, and of how many, with the count of each takes group read once.
fn take_of(
    store: &Store,
    task: &Task,
    counts: &mut HashMap<String, u64>,
) -> Result<Option<(u32, u64)>, Failure> {
    let (Some(group), Some(take)) = (&task.takes_group, task.take) else {
        return Ok(None);
    };
    let count = match counts.get(group) {
        Some(n) => *n,
        None => {
            let n = store
                .count(&ListQuery {
                    takes_group: Some(group.clone()),
                    ..ListQuery::default()
                })
                .map_err(store_failure)?;
            counts.insert(group.clone(), n);
            n
        }
    };
    Ok(Some((take, count)))
}

/// The first characters of a run id after its prefix, enough to tell runs apart in a list.
fn short_run(batch_id: &str) -> &str {
    let id = batch_id.strip_prefix("run-").unwrap_or(batch_id);
    id.get(..8).unwrap_or(id)
}

pub fn show(args: ShowArgs) -> Outcome {
    let context = open()?;
    let task = context.store.find(&args.id).map_err(store_failure)?;
    let Some(task) = task else {
        return Err(Failure(
            exit::BAD_INPUT,
            format!("No task with id {}.", args.id),
        ));
    };
    if args.json {
        print_json(&task);
        return Ok(ExitCode::SUCCESS);
    }
    println!("Task      {}", task.id);
    println!("State     {}", status_line(&task));
    println!("Prompt    {}", task.prompt);
    println!("Model     {}", model_line(&task));
    if let Some((take, of)) = take_of(&context.store, &task, &mut Default::default())? {
        match &task.lead_id {
            Some(lead) => println!("Take      {take} of {of}, made by the request of {lead}"),
            None if task.videos > 1 => println!(
                "Take      {take} of {of}; its request makes {} videos",
                task.videos
            ),
            None => println!("Take      {take} of {of}"),
        }
    }
    if let Some(batch) = &task.batch_id {
        let run = context
            .store
            .runs(0)
            .map_err(store_failure)?
            .into_iter()
            .find(|r| &r.batch_id == batch);
        match run {
            Some(run) => println!("Run       {}", run_line(&run)),
            None => println!("Run       {batch}"),
        }
    }
    if task.state == TaskState::Waiting && task.lead_id.is_none() {
        let waiting = context.store.waiting().map_err(store_failure)?;
        if let Some(at) = waiting.iter().position(|t| t.id == task.id) {
            println!("Queue     {} of {} waiting", at + 1, waiting.len());
        }
    }
    if let Some(remote) = &task.remote_id {
        println!("EvoLink   {remote}");
    }
    match (
        task.credits_used.or(task.credits_reserved),
        task.estimate_credits,
    ) {
        (Some(credits_), _) => println!("Credits   {}", credits(credits_)),
        (None, Some(estimate)) => println!("Credits   about {} (estimate)", credits(estimate)),
        (None, None) => {}
    }
    if let Some(stopped) = task.stopped {
        println!(
            "Stopped   {}",
            match stopped {
                Stopped::Keep => "yes: the video is kept if EvoLink makes it",
                Stopped::Discard => "yes: the video is not saved if EvoLink makes it",
            }
        );
    }
    if let Some(video) = &task.video_path {
        println!("Video     {video}");
    }
    if let Some(message) = &task.error_message {
        println!("Why       {message}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Credits as people read them: whole numbers without decimals, otherwise two.
pub(crate) fn credits(n: f64) -> String {
    if (n - n.round()).abs() < 0.005 {
        format!("{}", n.round() as i64)
    } else {
        format!("{n:.2}")
    }
}

pub(crate) fn first_words(text: &str, max: usize) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= max {
        line
    } else {
        format!("{}…", line.chars().take(max - 1).collect::<String>())
    }
}

pub(crate) fn print_json<T: serde::Serialize>(value: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".into())
    );
}

pub(crate) fn store_failure(e: sora_engine::StoreError) -> Failure {
    Failure(exit::STORE, e.to_string())
}

/// "Kling V3 (kling-v3-image-to-video), 16:9, 10 s, 1080p, with sound".
fn model_line(task: &Task) -> String {
    let name = task.model_entry().map_or(task.model.clone(), |m| {
        format!("{} ({})", m.name, task.model)
    });
    let length = if task.duration > 0 {
        format!("{} s", task.duration)
    } else {
        "length chosen by the model".to_string()
    };
    let mut parts = vec![name, task.aspect.clone(), length];
    parts.extend(task.quality.clone());
    parts.extend(
        task.audio
            .map(|on| if on { "with sound" } else { "silent" }.to_string()),
    );
    parts.join(", ")
}

/// `models`: every model the app can use, and whether this key may use it.
pub async fn models(args: ModelsArgs) -> Outcome {
    let manifest = evolink::models::manifest();
    // Availability is asked of EvoLink only when a key is at hand; offline, the manifest is
    // trusted (and said so).
    let listed = match open().ok().and_then(|c| c.client().ok()) {
        Some(client) => client
            .models()
            .await
            .ok()
            .map(|l| l.into_iter().map(|m| m.id).collect::<Vec<_>>()),
        None => None,
    };
    let available = |m: &evolink::models::Model| listed.as_ref().map(|listed| m.is_among(listed));
    if args.json {
        let all: Vec<serde_json::Value> = manifest
            .models
            .iter()
            .map(|m| {
                let mut v = serde_json::to_value(m).unwrap_or_default();
                v["available"] = serde_json::json!(available(m));
                v
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&all).unwrap_or_default());
        return Ok(ExitCode::SUCCESS);
    }
    for family in &manifest.families {
        println!("{} ({})", family.name, family.maker);
        for m in manifest.models.iter().filter(|m| m.family == family.id) {
            let default = if m.id == manifest.default {
                ", the default"
            } else {
                ""
            };
            let note = match available(m) {
                Some(false) => " [not available for this key]",
                _ => "",
            };
            println!("  {:<30} {}{default}{note}", m.id, m.name);
            println!("  {:<30} {}", "", m.good_at());
            let mut facts = vec![m.lengths_in_words()];
            if let Some(q) = &m.quality {
                facts.push(q.values.join("/"));
            }
            facts.push(m.aspect.values.join(" "));
            if m.has_sound_switch() {
                facts.push("sound on/off".into());
            }
            if m.pictures.last {
                facts.push("first + last frame".into());
            }
            println!("  {:<30} {}", "", facts.join(" · "));
        }
    }
    if listed.is_none() {
        println!("\n(Which models your key may use is unknown: no key, or EvoLink could not be reached.)");
    }
    Ok(ExitCode::SUCCESS)
}
