//! The OS keychain through `keyring`, with its errors sorted into [`VaultError`]s.
//!
//! Every function here blocks (D-Bus round trips on Linux, Security framework calls on macOS
//! that may show an access prompt): call them from a blocking context.

use evolink::ApiKey;

use crate::error::{scrub, KeyOrigin, VaultError};

/// One keychain entry: `service` / `account`.
pub(crate) struct Slot<'a> {
    pub service: &'a str,
    pub account: &'a str,
}

impl Slot<'_> {
    fn entry(&self) -> Result<keyring::Entry, VaultError> {
        let entry =
            keyring::Entry::new(self.service, self.account).map_err(|e| classify(e, None))?;
        // keyring falls back to an in-memory mock on targets without a native store. Keeping the
        // key there would look saved and be gone at the next launch: refuse it outright.
        if entry
            .get_credential()
            .downcast_ref::<keyring::mock::MockCredential>()
            .is_some()
        {
            return Err(VaultError::Unavailable {
                detail: "no native credential store on this platform".into(),
            });
        }
        Ok(entry)
    }

    /// The saved key, or `None` when there is no entry.
    pub fn get(&self) -> Result<Option<ApiKey>, VaultError> {
        let entry = self.entry()?;
        match entry.get_password() {
            Ok(text) => ApiKey::new(text)
                .map(Some)
                .map_err(|_| VaultError::InvalidKey {
                    origin: KeyOrigin::Keychain,
                }),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(keyring::Error::BadEncoding(_)) => Err(VaultError::InvalidKey {
                origin: KeyOrigin::Keychain,
            }),
            Err(e) => Err(classify(e, None)),
        }
    }

    /// Saves the key (creating or replacing the entry), then reads it back so that a store
    /// which accepts and forgets is reported instead of trusted.
    pub fn set(&self, key: &ApiKey) -> Result<(), VaultError> {
        let hint = key.hint();
        let secret = Some((key.expose(), hint.as_str()));
        let entry = self.entry()?;
        entry
            .set_password(key.expose())
            .map_err(|e| classify(e, secret))?;
        match entry.get_password() {
            Ok(back) if back == key.expose() => Ok(()),
            Ok(_) => Err(VaultError::Failed {
                detail: "the keychain returned a different value than the one just saved".into(),
            }),
            Err(keyring::Error::NoEntry) => Err(VaultError::Failed {
                detail: "the keychain lost the entry just saved".into(),
            }),
            Err(keyring::Error::BadEncoding(_)) => Err(VaultError::Failed {
                detail: "the keychain returned bytes that are not text".into(),
            }),
            Err(e) => Err(classify(e, secret)),
        }
    }

    /// Deletes the entry; no entry is not an error.
    pub fn delete(&self) -> Result<(), VaultError> {
        match self.entry()?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(classify(e, None)),
        }
    }
}

/// Sorts a keyring error. `secret` (key, hint) is scrubbed from the platform's text.
///
/// `BadEncoding` carries the stored bytes, so it is never formatted: callers handle it first.
fn classify(err: keyring::Error, secret: Option<(&str, &str)>) -> VaultError {
    let detail = |e: &dyn std::fmt::Display| scrub(e.to_string(), secret);
    match err {
        keyring::Error::NoStorageAccess(inner) => VaultError::Denied {
            detail: detail(&inner),
        },
        keyring::Error::PlatformFailure(inner) => match platform::sort(inner.as_ref()) {
            Some(Kind::Unavailable) => VaultError::Unavailable {
                detail: detail(&inner),
            },
            Some(Kind::Denied) => VaultError::Denied {
                detail: detail(&inner),
            },
            None => VaultError::Failed {
                detail: detail(&inner),
            },
        },
        keyring::Error::BadEncoding(_) => VaultError::Failed {
            detail: "the stored value is not text".into(),
        },
        keyring::Error::Ambiguous(items) => VaultError::Failed {
            detail: format!(
                "{} keychain entries match; remove the extra ones with your keychain manager",
                items.len()
            ),
        },
        other => VaultError::Failed {
            detail: detail(&other),
        },
    }
}

/// What a platform failure really is, when the platform says more than "failure".
enum Kind {
    Unavailable,
    Denied,
}

#[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
mod platform {
    use super::Kind;

    /// D-Bus errors that mean "there is no Secret Service to talk to": no session bus, a bus
    /// that cannot be reached, or nothing providing `org.freedesktop.secrets` on it.
    const UNAVAILABLE_DBUS_ERRORS: &[&str] = &[
        "org.freedesktop.DBus.Error.NoServer",
        "org.freedesktop.DBus.Error.FileNotFound",
        "org.freedesktop.DBus.Error.BadAddress",
        "org.freedesktop.DBus.Error.NoNetwork",
        "org.freedesktop.DBus.Error.NotSupported",
        "org.freedesktop.DBus.Error.Disconnected",
        "org.freedesktop.DBus.Error.ServiceUnknown",
        "org.freedesktop.DBus.Error.NameHasNoOwner",
    ];

