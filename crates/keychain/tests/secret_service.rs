//! Against a real Secret Service (gnome-keyring in a private D-Bus session), never the user's:
//!
//! ```text
//! dbus-run-session -- bash -c '
//!   eval "$(echo -n test | gnome-keyring-daemon --unlock --components=secrets)"
//!   export GNOME_KEYRING_CONTROL
//!   cargo test -p sora-keychain -- --include-ignored'
//! ```
//!
//! Each test uses its own service name (pid + test name), so tests run in parallel and never
//! meet the app's own entries. What the vault wrote is checked with a Secret Service client of
//! its own (`dbus-secret-service` directly), not only through the vault.

#![cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;

use common::{key, Cleanup};
use dbus_secret_service::{EncryptionType, SecretService};
use sora_keychain::{KeyVault, Source, Storage, ACCOUNT};

const NEEDS: &str = "needs a Secret Service: run inside scripts/lib/setup.sh with_secret_service";

/// A unique service name for one test, after making sure the test keyring is ready.
fn service(test: &str) -> String {
    static READY: std::sync::Once = std::sync::Once::new();
    READY.call_once(wait_for_the_keyring);
    format!("app.soradesk.desktop.test.{}.{test}", std::process::id())
}

/// The test keyring may not be on the bus yet (`gnome-keyring-daemon --unlock` returns before
/// it owns `org.freedesktop.secrets`), or may have gone away. Ask the bus to start it and wait
/// until it does (the test session's service file starts it unlocked: scripts/lib/setup.sh),
/// then wait for an unlocked default collection.
fn wait_for_the_keyring() {
    let deadline = Instant::now() + Duration::from_secs(10);
    let bus = dbus::blocking::Connection::new_session().expect(NEEDS);
    let proxy = bus.with_proxy(
        "org.freedesktop.DBus",
        "/org/freedesktop/DBus",
        Duration::from_secs(10),
    );
    let _: (u32,) = proxy
        .method_call(
            "org.freedesktop.DBus",
            "StartServiceByName",
            ("org.freedesktop.secrets", 0u32),
        )
        .expect(NEEDS);
    loop {
        let ss = SecretService::connect(EncryptionType::Dh).expect(NEEDS);
        let unlocked = ss
            .get_default_collection()
            .and_then(|c| c.is_locked())
            .is_ok_and(|locked| !locked);
        if unlocked {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{NEEDS} (the default collection stays locked)"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The secrets stored under `service` / `evolink-api-key`, as the Secret Service itself
/// reports them (every collection, locked or not).
fn stored_secrets(service: &str) -> Vec<String> {
    let ss = SecretService::connect(EncryptionType::Dh).expect(NEEDS);
    let found = ss
        .search_items(HashMap::from([("service", service), ("username", ACCOUNT)]))
        .expect("search");
    assert!(found.locked.is_empty(), "the test keyring is unlocked");
    found
        .unlocked
        .iter()
        .map(|item| String::from_utf8(item.get_secret().expect("secret")).unwrap())
        .collect()
}

#[test]
#[ignore = "needs a Secret Service: run inside scripts/lib/setup.sh with_secret_service"]
fn set_status_get_replace_clear() {
    let svc = service("lifecycle");
    let _cleanup = Cleanup(svc.clone());
    let vault = KeyVault::new(&svc);

    // Nothing yet.
    assert_eq!(vault.get().expect(NEEDS), None);
    let st = vault.status();
    assert_eq!(
        (st.set, st.hint.as_deref(), st.storage, st.error),
        (false, None, Storage::None, None)
    );

    // Set.
    let first = key("sk-first-key-aaaaaaaaaaaa9f3a");
    let saved = vault.set(&first).expect("set");
    assert_eq!(saved.storage, Storage::Keychain);
    assert_eq!(saved.hint, "sk-…9f3a");
    let st = vault.status();
    assert!(st.set);
    assert_eq!(st.hint.as_deref(), Some("sk-…9f3a"));
    assert_eq!(st.storage, Storage::Keychain);
    assert_eq!(st.error, None);
    assert_eq!(vault.get().unwrap().unwrap().expose(), first.expose());
    assert_eq!(stored_secrets(&svc), vec![first.expose().to_string()]);

    // Replace: still one entry, holding the new key.
    let second = key("sk-second-key-bbbbbbbbbbb41c7");
    vault.set(&second).expect("replace");
    assert_eq!(vault.get().unwrap().unwrap().expose(), second.expose());
    assert_eq!(vault.status().hint.as_deref(), Some("sk-…41c7"));
    assert_eq!(stored_secrets(&svc), vec![second.expose().to_string()]);

    // Clear: gone for this vault, a fresh one, and the Secret Service itself.
    vault.clear().expect("clear");
    assert_eq!(vault.get().unwrap(), None);
    assert_eq!(KeyVault::new(&svc).get().unwrap(), None);
    assert!(!vault.status().set);
    assert!(stored_secrets(&svc).is_empty());

    // Clearing again is fine.
    vault.clear().expect("clear twice");
}

#[test]
#[ignore = "needs a Secret Service: run inside scripts/lib/setup.sh with_secret_service"]
fn two_instances_share_the_entry() {
    let svc = service("shared");
    let _cleanup = Cleanup(svc.clone());
    let app = KeyVault::new(&svc);
    let cli = KeyVault::new(&svc);

    app.set(&key("sk-shared-key-cccccccccccc0a0a")).unwrap();
    assert_eq!(
        cli.get().unwrap().unwrap().expose(),
        "sk-shared-key-cccccccccccc0a0a"
    );
    let (k, src) = cli.resolve(None).unwrap().unwrap();
    assert_eq!(
        (k.expose(), src),
        ("sk-shared-key-cccccccccccc0a0a", Source::Keychain)
    );

    cli.set(&key("sk-from-the-cli-ddddddddd1111")).unwrap();
    assert_eq!(app.status().hint.as_deref(), Some("sk-…1111"));

    cli.clear().unwrap();
    assert_eq!(app.get().unwrap(), None);
}

#[test]
#[ignore = "needs a Secret Service: run inside scripts/lib/setup.sh with_secret_service"]
fn service_names_isolate_entries() {
    let release = service("isolate.release");
    let dev = service("isolate.release.dev");
    let _c1 = Cleanup(release.clone());
    let _c2 = Cleanup(dev.clone());
    let a = KeyVault::new(&release);
    let b = KeyVault::new(&dev);

    a.set(&key("sk-release-build-key-eeee2222")).unwrap();
    assert_eq!(b.get().unwrap(), None, "a prefix is not a match");
    b.set(&key("sk-debug-build-key-ffffff3333")).unwrap();
    assert_eq!(a.status().hint.as_deref(), Some("sk-…2222"));
    assert_eq!(b.status().hint.as_deref(), Some("sk-…3333"));

    b.clear().unwrap();
    assert_eq!(
        a.get().unwrap().unwrap().expose(),
        "sk-release-build-key-eeee2222"
    );
    assert!(stored_secrets(&dev).is_empty());
    assert_eq!(stored_secrets(&release).len(), 1);
}

#[test]
#[ignore = "needs a Secret Service: run inside scripts/lib/setup.sh with_secret_service"]
fn session_key_and_keychain_together() {
    let svc = service("session");
    let _cleanup = Cleanup(svc.clone());
    let vault = KeyVault::new(&svc);
    vault.set(&key("sk-saved-key-gggggggggggg4444")).unwrap();

    // An explicit session key wins and never reaches the keychain.
    vault.set_for_session(&key("sk-session-key-hhhhhhhhhh5555"));
    assert_eq!(vault.status().storage, Storage::SessionOnly);
    assert_eq!(
        vault.get().unwrap().unwrap().expose(),
        "sk-session-key-hhhhhhhhhh5555"
    );
    assert_eq!(
        stored_secrets(&svc),
        vec!["sk-saved-key-gggggggggggg4444".to_string()]
    );

    // Saving to the keychain makes the saved key the one in use.
    vault.set(&key("sk-saved-again-iiiiiiiiii6666")).unwrap();
    let st = vault.status();
    assert_eq!(
        (st.storage, st.hint.as_deref()),
        (Storage::Keychain, Some("sk-…6666"))
    );

    // Clear removes both.
    vault.set_for_session(&key("sk-session-key-hhhhhhhhhh5555"));
    vault.clear().unwrap();
    assert_eq!(vault.get().unwrap(), None);
    assert!(stored_secrets(&svc).is_empty());
}

#[test]
#[ignore = "needs a Secret Service: run inside scripts/lib/setup.sh with_secret_service"]
fn a_bad_value_in_the_keychain_is_reported_without_echoing_it() {
    let svc = service("bad-value");
    let _cleanup = Cleanup(svc.clone());
    // Someone else wrote a value with a space in the entry.
    keyring::Entry::new(&svc, ACCOUNT)
        .unwrap()
        .set_password("sk-pasted with-a-space-77")
        .unwrap();
    let vault = KeyVault::new(&svc);
    let err = vault.get().unwrap_err();
    assert_eq!(err.code(), "invalid_key");
    assert!(!format!("{err}{err:?}").contains("with-a-space"));
    let st = vault.status();
    assert_eq!((st.set, st.error), (false, Some("invalid_key")));
    assert!(!format!("{st:?}").contains("with-a-space"));
    // The user can replace it.
    vault.set(&key("sk-good-key-jjjjjjjjjjjj7777")).unwrap();
    assert!(vault.status().set);
}

#[test]
#[ignore = "needs a Secret Service: run inside scripts/lib/setup.sh with_secret_service"]
fn works_from_spawn_blocking_inside_tokio() {
    let svc = service("tokio");
    let _cleanup = Cleanup(svc.clone());
    let vault = Arc::new(KeyVault::new(&svc));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let hint = rt.block_on(async {
        let v = vault.clone();
        tokio::task::spawn_blocking(move || v.set(&key("sk-async-caller-kkkkkkkk8888")))
            .await
            .unwrap()
            .unwrap();
        let v = vault.clone();
        tokio::task::spawn_blocking(move || v.status())
            .await
            .unwrap()
            .hint
    });
    assert_eq!(hint.as_deref(), Some("sk-…8888"));
}

#[test]
#[ignore = "needs a Secret Service: run inside scripts/lib/setup.sh with_secret_service"]
fn the_keyring_files_never_hold_the_key_in_clear() {
    let svc = service("on-disk");
    let _cleanup = Cleanup(svc.clone());
    let secret = "sk-distinctive-on-disk-key-QX93ZZ";
    KeyVault::new(&svc).set(&key(secret)).unwrap();
    // gnome-keyring keeps its collections under ~/.local/share/keyrings, encrypted.
    let dir = std::path::Path::new(&std::env::var("HOME").unwrap()).join(".local/share/keyrings");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return; // An in-memory collection: nothing on disk to check.
    };
    for entry in entries.flatten() {
        let bytes = std::fs::read(entry.path()).unwrap_or_default();
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "{} holds the key in clear",
            entry.path().display()
        );
    }
}
