//! The video library: the folder people find their videos in.
//!
//! A video appears under its final, readable name only once it is complete and verified. Until
//! then it lives in a hidden `.part` file in the same folder (same file system, so the final
//! step is a rename, never a copy), which is what an interrupted download resumes from.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::store::Task;

/// Longest part of the prompt used in a file name, in characters.
const NAME_PROMPT_CHARS: usize = 60;

pub struct Library {
    dir: PathBuf,
}

impl Library {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the video of `task_id` is assembled before it gets its final name.
    pub fn part_path(&self, task_id: &str) -> PathBuf {
        self.dir.join(format!(".{task_id}.mp4.part"))
    }

    /// The first free name for a video: `stem.mp4`, else `stem (2).mp4`, and so on.
    /// The engine records this path *before* placing the file there, so that a crash in
    /// between finds the same name again instead of making a second copy.
    pub fn free_path(&self, stem: &str) -> PathBuf {
        (1..)
            .map(|n| self.dir.join(numbered(stem, n, "mp4")))
            .find(|candidate| !candidate.exists())
            .expect("an unbounded range always has a free name")
    }

    /// Gives a complete, verified `.part` file the name `target`, never replacing an existing
    /// file. Returns false (and leaves everything as it was) when `target` is taken.
    pub fn place_at(&self, part: &Path, target: &Path) -> io::Result<bool> {
        match fs::hard_link(part, target) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(false),
            // Some file systems (FAT, exFAT, some network shares) have no hard links: fall
            // back to a rename after checking the name is free.
            Err(_) if !target.exists() => {
                fs::rename(part, target)?;
                sync_dir(&self.dir);
                return Ok(true);
            }
            Err(_) => return Ok(false),
        }
        fs::remove_file(part)?;
        sync_dir(&self.dir);
        Ok(true)
    }

    /// Writes the recipe beside the video (`name.json` for `name.mp4`), atomically.
    pub fn write_recipe(&self, video: &Path, recipe: &Recipe) -> io::Result<PathBuf> {
        let path = video.with_extension("json");
        let temp = video.with_extension("json.part");
        let mut file = File::create(&temp)?;
        serde_json::to_writer_pretty(&mut file, recipe)?;
        file.write_all(b"\n")?;
        file.sync_all()?;
        fs::rename(&temp, &path)?;
        Ok(path)
    }
}

/// What made a video, kept beside it so the library stays meaningful outside the app.
#[derive(Debug, Clone, Serialize)]
pub struct Recipe {
    pub app: &'static str,
    pub prompt: String,
    /// EvoLink's model id, and the model's name.
    pub model: String,
    pub model_name: Option<String>,
    /// The shape as sent, e.g. `16:9`; `null` when the pictures decided it.
    pub aspect: Option<String>,
    /// Seconds asked for (-1: the model chose).
    pub duration_seconds: i64,
    pub quality: Option<String>,
    pub sound: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub negative_prompt: Option<String>,
    pub first_frame: Option<String>,
    pub last_frame: Option<String>,
    pub task_id: String,
    pub evolink_task_id: Option<String>,
    /// When one request made several videos (Veo's `n`) and this is not the first: the task
    /// that made the request, whose recipe names the same EvoLink task.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub made_with_task_id: Option<String>,
    /// Which take of the prompt this is, when several were asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub take: Option<u32>,
    pub created_at: i64,
    pub finished_at: i64,
    pub credits_reserved: Option<f64>,
    pub credits_used: Option<f64>,
    pub sha256: String,
}

impl Recipe {
    pub fn for_task(task: &Task, finished_at: i64, sha256: &str) -> Self {
        Self {
            app: "Sora Desk",
            prompt: task.prompt.clone(),
            model: task.model.clone(),
            model_name: task.model_entry().map(|m| m.name.clone()),
            aspect: task.aspect_sent().map(str::to_string),
            duration_seconds: task.duration,
            quality: task.quality.clone(),
            sound: task.audio,
            seed: task.seed,
            negative_prompt: task.negative_prompt.clone(),
            first_frame: task.source_image.clone(),
            last_frame: task.last_source_image.clone(),
            task_id: task.id.clone(),
            evolink_task_id: task.remote_id.clone(),
            made_with_task_id: task.lead_id.clone(),
            take: task.take,
            created_at: task.created_at,
            finished_at,
            credits_reserved: task.credits_reserved,
            credits_used: task.credits_used,
            sha256: sha256.to_string(),
        }
    }
}

