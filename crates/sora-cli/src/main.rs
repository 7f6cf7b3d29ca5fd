//! `sora-desk-cli`: Sora Desk's core without a window.
//!
//! Commands: `preflight` (a picture made ready for Sora) and `generate`, `list`, `show`,
//! `resume` (the task engine on the app's own store and library, see `tasks.rs`), `batch`
//! (`batch.rs`), `queue` and `stop` (`queue.rs`). Each is a thin adapter over a core crate,
//! like the Tauri commands.

mod batch;
mod follow;
mod queue;
mod tasks;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use sora_preflight::{Focus, Framing, Options, OutputPreference, PreflightError};

/// Exit codes, documented in `--help`.
mod exit {
    /// The picture cannot be used (not an image, HEIC, damaged, too large, ...).
    pub const BAD_INPUT: u8 = 1;
    /// Wrong arguments (clap's own code, and ours for values clap cannot check).
    pub const USAGE: u8 = 2;
    /// The input could not be read or the output could not be written.
    pub const IO: u8 = 3;
    /// A bug inside Sora Desk.
    pub const INTERNAL: u8 = 4;
    /// No EvoLink key in the keychain or in EVOLINK_API_KEY.
    pub const NO_KEY: u8 = 5;
    /// The video did not come out: failed, expired, or its outcome is unknown.
    pub const TASK_FAILED: u8 = 6;
    /// The task database could not be opened or used.
    pub const STORE: u8 = 7;
    /// `stop` of a video that may already be paid for: --keep or --discard must say what
    /// becomes of it.
    pub const CHOOSE: u8 = 8;
    /// Videos still wait in the queue for a reason only a person can lift (paused, or
    /// today's spend limit); nothing failed.
    pub const QUEUE_HELD: u8 = 9;
}

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  bad input: the picture cannot be used, the request is not valid, a batch file has
     problems (each named with its line), or no such task (the reason is on stderr)
  2  wrong arguments (also: `batch` without --yes where no terminal can ask)
  3  the input file could not be read, or the output could not be written
  4  internal error (please report it)
  5  no EvoLink key (add one in the app, or set EVOLINK_API_KEY)
  6  a video did not come out: failed, expired, or its outcome is unknown
  7  the task database could not be used
  8  stop: the video may already be paid for (EvoLink cannot cancel a started video);
     run it again with --keep or --discard
  9  videos still wait in the queue, unpaid, because it is paused or today's spend limit is
     reached (nothing failed; `queue` says why)";

#[derive(Parser)]
#[command(name = "sora-desk-cli", version, about = "Sora Desk from the command line", after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Make a picture ready for a model (Sora 2 unless --model says otherwise): its exact frame
    /// or its size, shape, format and byte limits, with no hidden metadata. Writes OUT and
    /// prints what was done as JSON on stdout.
    #[command(after_help = EXIT_CODES)]
    Preflight(PreflightArgs),
    /// Start a video (a paid task; --takes N for several versions) and follow it; --wait
    /// follows it until it is saved.
    #[command(after_help = EXIT_CODES)]
    Generate(tasks::GenerateArgs),
    /// Queue a video for every prompt of a file (one per line, one per paragraph, or CSV),
    /// after showing what it costs; --wait follows them all until each is saved or failed.
    #[command(after_help = EXIT_CODES)]
    Batch(batch::BatchArgs),
    /// The queue: the videos waiting their turn and why, how many are made at once, today's
    /// spend and its limit, and the runs in progress. Also pauses, resumes and sets limits.
    #[command(after_help = EXIT_CODES)]
    Queue(queue::QueueArgs),
    /// Stop a video: one not yet paid for is removed; one EvoLink may have started needs
    /// --keep or --discard.
    #[command(after_help = EXIT_CODES)]
    Stop(queue::StopArgs),
    /// The video models the app can use: lengths, qualities, shapes, sound, pictures.
    Models(tasks::ModelsArgs),
    /// List tasks, newest first.
    List(tasks::ListArgs),
    /// Everything about one task.
    Show(tasks::ShowArgs),
    /// Carry every unfinished task to its end (after a crash, tasks started elsewhere, or a
    /// batch), the waiting ones included as the queue lets them go.
    #[command(after_help = EXIT_CODES)]
    Resume(tasks::ResumeArgs),
}

