//! Fills a store with finished tasks, for the app test that opens a big library
//! (`tests/app/big-library.test.mjs`) and for trying the gallery by hand.
//!
//! ```text
//! cargo run -p sora-engine --example seed_store -- DATA_DIR COUNT [LIBRARY_DIR SAMPLE.mp4]
//! ```
//!
//! Every task goes through the store's own writer path (`insert`, then `advance` from state to
//! state), so the rows are exactly what the engine would have left. Most end `done`, some
//! `failed` (with the errors people meet) and a few `expired`; prompts, shapes, lengths and
//! favourites vary. With LIBRARY_DIR and a sample clip, every done task gets a video file: the
//! first a copy of the sample, the others hard links to that copy, so ten thousand videos cost
//! no disk space (and the sample itself is never linked). Prints what it wrote and how long it
//! took.

use std::path::{Path, PathBuf};
use std::time::Instant;

use evolink::models::Choices;
use sora_engine::{NewTask, Patch, Store, TaskState};

const SUBJECTS: &[&str] = &[
    "A paper boat",
    "An old lighthouse",
    "A red fox",
    "A glass of iced tea",
    "A vintage tram",
    "A hot-air balloon",
    "A sleepy cat",
    "A field of sunflowers",
    "A neon sign",
    "A mountain lake",
    "A street musician",
    "A tiny robot",
];
const ACTIONS: &[&str] = &[
    "drifting slowly",
    "seen from above",
    "in a gentle breeze",
    "as the camera circles it",
    "in slow motion",
    "at the first light of day",
    "under heavy rain",
    "while snow begins to fall",
];
const PLACES: &[&str] = &[
    "on a quiet harbour",
    "in a busy city at night",
    "in a misty forest",
    "on a sunny beach",
    "in a cosy kitchen",
    "above the clouds",
    "in a desert at dusk",
];
const FAILURES: &[(&str, &str, bool)] = &[
    (
        "moderation_blocked",
        "EvoLink refused this description because it breaks its content rules.",
        false,
    ),
    (
        "no_credits",
        "Your EvoLink balance is too low for this video.",
        false,
    ),
    (
        "server_trouble",
        "EvoLink had a problem on its side and could not make this video.",
        true,
    ),
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (data_dir, count, videos) = match args.as_slice() {
        [dir, count] => (PathBuf::from(dir), count.parse::<usize>().ok(), None),
        [dir, count, library, sample] => (
            PathBuf::from(dir),
            count.parse::<usize>().ok(),
            Some((PathBuf::from(library), PathBuf::from(sample))),
        ),
        _ => (PathBuf::new(), None, None),
    };
    let Some(count) = count else {
        eprintln!("usage: seed_store DATA_DIR COUNT [LIBRARY_DIR SAMPLE.mp4]");
        std::process::exit(2);
    };
    let start = Instant::now();
    let store = Store::open_in(&data_dir).unwrap_or_else(|e| fail(&e));
    if let Some((library, _)) = &videos {
        std::fs::create_dir_all(library).unwrap_or_else(|e| fail(&e));
    }
    let mut states = std::collections::BTreeMap::<&str, usize>::new();
    let mut first_video = None;
    for i in 0..count {
        let state =
            seed_one(&store, i, videos.as_ref(), &mut first_video).unwrap_or_else(|e| fail(&e));
        *states.entry(state.as_str()).or_default() += 1;
    }
    println!(
        "seeded {count} tasks in {} ({states:?}) in {:.2} s",
        data_dir.display(),
        start.elapsed().as_secs_f64()
    );
}

fn fail(error: &dyn std::fmt::Display) -> ! {
    eprintln!("seed_store: {error}");
    std::process::exit(1);
}

/// Records task number `i` and moves it to its final state; returns that state.
fn seed_one(
    store: &Store,
    i: usize,
    videos: Option<&(PathBuf, PathBuf)>,
    first_video: &mut Option<PathBuf>,
) -> Result<TaskState, Box<dyn std::error::Error>> {
    let prompt = format!(
        "{} {} {} (scene {})",
        SUBJECTS[i % SUBJECTS.len()],
        ACTIONS[(i / SUBJECTS.len()) % ACTIONS.len()],
        PLACES[(i / 7) % PLACES.len()],
        i + 1
    );
    let aspect = if i % 5 == 3 { "9:16" } else { "16:9" };
    let duration = [4, 8, 12][i % 3];
    let id = format!("sd-seed{i:022}");
    let choices = Choices {
        duration: Some(duration),
        aspect: Some(aspect.into()),
        ..Choices::default()
    };
    let task = store.insert(&NewTask::with_defaults(
        &id,
        "sora-2-preview",
        &prompt,
        &choices,
    ))?;
    let model = task.model_entry().ok_or("a known model")?;
    let credits = model.estimate(&task.settled(), 0);
    store.advance(
        &id,
        TaskState::Preparing,
        TaskState::Waiting,
        &Patch::default(),
    )?;
    let submitted = store.advance(
        &id,
        TaskState::Waiting,
        TaskState::Submitting,
        &Patch::default(),
    )?;
    let sent = Patch {
        remote_id: Some(format!("task-seed-{i}")),
        credits_reserved: Some(credits),
        submitted_at: Some(submitted.created_at),
        ..Patch::default()
    };
    let end = match i % 20 {
        // One in ten failed, one in twenty expired, the rest done.
        0 | 7 => {
            let (code, message, retryable) = FAILURES[(i / 20) % FAILURES.len()];
            store.advance(
                &id,
                TaskState::Submitting,
                TaskState::Failed,
                &Patch {
                    error: Some((code.into(), message.into(), retryable)),
                    ..sent
                },
            )?;
            TaskState::Failed
        }
        13 => {
            store.advance(&id, TaskState::Submitting, TaskState::Downloading, &sent)?;
            store.advance(
                &id,
                TaskState::Downloading,
                TaskState::Expired,
                &Patch {
                    error: Some((
                        "expired".into(),
                        "The link to this video ran out before it was saved.".into(),
                        true,
                    )),
                    ..Patch::default()
                },
            )?;
            TaskState::Expired
        }
        _ => {
            store.advance(
                &id,
                TaskState::Submitting,
                TaskState::Downloading,
                &Patch {
                    progress: Some(100),
                    ..sent
                },
            )?;
            let video = match videos {
                Some((library, sample)) => Some(link_video(library, sample, &id, first_video)?),
                None => None,
            };
            store.advance(
                &id,
                TaskState::Downloading,
                TaskState::Done,
                &Patch {
                    credits_used: Some(credits),
                    video,
                    ..Patch::default()
                },
            )?;
            if i % 9 == 4 {
                store.set_favourite(&id, true)?;
            }
            TaskState::Done
        }
    };
    Ok(end)
}

/// Gives a done task a video file in the library: a copy of the sample clip for the first
/// one, a hard link to that first file for the others.
fn link_video(
    library: &Path,
    sample: &Path,
    id: &str,
    first: &mut Option<PathBuf>,
) -> Result<(String, u64, String), Box<dyn std::error::Error>> {
    let path = library.join(format!("{id}.mp4"));
    if !path.exists() {
        match first {
            Some(first) => std::fs::hard_link(first, &path)?,
            None => {
                std::fs::copy(sample, &path)?;
            }
        }
    }
    first.get_or_insert_with(|| path.clone());
    let size = std::fs::metadata(&path)?.len();
    // The content hash is only compared when a download resumes; a fixed one does for seeds.
    Ok((path.display().to_string(), size, "0".repeat(64)))
}