/// A readable file name (without extension) for a task's video, safe on Windows, macOS and
/// Linux: `2026-11-24 A cat playing piano (sora-2, landscape, 8s)`. The date is the person's local
/// date when they asked for the video.
pub fn video_stem(task: &Task) -> String {
    video_stem_at_offset(task, local_utc_offset(task.created_at))
}

/// [`video_stem`] with the local time zone given as seconds east of UTC.
pub fn video_stem_at_offset(task: &Task, utc_offset_seconds: i64) -> String {
    let date = date_of(task.created_at + utc_offset_seconds);
    let prompt = name_safe_prompt(&task.prompt);
    let prompt = if prompt.is_empty() {
        "Video".to_string()
    } else {
        prompt
    };
    // The model's short name, the shape in words where it has one, and the length.
    let mut parts = Vec::new();
    parts.push(match task.model_entry() {
        Some(model) => model.short.clone(),
        None => name_safe_prompt(&task.model),
    });
    match task.aspect_sent().unwrap_or("adaptive") {
        "16:9" => parts.push("landscape".to_string()),
        "9:16" => parts.push("portrait".to_string()),
        "1:1" => parts.push("square".to_string()),
        // A shape the model or the pictures decide says nothing useful in a name.
        "adaptive" | "auto" => {}
        other => parts.push(other.replace(':', "x")),
    }
    parts.push(if task.duration > 0 {
        format!("{}s", task.duration)
    } else {
        "auto length".to_string()
    });
    format!("{date} {prompt} ({})", parts.join(", "))
}

fn local_utc_offset(unix: i64) -> i64 {
    use chrono::{Local, Offset, TimeZone};
    match Local.timestamp_opt(unix, 0) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => {
            i64::from(t.offset().fix().local_minus_utc())
        }
        chrono::LocalResult::None => 0,
    }
}

fn numbered(stem: &str, n: u32, extension: &str) -> String {
    if n == 1 {
        format!("{stem}.{extension}")
    } else {
        format!("{stem} ({n}).{extension}")
    }
}