    /// D-Bus errors that mean "the keychain is there but locked". keyring reports them as
    /// platform failures: gnome-keyring answers `IsLocked` when unlocking was refused or no
    /// prompt could be shown, then the item cannot be created.
    const DENIED_DBUS_ERRORS: &[&str] = &[
        "org.freedesktop.Secret.Error.IsLocked",
        "org.freedesktop.DBus.Error.AccessDenied",
    ];

    pub(super) fn sort(err: &(dyn std::error::Error + Send + Sync + 'static)) -> Option<Kind> {
        match err.downcast_ref::<dbus_secret_service::Error>()? {
            dbus_secret_service::Error::Unavailable => Some(Kind::Unavailable),
            dbus_secret_service::Error::Locked | dbus_secret_service::Error::Prompt => {
                Some(Kind::Denied)
            }
            dbus_secret_service::Error::Dbus(e) => {
                let name = e.name()?;
                if UNAVAILABLE_DBUS_ERRORS.contains(&name)
                    // Bus activation of the Secret Service failed (e.g. gnome-keyring crashed,
                    // or its .service file is there but not the program).
                    || name.starts_with("org.freedesktop.DBus.Error.Spawn.")
                {
                    Some(Kind::Unavailable)
                } else if DENIED_DBUS_ERRORS.contains(&name) {
                    Some(Kind::Denied)
                } else {
                    None
                }
            }
            _ => None,
        }
    }
}

#[cfg(not(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd")))]
mod platform {
    use super::Kind;

    /// macOS Keychain and Windows Credential Manager are part of the OS: their failures are
    /// refusals or faults, never absence, and keyring already reports refusals as
    /// `NoStorageAccess`.
    pub(super) fn sort(_err: &(dyn std::error::Error + Send + Sync + 'static)) -> Option<Kind> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Building an entry does not touch the store, so this runs anywhere: it proves the build
    /// picked the native backend, not keyring's in-memory mock.
    #[test]
    fn the_backend_is_native() {
        let entry = keyring::Entry::new("app.soradesk.desktop.unit-test", "evolink-api-key")
            .expect("entry");
        let cred = entry.get_credential();
        assert!(cred
            .downcast_ref::<keyring::mock::MockCredential>()
            .is_none());
        #[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
        assert!(cred
            .downcast_ref::<keyring::secret_service::SsCredential>()
            .is_some());
        #[cfg(target_os = "macos")]
        assert!(cred
            .downcast_ref::<keyring::macos::MacCredential>()
            .is_some());
        #[cfg(target_os = "windows")]
        assert!(cred
            .downcast_ref::<keyring::windows::WinCredential>()
            .is_some());
    }

    #[test]
    fn errors_are_sorted_and_scrubbed() {
        let secret = "sk-very-secret-key-0000";
        let boxed = |s: &str| -> Box<dyn std::error::Error + Send + Sync> { s.to_string().into() };
        let e = classify(
            keyring::Error::NoStorageAccess(boxed(&format!("locked {secret}"))),
            Some((secret, "sk-…0000")),
        );
        assert_eq!(e.code(), "keychain_denied");
        assert_eq!(e.detail(), "locked sk-…0000");
        let e = classify(keyring::Error::PlatformFailure(boxed("boom")), None);
        assert_eq!(e.code(), "keychain_failed");
        let e = classify(
            keyring::Error::BadEncoding(secret.as_bytes().to_vec()),
            None,
        );
        assert_eq!(e.code(), "keychain_failed");
        assert!(!format!("{e:?}{e}").contains(secret));
    }

    #[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
    #[test]
    fn secret_service_errors_are_sorted() {
        let no_service = dbus::Error::new_custom(
            "org.freedesktop.DBus.Error.ServiceUnknown",
            "The name org.freedesktop.secrets was not provided by any .service files",
        );
        let e = classify(
            keyring::Error::PlatformFailure(Box::new(dbus_secret_service::Error::Dbus(no_service))),
            None,
        );
        assert_eq!(e.code(), "keychain_unavailable");
        let spawn = dbus::Error::new_custom("org.freedesktop.DBus.Error.Spawn.ChildExited", "x");
        let e = classify(
            keyring::Error::PlatformFailure(Box::new(dbus_secret_service::Error::Dbus(spawn))),
            None,
        );
        assert_eq!(e.code(), "keychain_unavailable");
        // What gnome-keyring answers when its collection stays locked (seen for real).
        let locked = dbus::Error::new_custom(
            "org.freedesktop.Secret.Error.IsLocked",
            "Cannot create an item in a locked collection",
        );
        let e = classify(
            keyring::Error::PlatformFailure(Box::new(dbus_secret_service::Error::Dbus(locked))),
            None,
        );
        assert_eq!(e.code(), "keychain_denied");
        let other = dbus::Error::new_custom("org.freedesktop.DBus.Error.NoReply", "x");
        let e = classify(
            keyring::Error::PlatformFailure(Box::new(dbus_secret_service::Error::Dbus(other))),
            None,
        );
        assert_eq!(e.code(), "keychain_failed");
    }
}
