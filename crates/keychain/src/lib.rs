//! Where Sora Desk keeps the EvoLink API key.
//!
//! The key lives in the OS keychain (macOS Keychain, Windows Credential Manager, the Secret
//! Service on Linux and the BSDs) under the entry *service* = the app identifier
//! ([`default_service()`]: `app.soradesk.desktop`, or `app.soradesk.desktop.dev` in debug
//! builds) and *account* = [`ACCOUNT`] (`evolink-api-key`). The desktop app and
//! `sora-desk-cli` read the same entry.
//!
//! Invariants:
//! - The key is only ever held as [`evolink::ApiKey`] (redacting `Debug`/`Display`, no
//!   `Serialize`). Nothing here returns it to a UI: [`KeyStatus`] and [`Saved`] carry a hint.
//!   Error messages and details never contain it.
//! - No plain-text fallback. Without a usable keychain, [`KeyVault::set`] fails with
//!   `keychain_unavailable`; keeping the key in memory for the session is a separate, explicit
//!   call ([`KeyVault::set_for_session`]).
//! - keyring's in-memory mock is never used: each OS has its native store enabled in
//!   `Cargo.toml`, and an entry backed by the mock is refused at run time.
//!
//! Everything blocks (see [`KeyVault`]): from async code use `tokio::task::spawn_blocking`.

mod error;
mod store;
mod vault;

pub use error::{KeyOrigin, VaultError};
pub use evolink::ApiKey;
pub use vault::{
    default_service, resolve_key, KeyStatus, KeyVault, Saved, Source, Storage, ACCOUNT,
    DEV_SERVICE, RELEASE_SERVICE,
};