/// The prompt's first words, without characters any of the three OSes refuse in names, on one
/// line, cut at a word boundary.
fn name_safe_prompt(prompt: &str) -> String {
    let cleaned: String = prompt
        .chars()
        .map(|c| match c {
            '<' | '>' | ':' | '"' | '/' | '\\' | '|' | '?' | '*' => ' ',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let mut name = String::new();
    for word in cleaned.split_whitespace() {
        let extra = if name.is_empty() { 0 } else { 1 };
        if name.chars().count() + extra + word.chars().count() > NAME_PROMPT_CHARS {
            if name.is_empty() {
                name = word.chars().take(NAME_PROMPT_CHARS).collect();
            }
            break;
        }
        if extra == 1 {
            name.push(' ');
        }
        name.push_str(word);
    }
    // Windows drops trailing dots and spaces from names; do it ourselves so names round-trip.
    // A cut prompt does not end on a comma or a dash before the "(sora-2, landscape, 4s)" part.
    name.trim_end_matches(['.', ' ', ',', ';', '-']).to_string()
}

/// `YYYY-MM-DD` (UTC) of a Unix time, without a date library.
fn date_of(unix: i64) -> String {
    // Howard Hinnant's days-to-civil algorithm.
    let days = unix.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// An MP4 starts with a box whose type is `ftyp` (bytes 4..8).
pub fn looks_like_mp4(head: &[u8]) -> bool {
    head.len() >= 8 && &head[4..8] == b"ftyp"
}

/// SHA-256 and length of a file, read in chunks (memory stays flat whatever the size).
pub fn hash_file(path: &Path) -> io::Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let total = feed_file(path, &mut hasher)?;
    Ok((hex(&hasher.finalize()), total))
}

/// Feeds a whole file to `hasher`, in chunks; returns its length.
pub fn feed_file(path: &Path, hasher: &mut Sha256) -> io::Result<u64> {
    let mut file = File::open(path)?;
    let mut buffer = vec![0u8; 256 * 1024];
    let mut total = 0u64;
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            return Ok(total);
        }
        hasher.update(&buffer[..n]);
        total += n as u64;
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Makes a rename durable on Linux and macOS (directories cannot be opened on Windows).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(prompt: &str, created_at: i64) -> Task {
        let store = crate::Store::in_memory().unwrap();
        let mut task = store
            .insert(&crate::NewTask::with_defaults(
                "t",
                "sora-2-preview",
                prompt,
                &evolink::models::Choices {
                    duration: Some(8),
                    ..Default::default()
                },
            ))
            .unwrap();
        task.created_at = created_at;
        task
    }

    #[test]
    fn names_are_readable_and_dated() {
        let t = task("A cat playing piano", 1_795_478_400 + 3_600); // 2026-11-24 01:00 UTC
        assert_eq!(
            video_stem_at_offset(&t, 0),
            "2026-11-24 A cat playing piano (sora-2, landscape, 8s)"
        );
        // Five in the afternoon of the 23rd in San Francisco.
        assert!(video_stem_at_offset(&t, -8 * 3600).starts_with("2026-11-23 "));
        assert_eq!(date_of(0), "1970-01-01");
        assert_eq!(date_of(951_782_400), "2000-02-29");
    }

    #[test]
    fn names_drop_what_any_os_refuses_and_stay_short() {
        let t = task(
            "What? A \"quoted\" <tag> / back\\slash | star* : colon\nnew line...",
            0,
        );
        let stem = video_stem_at_offset(&t, 0);
        assert_eq!(
            stem,
            "1970-01-01 What A quoted tag back slash star colon new line (sora-2, landscape, 8s)"
        );
        for bad in ['<', '>', ':', '"', '/', '\\', '|', '?', '*', '\n'] {
            assert!(
                !stem[11..stem.len() - 16].contains(bad),
                "{bad:?} in {stem}"
            );
        }
        let long = task(&"word ".repeat(100), 0);
        let prompt_part = video_stem_at_offset(&long, 0)[11..]
            .split(" (")
            .next()
            .unwrap()
            .to_string();
        assert!(prompt_part.chars().count() <= NAME_PROMPT_CHARS);
        assert!(prompt_part.ends_with("word"));
        assert!(video_stem_at_offset(&task("***", 0), 0).starts_with("1970-01-01 Video ("));
        let cut = task(
            "A paper boat drifting down a rainy street at dusk, reflections in the puddles",
            0,
        );
        assert_eq!(
            video_stem_at_offset(&cut, 0),
            "1970-01-01 A paper boat drifting down a rainy street at dusk (sora-2, landscape, 8s)"
        );
    }

    #[test]
    fn placing_never_overwrites_and_leaves_no_part_file() {
        let dir = tempfile::tempdir().unwrap();
        let library = Library::new(dir.path());
        let mut placed = Vec::new();
        for content in [b"first".as_slice(), b"second", b"third"] {
            let part = library.part_path("t");
            fs::write(&part, content).unwrap();
            let target = library.free_path("2026-11-24 Same name");
            assert!(library.place_at(&part, &target).unwrap());
            assert!(!part.exists());
            placed.push(target);
        }
        // A name taken meanwhile is refused, not overwritten.
        let part = library.part_path("t");
        fs::write(&part, b"fourth").unwrap();
        assert!(!library.place_at(&part, &placed[0]).unwrap());
        assert!(part.exists());
        let names: Vec<String> = placed
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "2026-11-24 Same name.mp4",
                "2026-11-24 Same name (2).mp4",
                "2026-11-24 Same name (3).mp4"
            ]
        );
        assert_eq!(fs::read(&placed[0]).unwrap(), b"first");
    }

    #[test]
    fn recipes_sit_beside_their_video() {
        let dir = tempfile::tempdir().unwrap();
        let library = Library::new(dir.path());
        let video = dir.path().join("clip.mp4");
        let recipe = Recipe::for_task(&task("A kite", 5), 9, "abc");
        let path = library.write_recipe(&video, &recipe).unwrap();
        assert_eq!(path, dir.path().join("clip.json"));
        let json: serde_json::Value = serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
        assert_eq!(json["prompt"], "A kite");
        assert_eq!(json["aspect"], "16:9");
        assert_eq!(json["model_name"], "Sora 2");
        assert_eq!(json["sound"], true);
        assert_eq!(json["duration_seconds"], 8);
        assert_eq!(json["sha256"], "abc");
    }

    #[test]
    fn mp4_signature_and_hashing() {
        assert!(looks_like_mp4(b"\0\0\0\x20ftypisom"));
        assert!(!looks_like_mp4(b"<html>"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        fs::write(&path, b"abc").unwrap();
        let (sha, len) = hash_file(&path).unwrap();
        assert_eq!(len, 3);
        assert_eq!(
            sha,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
