//! [`KeyVault`]: the key in the OS keychain, or in this process's memory when the user chose so.

use std::sync::{Mutex, MutexGuard};

use evolink::ApiKey;
use serde::Serialize;

use crate::error::{KeyOrigin, VaultError};
use crate::store::Slot;

/// The keychain account (user) the key is saved under, inside the app's service.
pub const ACCOUNT: &str = "evolink-api-key";

/// The keychain service of release builds: the app identifier.
pub const RELEASE_SERVICE: &str = "app.soradesk.desktop";

/// The keychain service of debug builds, so development never reads or replaces the key of
/// an installed Sora Desk.
pub const DEV_SERVICE: &str = "app.soradesk.desktop.dev";

/// The service this build uses: [`DEV_SERVICE`] with debug assertions, else [`RELEASE_SERVICE`].
pub fn default_service() -> &'static str {
    if cfg!(debug_assertions) {
        DEV_SERVICE
    } else {
        RELEASE_SERVICE
    }
}

/// Where the current key lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Storage {
    /// In the OS keychain: it survives restarts.
    Keychain,
    /// In this process's memory only, by the user's choice: gone when the app quits.
    SessionOnly,
    /// No key.
    None,
}

/// What the UI may know about the key: whether there is one, its hint, where it lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyStatus {
    /// A key is available.
    pub set: bool,
    /// A hint such as `sk-…9f3a`, when a key is set.
    pub hint: Option<String>,
    /// Where the key lives.
    pub storage: Storage,
    /// The code of the error met while reading the keychain (e.g. `keychain_denied`), when
    /// that is why no key is reported.
    pub error: Option<&'static str>,
}

/// What [`KeyVault::set`] and [`KeyVault::set_for_session`] report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Saved {
    /// Where the key went.
    pub storage: Storage,
    /// Its hint, such as `sk-…9f3a`.
    pub hint: String,
}

/// Where [`KeyVault::resolve`] found the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// `EVOLINK_API_KEY`.
    Environment,
    /// This process's session-only key.
    Session,
    /// The OS keychain.
    Keychain,
}

impl Source {
    /// `environment`, `session` or `keychain`.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Environment => "environment",
            Source::Session => "session",
            Source::Keychain => "keychain",
        }
    }
}

/// The EvoLink key's home: one keychain entry (`service` / [`ACCOUNT`]) plus an optional
/// session-only key held in memory.
///
/// Every method may block: on Linux each keychain call is a D-Bus round trip (the sync Secret
/// Service client), on macOS the system may show an access prompt. From async code, call it
/// inside `tokio::task::spawn_blocking` (hold the vault in an `Arc`); never on a runtime
/// worker thread.
///
/// The session key belongs to this instance: the app keeps one vault for its lifetime.
/// Two instances with the same service share the keychain entry, not the session key.
pub struct KeyVault {
    service: String,
    session: Mutex<Option<ApiKey>>,
}

/// The keychain account of a key kept for the tasks of its account.
fn kept_account(fingerprint: &str) -> String {
    format!("{ACCOUNT}.{fingerprint}")
}

impl std::fmt::Debug for KeyVault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyVault")
            .field("service", &self.service)
            .field("session_key", &self.session().is_some())
            .finish()
    }
}

impl KeyVault {
    /// A vault for the entry `service` / [`ACCOUNT`]. The app passes [`default_service()`];
    /// tests pass a name of their own so they never touch a real key.
    pub fn new(service: impl Into<String>) -> Self {
        KeyVault {
            service: service.into(),
            session: Mutex::new(None),
        }
    }

    /// The vault of this build ([`default_service()`]).
    pub fn for_app() -> Self {
        Self::new(default_service())
    }

    /// The keychain service name.
    pub fn service(&self) -> &str {
        &self.service
    }

