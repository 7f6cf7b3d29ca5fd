//! Pictures the person gave the app, known to the page only by handle.
//!
//! The page never names a file for Rust to read: a picture reaches the app through the
//! person's own gesture (a drop on the window, the system's file dialog, a paste), Rust keeps
//! its path and gives the page an opaque handle for it. Preflight and submit take handles
//! only, so a page that misbehaves cannot have any other file on disk read, prepared or
//! uploaded, nor learn which files exist: every handle Rust did not issue gets the same answer.
//!
//! A task's own pictures (for "Make another like this") have handles too, derived from the
//! task: `task:<id>:first` or `task:<id>:last`, resolved from the store, never from the page.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sora_engine::{Role, Store};

use crate::lock;
use crate::problem::Problem;
use crate::problem::Words;

/// How many handles of given pictures are kept; the oldest are forgotten first. Far more than
/// a person drops in a session, and a bound on what a misbehaving page can make Rust remember.
const KEPT: usize = 1000;

const GIVEN_PREFIX: &str = "pic-";
const TASK_PREFIX: &str = "task:";

/// The handles of pictures given in this run of the app, newest last.
#[derive(Default)]
pub struct Pictures {
    given: Mutex<VecDeque<(String, PathBuf)>>,
}

impl Pictures {
    /// Keeps a picture the person gave (their drop, their dialog's answer, their paste) and
    /// returns the handle the page may use for it.
    pub fn give(&self, path: PathBuf) -> String {
        // Without the system's randomness a handle could be guessed; a counter-free fallback
        // is not worth having, so this is the one place the service gives up.
        let random =
            crate::media::random_hex(16).expect("the system's random number source is available");
        let handle = format!("{GIVEN_PREFIX}{random}");
        let mut given = lock(&self.given);
        if given.len() >= KEPT {
            given.pop_front();
        }
        given.push_back((handle.clone(), path));
        handle
    }

    /// The path behind a handle: one this run gave, or a task's own picture in `store`.
    /// Anything else, a path included, gets [`unknown`].
    pub fn path(&self, handle: &str, store: &Store) -> Result<PathBuf, Problem> {
        if handle.starts_with(GIVEN_PREFIX) {
            return lock(&self.given)
                .iter()
                .find(|(h, _)| h == handle)
                .map(|(_, path)| path.clone())
                .ok_or_else(unknown);
        }
        let (id, role) = parse_task_handle(handle).ok_or_else(unknown)?;
        let task = store.find(id).ok().flatten().ok_or_else(unknown)?;
        task.picture(role)
            .source
            .map(PathBuf::from)
            .ok_or_else(unknown)
    }
}

/// The handle of a task's own picture in `role`.
pub fn task_handle(task_id: &str, role: Role) -> String {
    let role = match role {
        Role::First => "first",
        Role::Last => "last",
    };
    format!("{TASK_PREFIX}{task_id}:{role}")
}

fn parse_task_handle(handle: &str) -> Option<(&str, Role)> {
    let rest = handle.strip_prefix(TASK_PREFIX)?;
    let (id, role) = rest.split_once(':')?;
    let role = match role {
        "first" => Role::First,
        "last" => Role::Last,
        _ => return None,
    };
    crate::is_task_id(id).then_some((id, role))
}

/// The one answer to every handle the app did not give: whether it names a file that exists
/// or not, is forged or was forgotten, the page learns nothing more.
pub fn unknown() -> Problem {
    Problem::new(
        "picture_unknown",
        Words::new("problem.picture_unknown"),
        false,
    )
}

/// A picture the person gave, still where it was: the file may have been moved or deleted
/// since (the person's own file, so saying so tells nothing new).
pub fn check_still_there(path: &Path) -> Result<(), Problem> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(()),
        Ok(_) => Err(Problem::new(
            "read_failed",
            Words::new("problem.read_failed.folder_dropped"),
            false,
        )),
        Err(_) => Err(Problem::new(
            "file_missing",
            Words::new("problem.file_missing.picture"),
            false,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_given_picture_is_found_by_its_handle_and_nothing_else_is() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).unwrap();
        let pictures = Pictures::default();
        let handle = pictures.give(PathBuf::from("/pictures/cat.png"));
        assert!(handle.starts_with("pic-") && handle.len() == 36, "{handle}");
        assert_eq!(
            pictures.path(&handle, &store).unwrap(),
            PathBuf::from("/pictures/cat.png")
        );
        let forged = format!("pic-{}", "0".repeat(32));
        for refused in [
            "/pictures/cat.png",
            "/etc/passwd",
            forged.as_str(),
            "task:sd-nosuchtask0000000000000000:first",
            "task:../../etc:first",
            "",
        ] {
            let problem = pictures.path(refused, &store).unwrap_err();
            assert_eq!(problem.code, "picture_unknown", "{refused}");
            assert_eq!(problem.message, unknown().message, "{refused}");
        }
    }

    #[test]
    fn the_oldest_handles_are_forgotten_past_the_bound() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).unwrap();
        let pictures = Pictures::default();
        let first = pictures.give(PathBuf::from("/p/0.png"));
        let second = pictures.give(PathBuf::from("/p/1.png"));
        for i in 2..=KEPT {
            pictures.give(PathBuf::from(format!("/p/{i}.png")));
        }
        assert_eq!(
            pictures.path(&first, &store).unwrap_err().code,
            "picture_unknown"
        );
        assert_eq!(
            pictures.path(&second, &store).unwrap(),
            PathBuf::from("/p/1.png")
        );
    }
}
