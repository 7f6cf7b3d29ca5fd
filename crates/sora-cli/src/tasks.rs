//! `generate`, `list`, `show` and `resume`: the task engine without a window, on the same
//! store and library as the app.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::ValueEnum;
use evolink::{ApiKey, Client, ClientConfig, Orientation};
use sora_core::{AppPaths, Endpoints};
use sora_engine::library::Library;
use sora_engine::{
    Engine, EngineConfig, EngineError, EngineHandle, ImageFit, ListQuery, Store, SubmitRequest,
    Task, TaskState,
};

use crate::exit;

#[derive(clap::Args)]
pub struct GenerateArgs {
    /// What should happen in the video (at most 5000 characters).
    #[arg(long)]
    prompt: String,
    /// A reference picture; it is prepared to the exact size Sora needs.
    #[arg(long)]
    image: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Shape::Landscape)]
    orientation: Shape,
    /// Length in seconds: 4, 8 or 12.
    #[arg(long, default_value_t = 4)]
    duration: u32,
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
    let request = SubmitRequest {
        prompt: args.prompt,
        orientation: match args.orientation {
            Shape::Landscape => Orientation::Landscape,
            Shape::Portrait => Orientation::Portrait,
        },
        duration: args.duration,
        model: evolink::DEFAULT_MODEL.to_string(),
        image: args.image,
        image_fit: ImageFit {
            framing: match args.fit {
                Fit::Fill => sora_preflight::Framing::Fill,
                Fit::Fit => sora_preflight::Framing::Fit,
            },
            ..ImageFit::default()
        },
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
        println!(
            "Shape     {:?}, {} s, {}",
            task.orientation, task.duration, task.model
        );
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
