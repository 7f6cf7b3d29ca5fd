//! The API key, wrapped so it cannot leak by accident.

use std::fmt;

use crate::error::{Error, ErrorKind};

/// The shortest and longest key accepted, in characters.
const KEY_LENGTHS: (usize, usize) = (8, 512);

/// An EvoLink API key.
///
/// `Debug` and `Display` show only a hint such as `sk-…9f3a`; there is no `Serialize`, no
/// `Clone` into a plain string, and the secret is only read by [`ApiKey::expose`], which the
/// client calls when it builds the `Authorization` header.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Accepts a key as EvoLink issues them (`sk-...`, older ones `sk-evo-...`): printable
    /// ASCII without spaces, 8 to 512 characters, surrounding whitespace trimmed. Anything
    /// else is refused here, before any request could carry it: a key that cannot be put in an
    /// `Authorization` header must never get as far as a paid call.
    pub fn new(key: impl Into<String>) -> Result<Self, Error> {
        let key = key.into();
        let trimmed = key.trim();
        let refuse = |words: crate::Words| Err(Error::new(ErrorKind::BadKey, words));
        if trimmed.is_empty() {
            return refuse(crate::Words::new("problem.bad_key.no_key"));
        }
        if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return refuse(crate::Words::new("problem.bad_key.spaces"));
        }
        if !trimmed.chars().all(|c| c.is_ascii_graphic()) {
            return refuse(crate::Words::new("problem.bad_key.characters"));
        }
        if !(KEY_LENGTHS.0..=KEY_LENGTHS.1).contains(&trimmed.len()) {
            return refuse(crate::Words::new("problem.bad_key.length"));
        }
        Ok(ApiKey(trimmed.to_string()))
    }

    /// The key from `EVOLINK_API_KEY`, when set (CLI and development only: the app keeps the
    /// key in the OS keychain).
    pub fn from_env() -> Option<Result<Self, Error>> {
        std::env::var(crate::client::ENV_API_KEY)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(ApiKey::new)
    }

    /// A short hint that is safe to show: `sk-…9f3a` (or `…` for very short keys).
    pub fn hint(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        if chars.len() < 12 {
            return "…".to_string();
        }
        let head: String = chars[..3].iter().collect();
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("{head}…{tail}")
    }

    /// Names the account this key speaks for without revealing it: 16 hex digits of a SHA-256
    /// of the key. Stored with each task, so a task is followed with the key it was made with.
    pub fn fingerprint(&self) -> String {
        use sha2::Digest as _;
        let digest = sha2::Sha256::digest(format!("sora-desk-account:{}", self.0).as_bytes());
        digest[..8].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The secret itself. Only for building the `Authorization` header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey({})", self.hint())
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.hint())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hint_hides_the_middle() {
        let k = ApiKey::new("sk-abcdefghijklmnop9f3a").unwrap();
        assert_eq!(k.hint(), "sk-…9f3a");
        assert_eq!(format!("{k:?}"), "ApiKey(sk-…9f3a)");
        assert_eq!(format!("{k}"), "sk-…9f3a");
        assert!(!format!("{k:?}").contains("abcdefghijklmnop"));
    }

    #[test]
    fn short_keys_show_nothing() {
        let k = ApiKey::new("sk-12345").unwrap();
        assert_eq!(k.hint(), "…");
        assert!(!format!("{k:?}{k}").contains("12345"));
    }

    #[test]
    fn rejects_empty_and_whitespace() {
        assert_eq!(ApiKey::new("  ").unwrap_err().code(), "bad_key");
        assert_eq!(ApiKey::new("sk-a b").unwrap_err().code(), "bad_key");
        assert_eq!(
            ApiKey::new(" sk-trimmed-key-1234 \n").unwrap().expose(),
            "sk-trimmed-key-1234"
        );
    }

    #[test]
    fn only_printable_ascii_of_a_sane_length_is_a_key() {
        for bad in [
            "sk-ééééééééééééé",
            "sk-key-with-emoji-🙂-1234",
            "sk-ｆｕｌｌｗｉｄｔｈ-1234",
            "sk-1234",
        ] {
            let e = ApiKey::new(bad).unwrap_err();
            assert_eq!(e.code(), "bad_key", "{bad}");
            assert!(
                !e.message().english().contains(bad),
                "the message never echoes the key"
            );
        }
        assert!(ApiKey::new("x".repeat(513)).is_err());
        assert!(ApiKey::new(format!("sk-{}", "a".repeat(509))).is_ok());
        assert!(ApiKey::new("sk-evo-AZaz09_-.~+/=").is_ok());
    }
}
