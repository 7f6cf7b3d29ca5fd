//! Fills a store with finished tasks, for the app test that opens a big library
//! (`tests/app/big-library.test.mjs`) and for trying the gallery by hand.
//!
//! ```text
//! cargo run -p sora-engine --example seed_store -- DATA_DIR COUNT [LIBRARY_DIR SAMPLE.mp4 [UNSTILLED]]
//! ```
//!
//! Every task goes through the store's own writer path (`insert`, then `advance` from state to
//! state), so the rows are exactly what the engine would have left. Most end `done`, some
//! `failed` (with the errors people meet) and a few `expired`; prompts, shapes, lengths and
//! favourites vary. With LIBRARY_DIR and a sample clip, every done task gets a video file: the
//! first a copy of the sample, the others hard links to that copy, so ten thousand videos cost
//! no disk space (and the sample itself is never linked), and its still (the poster its card
//! shows), made from the sample by `sora-poster` as the app makes it and hard-linked the same
//! way; the newest UNSTILLED tasks (default 0) are left without one, as videos saved before
//! the app made stills, for the app to make in the background. Prints what it wrote and how
//! long it took.

use std::path::PathBuf;
use std::time::Instant;

use evolink::models::Choices;
use sora_engine::{NewTask, Patch, PosterSize, Store, TaskState};

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
/// Codes of failed tasks, each with its default words (`problem.<code>`).
const FAILURES: &[(&str, bool)] = &[
    ("moderation_blocked", false),
    ("no_credits", false),
    ("server_trouble", true),
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (data_dir, count, videos) = match args.as_slice() {
        [dir, count] => (PathBuf::from(dir), count.parse::<usize>().ok(), None),
        [dir, count, library, sample, rest @ ..] if rest.len() < 2 => (
            PathBuf::from(dir),
            count.parse::<usize>().ok(),
            Some(Videos {
                library: PathBuf::from(library),
                sample: PathBuf::from(sample),
                posters: PathBuf::from(dir).join("posters"),
                unstilled: rest.first().map_or(Some(0), |n| n.parse().ok()),
                first_video: None,
                first_still: None,
            }),
        ),
        _ => (PathBuf::new(), None, None),
    };
    let (Some(count), true) = (count, videos.as_ref().is_none_or(|v| v.unstilled.is_some())) else {
        eprintln!("usage: seed_store DATA_DIR COUNT [LIBRARY_DIR SAMPLE.mp4 [UNSTILLED]]");
        std::process::exit(2);
    };
    let mut videos = videos;
    let start = Instant::now();
    let store = Store::open_in(&data_dir).unwrap_or_else(|e| fail(&e));
    if let Some(videos) = &videos {
        std::fs::create_dir_all(&videos.library).unwrap_or_else(|e| fail(&e));
        std::fs::create_dir_all(&videos.posters).unwrap_or_else(|e| fail(&e));
    }
    let mut states = std::collections::BTreeMap::<&str, usize>::new();
    for i in 0..count {
        let stilled = videos
            .as_ref()
            .is_some_and(|v| i + v.unstilled.unwrap_or(0) < count);
        let state = seed_one(&store, i, videos.as_mut(), stilled).unwrap_or_else(|e| fail(&e));
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

/// Where done tasks get their video files and stills, and the first of each (which the
/// others are hard links to).
struct Videos {
    library: PathBuf,
    sample: PathBuf,
    posters: PathBuf,
    unstilled: Option<usize>,
    first_video: Option<PathBuf>,
    first_still: Option<(PathBuf, PosterSize)>,
}

/// Records task number `i` and moves it to its final state (a done one with a video and, if
/// `stilled`, its still); returns that state.
fn seed_one(
    store: &Store,
    i: usize,
    videos: Option<&mut Videos>,
    stilled: bool,
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
            let (code, retryable) = FAILURES[(i / 20) % FAILURES.len()];
            let message = evolink::Words::new(format!("problem.{code}"));
            store.advance(
                &id,
                TaskState::Submitting,
                TaskState::Failed,
                &Patch {
                    error: Some((code.into(), message, retryable)),
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
                        evolink::Words::new("problem.expired"),
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
            let (video, still) = match videos {
                Some(videos) => {
                    let (video, still) = link_video(videos, &id, stilled)?;
                    (Some(video), still)
                }
                None => (None, None),
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
            if let Some(size) = still {
                store.set_poster(&id, Ok(size))?;
            }
            if i % 9 == 4 {
                store.set_favourite(&id, true)?;
            }
            TaskState::Done
        }
    };
    Ok(end)
}

/// A done task's video as the store records it, and the size of its still if it got one.
type Saved = ((String, u64, String), Option<PosterSize>);

/// Gives a done task a video file in the library and, if `stilled`, its still: a copy of the
/// sample clip and the still made of it for the first one, hard links to those for the others.
fn link_video(
    videos: &mut Videos,
    id: &str,
    stilled: bool,
) -> Result<Saved, Box<dyn std::error::Error>> {
    let path = videos.library.join(format!("{id}.mp4"));
    match &videos.first_video {
        Some(first) => std::fs::hard_link(first, &path)?,
        None => {
            std::fs::copy(&videos.sample, &path)?;
            videos.first_video = Some(path.clone());
        }
    }
    let still = if stilled {
        let target = videos.posters.join(format!("{id}.jpg"));
        Some(match &videos.first_still {
            Some((first, size)) => {
                std::fs::hard_link(first, &target)?;
                *size
            }
            None => {
                let made = sora_poster::still_of(&path)?;
                std::fs::write(&target, &made.jpeg)?;
                let size = PosterSize {
                    width: made.width,
                    height: made.height,
                };
                videos.first_still = Some((target, size));
                size
            }
        })
    } else {
        None
    };
    let bytes = std::fs::metadata(&path)?.len();
    // The content hash is only compared when a download resumes; a fixed one does for seeds.
    Ok(((path.display().to_string(), bytes, "0".repeat(64)), still))
}
