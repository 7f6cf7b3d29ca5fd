//! A Linux session without any D-Bus: the keychain is unavailable. Saving must say so, write
//! nothing anywhere, and the explicit session-only key must work.
//!
//! This file is its own test process, with a single test, because it changes process-wide
//! environment variables (the session bus address, HOME) before anything reads them.

#![cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]

use std::path::{Path, PathBuf};

use sora_keychain::{resolve_key, ApiKey, KeyVault, Source, Storage};

const SECRET: &str = "sk-no-keychain-distinctive-key-ZP4Q8";

const UNAVAILABLE_MESSAGE: &str = "This computer has no keychain Sora Desk can use, so the key can't be saved. You can keep it for this session only; you'll be asked again next time.";

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn without_a_keychain_the_key_is_kept_for_the_session_only() {
    // Before any keyring or D-Bus call: no session bus, and a HOME of our own to inspect.
    let home = std::env::temp_dir().join(format!("sora-keychain-nobus-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent");
    std::env::set_var("HOME", &home);
    for (var, sub) in [
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_STATE_HOME", ".local/state"),
    ] {
        std::env::set_var(var, home.join(sub));
    }
    std::env::remove_var("EVOLINK_API_KEY");

    let vault = KeyVault::new(format!(
        "app.soradesk.desktop.test.{}.nobus",
        std::process::id()
    ));
    let key = ApiKey::new(SECRET).unwrap();

    // Nothing set, and the status says why.
    let st = vault.status();
    assert_eq!(
        (st.set, st.storage, st.error),
        (false, Storage::None, Some("keychain_unavailable"))
    );
    assert_eq!(vault.get().unwrap_err().code(), "keychain_unavailable");

    // Saving fails plainly, with no fallback.
    let err = vault.set(&key).unwrap_err();
    assert_eq!(err.code(), "keychain_unavailable", "{err:?}");
    assert_eq!(err.to_string(), UNAVAILABLE_MESSAGE);
    assert!(!err.retryable());
    assert!(err.offers_session());
    assert!(
        !err.detail().is_empty(),
        "the platform's words are kept for logs"
    );
    for text in [
        format!("{err}"),
        format!("{err:?}"),
        err.detail().to_string(),
    ] {
        assert!(!text.contains(SECRET), "{text}");
    }
    assert!(!vault.status().set, "a failed save leaves no key behind");

    // The explicit session-only key.
    let saved = vault.set_for_session(&key);
    assert_eq!(saved.storage, Storage::SessionOnly);
    assert_eq!(saved.hint, "sk-…P4Q8");
    let st = vault.status();
    assert_eq!(
        (st.set, st.hint.as_deref(), st.storage, st.error),
        (true, Some("sk-…P4Q8"), Storage::SessionOnly, None)
    );
    assert_eq!(vault.get().unwrap().unwrap().expose(), SECRET);
    assert_eq!(resolve_key(&vault).unwrap().unwrap().1, Source::Session);

    // The environment still wins for the CLI.
    std::env::set_var("EVOLINK_API_KEY", "sk-from-the-environment-0001");
    let (k, src) = resolve_key(&vault).unwrap().unwrap();
    assert_eq!(
        (k.expose(), src),
        ("sk-from-the-environment-0001", Source::Environment)
    );
    std::env::remove_var("EVOLINK_API_KEY");

    // Clearing works without a keychain.
    vault.clear().unwrap();
    assert_eq!(vault.status().storage, Storage::None);
    assert_eq!(
        resolve_key(&vault).unwrap_err().code(),
        "keychain_unavailable"
    );

    // And nothing anywhere in HOME holds the key.
    let mut files = Vec::new();
    files_under(&home, &mut files);
    for file in &files {
        let bytes = std::fs::read(file).unwrap_or_default();
        assert!(
            !bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()),
            "{} holds the key",
            file.display()
        );
    }
    let _ = std::fs::remove_dir_all(&home);
}