    fn slot(&self) -> Slot<'_> {
        Slot {
            service: &self.service,
            account: ACCOUNT,
        }
    }

    fn session(&self) -> MutexGuard<'_, Option<ApiKey>> {
        // A panic while holding the lock cannot leave an `Option<ApiKey>` half-written.
        self.session.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The key to use: the session key when one is set, else the keychain's.
    pub fn get(&self) -> Result<Option<ApiKey>, VaultError> {
        if let Some(key) = self.session().clone() {
            return Ok(Some(key));
        }
        self.slot().get()
    }

    /// Saves the key in the OS keychain, replacing any previous one, and drops the session key
    /// (the saved key is now the one in use).
    ///
    /// Never falls back: without a usable keychain this returns the error (code
    /// `keychain_unavailable`, `keychain_denied` or `keychain_failed`) and the UI may offer
    /// [`KeyVault::set_for_session`]. Nothing is ever written anywhere else.
    pub fn set(&self, key: &ApiKey) -> Result<Saved, VaultError> {
        self.slot().set(key)?;
        *self.session() = None;
        Ok(Saved {
            storage: Storage::Keychain,
            hint: key.hint(),
        })
    }

    /// Keeps the key in this process's memory only, by the user's explicit choice. The
    /// keychain is not touched; the key is gone when the app quits.
    pub fn set_for_session(&self, key: &ApiKey) -> Saved {
        *self.session() = Some(key.clone());
        Saved {
            storage: Storage::SessionOnly,
            hint: key.hint(),
        }
    }

    /// Forgets the key: the session key and the keychain entry.
    ///
    /// When there is no keychain at all (`keychain_unavailable`) there is nothing saved that
    /// this app could read either, so that counts as cleared. A keychain that refuses or fails
    /// is an error: the entry may still be there.
    pub fn clear(&self) -> Result<(), VaultError> {
        *self.session() = None;
        match self.slot().delete() {
            Ok(()) | Err(VaultError::Unavailable { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Keeps a key that is being replaced or removed while videos made with it are still
    /// being followed, under its account fingerprint (`evolink-api-key.<fingerprint>`), so
    /// they finish with it, also after a restart. Best effort: the engine also holds it for
    /// this session.
    pub fn keep_for_tasks(&self, key: &ApiKey) -> Result<(), VaultError> {
        let account = kept_account(&key.fingerprint());
        Slot {
            service: &self.service,
            account: &account,
        }
        .set(key)
    }

    /// A key kept for its account's tasks (see [`KeyVault::keep_for_tasks`]).
    pub fn kept(&self, fingerprint: &str) -> Result<Option<ApiKey>, VaultError> {
        let account = kept_account(fingerprint);
        Slot {
            service: &self.service,
            account: &account,
        }
        .get()
    }

    /// Forgets a kept key once no task needs it.
    pub fn forget_kept(&self, fingerprint: &str) -> Result<(), VaultError> {
        let account = kept_account(fingerprint);
        match (Slot {
            service: &self.service,
            account: &account,
        })
        .delete()
        {
            Ok(()) | Err(VaultError::Unavailable { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Whether a key is set, its hint and where it lives. Never fails: a keychain that cannot
    /// be read reports no key, with the error's code in [`KeyStatus::error`].
    pub fn status(&self) -> KeyStatus {
        if let Some(key) = self.session().as_ref() {
            return KeyStatus {
                set: true,
                hint: Some(key.hint()),
                storage: Storage::SessionOnly,
                error: None,
            };
        }
        match self.slot().get() {
            Ok(Some(key)) => KeyStatus {
                set: true,
                hint: Some(key.hint()),
                storage: Storage::Keychain,
                error: None,
            },
            Ok(None) => KeyStatus {
                set: false,
                hint: None,
                storage: Storage::None,
                error: None,
            },
            Err(e) => KeyStatus {
                set: false,
                hint: None,
                storage: Storage::None,
                error: Some(e.code()),
            },
        }
    }

    /// The key for a caller that also honours the environment (the CLI): `env_value` (the
    /// value of `EVOLINK_API_KEY`) wins when it is not blank, then the session key, then the
    /// keychain. A blank value counts as unset; a malformed one is an `invalid_key` error
    /// rather than a silent fall-through to another key.
    pub fn resolve(&self, env_value: Option<&str>) -> Result<Option<(ApiKey, Source)>, VaultError> {
        if let Some(value) = env_value.filter(|v| !v.trim().is_empty()) {
            let key = ApiKey::new(value).map_err(|_| VaultError::InvalidKey {
                origin: KeyOrigin::Environment,
            })?;
            return Ok(Some((key, Source::Environment)));
        }
        if let Some(key) = self.session().clone() {
            return Ok(Some((key, Source::Session)));
        }
        Ok(self.slot().get()?.map(|key| (key, Source::Keychain)))
    }
}

/// [`KeyVault::resolve`] with the process's `EVOLINK_API_KEY` (what `sora-desk-cli` does).
/// A value that is not valid Unicode is an `invalid_key` error.
pub fn resolve_key(vault: &KeyVault) -> Result<Option<(ApiKey, Source)>, VaultError> {
    match std::env::var(evolink::ENV_API_KEY) {
        Ok(value) => vault.resolve(Some(&value)),
        Err(std::env::VarError::NotPresent) => vault.resolve(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(VaultError::InvalidKey {
            origin: KeyOrigin::Environment,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "sk-unit-test-key-do-not-print-7c1e";

    // These never reach the keychain: the session key or the environment answers first.

    /// The app holds one vault in its state and hands it to `spawn_blocking` in an `Arc`.
    #[test]
    fn the_vault_can_be_shared_across_threads() {
        fn shared<T: Send + Sync + 'static>() {}
        shared::<KeyVault>();
        shared::<VaultError>();
    }

    #[test]
    fn default_service_depends_on_the_build() {
        #[cfg(debug_assertions)]
        assert_eq!(default_service(), "app.soradesk.desktop.dev");
        #[cfg(not(debug_assertions))]
        assert_eq!(default_service(), "app.soradesk.desktop");
        assert_eq!(KeyVault::for_app().service(), default_service());
    }

    #[test]
    fn session_key_is_used_first() {
        let v = KeyVault::new("app.soradesk.desktop.unit-test.session");
        let saved = v.set_for_session(&ApiKey::new(KEY).unwrap());
        assert_eq!(saved.storage, Storage::SessionOnly);
        assert_eq!(saved.hint, "sk-…7c1e");
        assert_eq!(v.get().unwrap().unwrap().expose(), KEY);
        let st = v.status();
        assert!(st.set);
        assert_eq!(st.storage, Storage::SessionOnly);
        assert_eq!(st.hint.as_deref(), Some("sk-…7c1e"));
        let (k, src) = v.resolve(None).unwrap().unwrap();
        assert_eq!((k.expose(), src), (KEY, Source::Session));
    }

    #[test]
    fn environment_wins_and_blank_is_unset() {
        let v = KeyVault::new("app.soradesk.desktop.unit-test.env");
        v.set_for_session(&ApiKey::new(KEY).unwrap());
        let (k, src) = v.resolve(Some("sk-from-env-1234")).unwrap().unwrap();
        assert_eq!((k.expose(), src), ("sk-from-env-1234", Source::Environment));
        let (_, src) = v.resolve(Some("  ")).unwrap().unwrap();
        assert_eq!(src, Source::Session);
        let e = v.resolve(Some("sk-has a-space")).unwrap_err();
        assert_eq!(e.code(), "invalid_key");
        assert!(e.to_string().contains("EVOLINK_API_KEY"));
        assert!(!format!("{e}{e:?}").contains("has a-space"));
    }

    #[test]
    fn outputs_serialize_without_the_key() {
        let v = KeyVault::new("app.soradesk.desktop.unit-test.serde");
        let saved = v.set_for_session(&ApiKey::new(KEY).unwrap());
        let json = serde_json::to_string(&(saved, v.status())).unwrap();
        assert_eq!(
            json,
            r#"[{"storage":"session_only","hint":"sk-…7c1e"},{"set":true,"hint":"sk-…7c1e","storage":"session_only","error":null}]"#
        );
        assert!(!format!("{v:?}").contains(KEY));
    }
}
