//! What can go wrong with the key's storage, as stable codes and plain messages.

use std::fmt;

use sora_words::Words;

/// Where a key that failed validation came from (it changes what the message tells the user).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOrigin {
    /// The `EVOLINK_API_KEY` environment variable.
    Environment,
    /// The entry saved in the OS keychain.
    Keychain,
}

/// A failure of the key vault.
///
/// [`VaultError::words`] are the words for the user (`Display` their English); [`VaultError::code`] is what the UI switches
/// on. No variant ever holds the key: platform details are stored as text, after any
/// occurrence of the key has been replaced by its hint.
#[non_exhaustive]
pub enum VaultError {
    /// There is no keychain to use: no Secret Service (or no D-Bus session) on Linux, an
    /// unsupported OS. Saving needs the user's explicit choice of a session-only key.
    Unavailable {
        /// What the platform said, for logs (never shown as the message).
        detail: String,
    },
    /// The keychain is there but refused: locked, access denied, unlock prompt dismissed.
    Denied {
        /// What the platform said, for logs.
        detail: String,
    },
    /// Any other failure of the keychain.
    Failed {
        /// What the platform said, for logs.
        detail: String,
    },
    /// A key that is not usable (empty, spaces or line breaks, not text).
    InvalidKey {
        /// Where the bad key came from.
        origin: KeyOrigin,
    },
}

impl VaultError {
    /// Stable machine code: `keychain_unavailable`, `keychain_denied`, `keychain_failed` or
    /// `invalid_key`.
    pub fn code(&self) -> &'static str {
        match self {
            VaultError::Unavailable { .. } => "keychain_unavailable",
            VaultError::Denied { .. } => "keychain_denied",
            VaultError::Failed { .. } => "keychain_failed",
            VaultError::InvalidKey { .. } => "invalid_key",
        }
    }

    /// The words for the person: `problem.<code>` (or its variant for where a bad key came
    /// from).
    pub fn words(&self) -> Words {
        match self {
            VaultError::Unavailable { .. } => Words::new("problem.keychain_unavailable"),
            VaultError::Denied { .. } => Words::new("problem.keychain_denied"),
            VaultError::Failed { .. } => Words::new("problem.keychain_failed"),
            VaultError::InvalidKey {
                origin: KeyOrigin::Environment,
            } => Words::new("problem.invalid_key.environment"),
            VaultError::InvalidKey {
                origin: KeyOrigin::Keychain,
            } => Words::new("problem.invalid_key.keychain"),
        }
    }

    /// Whether trying the same thing again may work (after unlocking the keychain, say).
    pub fn retryable(&self) -> bool {
        matches!(self, VaultError::Denied { .. } | VaultError::Failed { .. })
    }

    /// Whether the UI should offer to keep the key for this session only.
    pub fn offers_session(&self) -> bool {
        !matches!(self, VaultError::InvalidKey { .. })
    }

    /// The platform's own words, for logs (empty for [`VaultError::InvalidKey`]).
    pub fn detail(&self) -> &str {
        match self {
            VaultError::Unavailable { detail }
            | VaultError::Denied { detail }
            | VaultError::Failed { detail } => detail,
            VaultError::InvalidKey { .. } => "",
        }
    }
}

/// English, for logs and the CLI.
impl fmt::Display for VaultError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.words().english())
    }
}

impl std::error::Error for VaultError {}

// Hand-written so the shape is fixed and reviewed: code, then the (already scrubbed) detail.
impl fmt::Debug for VaultError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VaultError::InvalidKey { origin } => write!(f, "VaultError(invalid_key, {origin:?})"),
            _ => write!(f, "VaultError({}, {:?})", self.code(), self.detail()),
        }
    }
}

/// Replaces every occurrence of `secret` in `text` by `hint`. Platform errors are not known to
/// echo the secret, but they are third-party text, so this is checked rather than assumed.
pub(crate) fn scrub(text: String, secret: Option<(&str, &str)>) -> String {
    match secret {
        Some((secret, hint)) if !secret.is_empty() && text.contains(secret) => {
            text.replace(secret, hint)
        }
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        let d = || "x".to_string();
        assert_eq!(
            VaultError::Unavailable { detail: d() }.code(),
            "keychain_unavailable"
        );
        assert_eq!(VaultError::Denied { detail: d() }.code(), "keychain_denied");
        assert_eq!(VaultError::Failed { detail: d() }.code(), "keychain_failed");
        assert_eq!(
            VaultError::InvalidKey {
                origin: KeyOrigin::Keychain
            }
            .code(),
            "invalid_key"
        );
    }

    #[test]
    fn unavailable_message_is_the_product_wording() {
        let e = VaultError::Unavailable {
            detail: "org.freedesktop.DBus.Error.NoServer".into(),
        };
        assert_eq!(e.words().key, "problem.keychain_unavailable");
        assert_eq!(
            e.to_string(),
            "This computer has no keychain Sora Desk can use, so the key can't be saved. You can keep it for this session only; you'll be asked again next time."
        );
        assert!(
            !e.to_string().contains("DBus"),
            "details stay out of the message"
        );
        assert!(format!("{e:?}").contains("NoServer"), "but reach the logs");
    }

    #[test]
    fn scrub_replaces_the_secret() {
        let s = scrub(
            "failed for sk-secret-abcdef123456 twice: sk-secret-abcdef123456".into(),
            Some(("sk-secret-abcdef123456", "sk-…3456")),
        );
        assert_eq!(s, "failed for sk-…3456 twice: sk-…3456");
        assert_eq!(scrub("plain".into(), None), "plain");
    }
}
