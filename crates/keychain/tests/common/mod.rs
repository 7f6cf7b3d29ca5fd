//! What the keychain tests on a real keychain share.
#![allow(dead_code)]

use sora_keychain::{ApiKey, KeyVault};

pub fn key(s: &str) -> ApiKey {
    ApiKey::new(s).unwrap()
}

/// Removes the key saved under a test's service name, even when an assertion fails half-way.
pub struct Cleanup(pub String);
impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = KeyVault::new(&self.0).clear();
    }
}