#[derive(clap::Args)]
struct PreflightArgs {
    /// The picture to prepare (JPEG, PNG, WebP, GIF, BMP or TIFF; the content decides, not the name).
    input: PathBuf,
    /// Where to write the prepared picture (its format is reported in the JSON: "output.format").
    output: PathBuf,
    /// The model the picture is for (an id from `models`).
    #[arg(long)]
    model: Option<String>,
    /// Output shape, for models with exact frames; "auto" follows the picture (after EXIF
    /// rotation).
    #[arg(long, value_enum, default_value_t = OrientationArg::Auto)]
    orientation: OrientationArg,
    /// Quality, for models whose frame depends on it (e.g. 1080p on sora-2-pro-preview).
    #[arg(long)]
    quality: Option<String>,
    /// "fill" crops to fill the frame; "fit" shows the whole picture with black bars.
    #[arg(long, value_enum, default_value_t = FitArg::Fill)]
    fit: FitArg,
    /// Centre of the crop window for "fill", as fractions of width and height, e.g. 0.5,0.3.
    #[arg(long, value_parser = parse_focus)]
    focus: Option<Focus>,
    /// Format when the picture has to be re-encoded; "auto" keeps screenshots as PNG and
    /// photos as JPEG. A picture that already complies is kept as it is.
    #[arg(long, value_enum, default_value_t = FormatArg::Auto)]
    format: FormatArg,
    /// Include a small base64 JPEG preview in the JSON.
    #[arg(long)]
    preview: bool,
    /// Print the JSON on one line.
    #[arg(long)]
    compact: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum OrientationArg {
    Auto,
    Landscape,
    Portrait,
}

#[derive(Clone, Copy, ValueEnum)]
enum FitArg {
    Fill,
    Fit,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Auto,
    Jpeg,
    Png,
}

fn parse_focus(s: &str) -> Result<Focus, String> {
    let (x, y) = s
        .split_once(',')
        .ok_or_else(|| "expected X,Y such as 0.5,0.3".to_string())?;
    let num = |v: &str| -> Result<f64, String> {
        let n: f64 = v
            .trim()
            .parse()
            .map_err(|_| format!("'{v}' is not a number"))?;
        if (0.0..=1.0).contains(&n) {
            Ok(n)
        } else {
            Err(format!("{n} is outside 0..1"))
        }
    };
    Ok(Focus {
        x: num(x)?,
        y: num(y)?,
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = || {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("the async runtime starts")
    };
    match cli.command {
        Command::Preflight(args) => preflight(args),
        Command::Generate(args) => tasks::run(runtime().block_on(tasks::generate(args))),
        Command::Models(args) => tasks::run(runtime().block_on(tasks::models(args))),
        Command::List(args) => tasks::run(tasks::list(args)),
        Command::Show(args) => tasks::run(tasks::show(args)),
        Command::Resume(args) => tasks::run(runtime().block_on(tasks::resume(args))),
        Command::Batch(args) => tasks::run(runtime().block_on(batch::batch(args))),
        Command::Queue(args) => tasks::run(queue::queue(args)),
        Command::Stop(args) => tasks::run(queue::stop(args)),
    }
}

fn preflight(args: PreflightArgs) -> ExitCode {
    let manifest = evolink::models::manifest();
    let id = args
        .model
        .clone()
        .unwrap_or_else(|| manifest.default.clone());
    let model = match manifest.find(&id) {
        Ok(model) => model,
        Err(e) => {
            eprintln!("{e} `sora-desk-cli models` lists them.");
            return ExitCode::from(exit::USAGE);
        }
    };
    let aspect = match args.orientation {
        OrientationArg::Auto => None,
        OrientationArg::Landscape => Some("16:9"),
        OrientationArg::Portrait => Some("9:16"),
    };
    let options = Options {
        framing: match args.fit {
            FitArg::Fill => Framing::Fill,
            FitArg::Fit => Framing::Fit,
        },
        focus: args.focus,
        output: match args.format {
            FormatArg::Auto => OutputPreference::Auto,
            FormatArg::Jpeg => OutputPreference::Jpeg,
            FormatArg::Png => OutputPreference::Png,
        },
        preview: args.preview,
        ..Options::for_model(model, aspect, args.quality.as_deref())
    };
    let prepared = match sora_preflight::preflight_path(&args.input, &options) {
        Ok(p) => p,
        Err(e) => {
            let code = match e {
                PreflightError::Read { .. } => exit::IO,
                PreflightError::Internal { .. } => exit::INTERNAL,
                _ => exit::BAD_INPUT,
            };
            eprintln!("{}: {e} [{}]", args.input.display(), e.code());
            return ExitCode::from(code);
        }
    };
    if let Err(e) = std::fs::write(&args.output, &prepared.bytes) {
        eprintln!(
            "{}: could not write the prepared picture: {e}",
            args.output.display()
        );
        return ExitCode::from(exit::IO);
    }
    let json = if args.compact {
        serde_json::to_string(&prepared)
    } else {
        serde_json::to_string_pretty(&prepared)
    };
    match json {
        Ok(j) => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (e.g. `| head`) is not worth an error: the file is written.
            let _ = writeln!(out, "{j}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("internal error: {e}");
            ExitCode::from(exit::INTERNAL)
        }
    }
}
