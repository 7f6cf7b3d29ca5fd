//! The vault on the system's own keychain, through the vault alone, so the same tests run on
//! every system: the macOS login keychain and the Windows Credential Manager (the workflow
//! `.github/workflows/tests.yml`), and a Secret Service on Linux (`scripts/test-all`, inside
//! `with_secret_service`; `secret_service.rs` also checks what the Secret Service itself holds).
//!
//! ```text
//! cargo test -p sora-keychain --test system_keychain -- --include-ignored
//! ```
//!
//! Each test uses a service name of its own (pid + test name), never the app's.

mod common;

use common::{key, Cleanup};
use sora_keychain::{KeyVault, Source, Storage};

fn service(test: &str) -> String {
    format!(
        "app.soradesk.desktop.test.{}.system.{test}",
        std::process::id()
    )
}

#[test]
#[ignore = "needs the system's keychain (on Linux a Secret Service: scripts/lib/setup.sh with_secret_service)"]
fn a_key_is_saved_read_by_another_vault_replaced_and_removed() {
    let svc = service("lifecycle");
    let _cleanup = Cleanup(svc.clone());
    let app = KeyVault::new(&svc);
    let cli = KeyVault::new(&svc);
    assert_eq!(app.get().expect("the keychain answers"), None);

    let saved = app.set(&key("sk-system-first-aaaaaaaa7e1d")).expect("set");
    assert_eq!(
        (saved.storage, saved.hint.as_str()),
        (Storage::Keychain, "sk-…7e1d")
    );
    let (found, source) = cli.resolve(None).unwrap().expect("the other vault sees it");
    assert_eq!(
        (found.expose(), source),
        ("sk-system-first-aaaaaaaa7e1d", Source::Keychain)
    );

    cli.set(&key("sk-system-second-bbbbbbb52c0"))
        .expect("replace");
    let status = app.status();
    assert_eq!(
        (
            status.set,
            status.hint.as_deref(),
            status.storage,
            status.error
        ),
        (true, Some("sk-…52c0"), Storage::Keychain, None)
    );

    app.clear().expect("clear");
    assert_eq!(cli.get().unwrap(), None);
    assert!(!KeyVault::new(&svc).status().set);
    app.clear().expect("clearing twice is fine");
}

#[test]
#[ignore = "needs the system's keychain (on Linux a Secret Service: scripts/lib/setup.sh with_secret_service)"]
fn service_names_keep_keys_apart() {
    let release = service("apart");
    let dev = service("apart.dev");
    let _c1 = Cleanup(release.clone());
    let _c2 = Cleanup(dev.clone());
    let a = KeyVault::new(&release);
    let b = KeyVault::new(&dev);
    a.set(&key("sk-system-release-cccccc9a9a")).unwrap();
    assert_eq!(b.get().unwrap(), None, "a prefix is not a match");
    b.set(&key("sk-system-debug-dddddddd4b4b")).unwrap();
    b.clear().unwrap();
    assert_eq!(
        a.get().unwrap().map(|k| k.expose().to_string()),
        Some("sk-system-release-cccccc9a9a".to_string())
    );
}
