//! Nothing the vault shows (errors, statuses, results, the vault itself) contains the key,
//! whatever the formatting.

use sora_keychain::{ApiKey, KeyOrigin, KeyVault, Saved, Storage, VaultError};

const SECRET: &str = "sk-leak-check-distinctive-key-R8N5W2";

fn all_errors() -> Vec<VaultError> {
    // Details as a careless platform might write them, echoing the secret: the vault scrubs
    // what it builds, so these only prove Display never shows details at all.
    vec![
        VaultError::Unavailable {
            detail: "org.freedesktop.DBus.Error.NoServer".into(),
        },
        VaultError::Denied {
            detail: "locked".into(),
        },
        VaultError::Failed {
            detail: "boom".into(),
        },
        VaultError::InvalidKey {
            origin: KeyOrigin::Environment,
        },
        VaultError::InvalidKey {
            origin: KeyOrigin::Keychain,
        },
    ]
}

#[test]
fn errors_never_show_the_key() {
    for err in all_errors() {
        for text in [
            format!("{err}"),
            format!("{err:?}"),
            format!("{err:#?}"),
            err.code().to_string(),
            err.detail().to_string(),
        ] {
            assert!(!text.contains(SECRET), "{text}");
            assert!(!text.contains("R8N5W2"), "{text}");
        }
        assert!(!err.to_string().is_empty());
    }
}

#[test]
fn the_invalid_key_error_from_the_environment_does_not_echo_it() {
    let vault = KeyVault::new("app.soradesk.desktop.test.leaks");
    let bad = format!("{SECRET} trailing");
    let err = vault.resolve(Some(&bad)).unwrap_err();
    assert_eq!(err.code(), "invalid_key");
    assert!(!format!("{err}{err:?}{err:#?}").contains("R8N5W2"));
}

#[test]
fn statuses_and_results_never_show_the_key() {
    let vault = KeyVault::new("app.soradesk.desktop.test.leaks");
    let key = ApiKey::new(SECRET).unwrap();
    let saved: Saved = vault.set_for_session(&key);
    let status = vault.status();
    assert_eq!(status.storage, Storage::SessionOnly);
    for text in [
        format!("{saved:?}"),
        format!("{saved:#?}"),
        format!("{status:?}"),
        format!("{status:#?}"),
        format!("{vault:?}"),
        format!("{vault:#?}"),
        format!("{key:?}"),
        format!("{key}"),
        serde_json::to_string(&saved).unwrap(),
        serde_json::to_string(&status).unwrap(),
        serde_json::to_string(&(vault.resolve(None).unwrap().unwrap().1)).unwrap(),
    ] {
        assert!(!text.contains("R8N5W2"), "{text}");
    }
    assert_eq!(status.hint.as_deref(), Some("sk-…N5W2"));
}
