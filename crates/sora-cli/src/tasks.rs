//! `generate`, `list`, `show` and `resume`: the task engine without a window, on the same
//! store and library as the app.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::ValueEnum;
use evolink::models::Choices;
use evolink::{ApiKey, Client, ClientConfig};
use sora_core::{AppPaths, Endpoints};
use sora_engine::library::Library;
use sora_engine::{
    Engine, EngineConfig, EngineError, EngineHandle, ImageFit, ListQuery, Store, SubmitRequest,
    Task, TaskState,
};

use crate::exit;

#[derive(clap::Args)]
pub struct GenerateArgs {
    /// What should happen in the video (each model has its own limit: see `models`).
    #[arg(long)]
    prompt: String,
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
    /// The first frame (the only picture of most models); prepared to the model's rules.
    #[arg(long)]
    image: Option<PathBuf>,
    /// The last frame, for models that take one.
    #[arg(long)]
    last_image: Option<PathBuf>,
    /// A seed, for models that take one.
    #[arg(long)]
    seed: Option<u64>,
    /// What to keep out of the video, for models that take it.
    #[arg(long)]
    avoid: Option<String>,
    /// How the picture fits: "fill" crops, "fit" adds black bars.
    #[arg(long, value_enum, default_value_t = Fit::Fill)]
    fit: Fit,
    /// Wait until the video is saved (or has failed). Without it, the command returns once
    /// EvoLink has accepted the task; `resume` or the app finishes it.
    #[arg(long)]
    wait: bool,
    /// Print the task as JSON instead of progress lines.
    #[arg(long)]
    json: bool,
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
    /// Only tasks in this state (preparing, uploading, submitting, queued, generating,
    /// downloading, done, failed, outcome_unknown, expired). Repeatable.
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
pub struct Failure(u8, String);

type Outcome = Result<ExitCode, Failure>;

pub fn run(result: Outcome) -> ExitCode {
    result.unwrap_or_else(|Failure(code, message)| {
        eprintln!("{message}");
        ExitCode::from(code)
    })
}

struct Context {
    paths: AppPaths,
    store: Arc<Store>,
    /// Resolved once (the keychain is asked once), then reused by every engine start.
    client: std::sync::OnceLock<Client>,
}

fn open() -> Result<Context, Failure> {
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

    fn client(&self) -> Result<Client, Failure> {
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
    fn engine(&self) -> Result<Option<EngineHandle>, Failure> {
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

const ELSEWHERE: &str =
    "Another Sora Desk (the app or another sora-desk-cli) is already working on these tasks; following them from here.";

pub async fn generate(args: GenerateArgs) -> Outcome {
    let context = open()?;
    let mut handle = context.engine()?;
    let manifest = evolink::models::manifest();
    let model_id = args
        .model
        .clone()
        .unwrap_or_else(|| manifest.default.clone());
    let model = manifest.find(&model_id).map_err(|e| {
        Failure(
            exit::BAD_INPUT,
            format!("{e} `sora-desk-cli models` lists them."),
        )
    })?;
    let duration = match args.duration {
        None => None,
        Some(Duration_::Seconds(s)) => Some(s),
        Some(Duration_::Auto) => Some(model.duration.auto.map(|a| a.value).ok_or_else(|| {
            Failure(
                exit::BAD_INPUT,
                format!("{} cannot choose its own length.", model.name),
            )
        })?),
    };
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
        choices: Choices {
            duration,
            quality: args.quality,
            aspect: args.aspect.or(args.orientation.map(|o| match o {
                Shape::Landscape => "16:9".to_string(),
                Shape::Portrait => "9:16".to_string(),
            })),
            audio: args.audio.map(|a| matches!(a, OnOff::On)),
            seed: args.seed,
            negative_prompt: args.avoid,
            videos: None,
        },
        image: args.image,
        image_fit: fit.clone(),
        last_image: args.last_image,
        last_image_fit: fit,
        callback_url: None,
    };
    let task = match &handle {
        Some(handle) => handle.engine.submit(request),
        None => sora_engine::record(&context.store, request),
    }
    .map_err(|e| Failure(exit::BAD_INPUT, e.to_string()))?;
    if !args.json {
        println!("Task {}", task.id);
        if handle.is_none() {
            println!("{ELSEWHERE}");
        }
    }
    let accepted = |state: TaskState| {
        state.is_final()
            || matches!(
                state,
                TaskState::Queued | TaskState::Generating | TaskState::Downloading
            )
    };
    let task = follow(&context, &mut handle, &task.id, !args.json, |t| {
        if args.wait {
            t.state.is_final()
        } else {
            accepted(t.state)
        }
    })
    .await?;
    stop(handle).await;
    if args.json {
        print_json(&task);
    }
    Ok(ending(&task))
}

/// Lets the engine finish what it is doing for other tasks (a paid call in flight, say)
/// before this process exits; another process then carries them on.
async fn stop(handle: Option<EngineHandle>) {
    if let Some(handle) = handle {
        handle.shutdown(Duration::from_secs(30)).await;
    }
}

pub async fn resume(args: ResumeArgs) -> Outcome {
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
        println!("Resuming {} task(s)", active.len());
        if handle.is_none() {
            println!("{ELSEWHERE}");
        }
    }
    let mut ended = Vec::new();
    for task in &active {
        ended.push(
            follow(&context, &mut handle, &task.id, !args.json, |t| {
                t.state.is_final()
            })
            .await?,
        );
    }
    stop(handle).await;
    if args.json {
        print_json(&ended);
    }
    Ok(ExitCode::SUCCESS)
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
        for task in &tasks {
            println!(
                "{}  {:<22}  {}",
                task.id,
                status_line(task),
                first_words(&task.prompt, 60)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
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
    } else {
        println!("Task      {}", task.id);
        println!("State     {}", status_line(&task));
        println!("Prompt    {}", task.prompt);
        println!("Model     {}", model_line(&task));
        if let Some(remote) = &task.remote_id {
            println!("EvoLink   {remote}");
        }
        if let Some(credits) = task.credits_used.or(task.credits_reserved) {
            println!("Credits   {credits}");
        }
        if let Some(video) = &task.video_path {
            println!("Video     {video}");
        }
        if let Some(message) = &task.error_message {
            println!("Why       {message}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Follows one task until `done` says so, printing a line whenever its status changes. With
/// the engine here, its events wake us. Without it (another process runs the engine), the
/// store is read every half second, and the engine is taken over as soon as the other process
/// lets go of it: nobody else may be left to finish the task.
async fn follow(
    context: &Context,
    engine: &mut Option<EngineHandle>,
    id: &str,
    print: bool,
    done: impl Fn(&Task) -> bool,
) -> Result<Task, Failure> {
    let mut events = engine.as_ref().map(|handle| handle.engine.subscribe());
    let mut last = String::new();
    loop {
        let task = context.store.get(id).map_err(store_failure)?;
        let line = status_line(&task);
        if print && line != last {
            println!("{line}");
            last = line;
        }
        if done(&task) {
            if print {
                if let Some(video) = &task.video_path {
                    println!("Saved to {video}");
                }
                if let Some(message) = &task.error_message {
                    println!("{message}");
                }
            }
            return Ok(task);
        }
        match events.as_mut() {
            Some(events) => {
                let _ = tokio::time::timeout(Duration::from_secs(2), events.recv()).await;
            }
            None => {
                tokio::time::sleep(Duration::from_millis(500)).await;
                if let Some(handle) = context.engine()? {
                    events = Some(handle.engine.subscribe());
                    *engine = Some(handle);
                }
            }
        }
    }
}

fn status_line(task: &Task) -> String {
    match task.state {
        TaskState::Preparing => "Preparing".into(),
        TaskState::Waiting => match task.error_message.as_deref() {
            Some(why) => format!("Waiting ({why})"),
            None => "Waiting its turn".into(),
        },
        TaskState::Uploading => "Uploading the picture".into(),
        TaskState::Submitting => "Sending to EvoLink".into(),
        TaskState::Queued => "Queued".into(),
        TaskState::Generating => format!("Generating {}%", task.progress),
        TaskState::Downloading => "Saving".into(),
        TaskState::Done => "Done".into(),
        TaskState::Failed => "Failed".into(),
        TaskState::OutcomeUnknown => "Outcome unknown".into(),
        TaskState::Expired => "Expired".into(),
    }
}

fn ending(task: &Task) -> ExitCode {
    match task.state {
        TaskState::Failed | TaskState::OutcomeUnknown | TaskState::Expired => {
            ExitCode::from(exit::TASK_FAILED)
        }
        _ => ExitCode::SUCCESS,
    }
}

fn first_words(text: &str, max: usize) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= max {
        line
    } else {
        format!("{}…", line.chars().take(max - 1).collect::<String>())
    }
}

fn print_json<T: serde::Serialize>(value: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".into())
    );
}

fn store_failure(e: sora_engine::StoreError) -> Failure {
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
            println!("  {:<30} {}", "", m.good_at);
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
