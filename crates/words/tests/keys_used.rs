//! Every key Rust writes is in the catalogue, and every key of the catalogue is used.
//!
//! A key is written in Rust one way: `Words::new("the.key")` (a literal; this test reads every
//! `*.rs` under `crates/` and `src-tauri/` for them). The dynamic families are checked here
//! by their rule: `model.<id>.good_at` (every manifest model has one, tested by
//! `sora-models`), and `problem.<code>`, the default words of a code (what an old task's note
//! and the page fall back to), which every code has.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use sora_words::{catalogue, Lang};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if name != "target" && name != "fuzz" && !name.to_string_lossy().starts_with('.') {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn sources() -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    rust_files(&root().join("crates"), &mut files);
    rust_files(&root().join("src-tauri"), &mut files);
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect()
}

/// The literal keys of `Words::new("...")`, whitespace between the parenthesis and the quote
/// allowed.
fn literal_keys(text: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("Words::new(") {
        rest = &rest[at + "Words::new(".len()..];
        let trimmed = rest.trim_start();
        if let Some(quoted) = trimmed.strip_prefix('"') {
            if let Some(end) = quoted.find('"') {
                keys.push(quoted[..end].to_string());
            }
        }
    }
    keys
}

/// Every string literal of the sources (for the codes a `problem.<code>` key belongs to).
fn string_literals(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut parts = text.split('"');
    parts.next();
    while let Some(inside) = parts.next() {
        out.insert(inside.to_string());
        parts.next();
    }
    out
}

#[test]
fn every_key_used_is_in_the_catalogue_and_every_key_is_used() {
    let english = catalogue(Lang::En);
    let sources = sources();
    assert!(sources.len() > 50, "the sources were found");
    let mut used = BTreeSet::new();
    let mut literals = BTreeSet::new();
    for (path, text) in &sources {
        for key in literal_keys(text) {
            // This test's own examples and the words crate's tests name keys that are not.
            if path.ends_with("crates/words/src/tests.rs") || path.ends_with("tests/keys_used.rs") {
                continue;
            }
            assert!(
                english.contains_key(&key),
                "{} uses {key}, which ui/i18n/en/backend.json lacks",
                path.display()
            );
            used.insert(key);
        }
        literals.extend(string_literals(text));
    }
    // Every variant's code has its plain default words.
    for key in used.iter().filter(|k| k.starts_with("problem.")) {
        let code = key.split('.').nth(1).unwrap();
        assert!(
            english.contains_key(&format!("problem.{code}")),
            "{key}: the code {code} has no problem.{code}"
        );
    }
    let unused: Vec<_> = english
        .keys()
        .filter(|key| !used.contains(*key))
        .filter(|key| {
            // model.<id>.good_at (ids hold dots): checked against the manifest by
            // sora-models' tests.
            if key.starts_with("model.") && key.ends_with(".good_at") {
                return false;
            }
            // problem.<code>: the default words of a code the sources use.
            match key.strip_prefix("problem.") {
                Some(code) if !code.contains('.') => !literals.contains(code),
                _ => true,
            }
        })
        .collect();
    assert!(unused.is_empty(), "keys nothing uses: {unused:?}");
}

#[test]
fn the_scan_finds_keys_on_their_own_line_too() {
    let text = "Words::new(\"a.b\") + Words::new(\n    \"c.d\",\n) + Words::new(format!(\"x\"))";
    assert_eq!(literal_keys(text), ["a.b", "c.d"]);
}
