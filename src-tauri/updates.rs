//! Updates, through Tauri's updater plugin: look for a newer Sora Desk at the address the
//! release build carries (tauri.conf.json's `plugins.updater`), download it, check its
//! signature against the public key in that same file, install it and restart. The page names
//! nothing: it asks to look (the daily look, or "Check for updates"), and to install what Rust
//! found ("Install and restart"); a package whose signature fails is never installed, whoever
//! asks. Paid calls are held while the package is installed, so an update never cuts one short.

use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;
use sora_service::problem::Words;
use sora_service::{Problem, Service};
use tauri::plugin::TauriPlugin;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_updater::{Error as UpdaterError, Update, UpdaterExt};

use crate::MAIN_WINDOW;

/// The event that tells the page how far an install has come ([`Progress`]).
pub const UPDATE_PROGRESS: &str = "update-progress";

/// A newer version, as the page shows it before the person decides.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UpdateOffer {
    pub version: String,
    pub current_version: String,
    /// The release notes, plain text (the page never renders them as HTML).
    pub notes: String,
    /// When it was published (RFC 3339), when the release says.
    pub date: Option<String>,
}

/// How far "Install and restart" has come.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum Progress {
    Downloading {
        done: u64,
        total: Option<u64>,
    },
    /// Downloaded and verified; waiting for a paid call in flight to get its answer.
    Waiting,
    Installing,
    Restarting,
}

/// The update found by the last look: the only one [`install`] installs.
#[derive(Default)]
pub struct Found(Mutex<Option<Update>>);

pub fn plugin<R: Runtime>() -> TauriPlugin<R, tauri_plugin_updater::Config> {
    tauri_plugin_updater::Builder::new().build()
}

/// Looks for a newer version. `None`: this is the newest.
pub async fn check<R: Runtime>(app: &AppHandle<R>) -> Result<Option<UpdateOffer>, Problem> {
    let updater = app.updater().map_err(looking_failed)?;
    let update = updater.check().await.map_err(looking_failed)?;
    let offer = update.as_ref().map(|update| UpdateOffer {
        version: update.version.clone(),
        current_version: update.current_version.clone(),
        notes: update.body.clone().unwrap_or_default(),
        // As the release wrote it (the plugin has parsed it already: it is RFC 3339).
        date: update
            .date
            .and(update.raw_json.get("pub_date"))
            .and_then(|date| date.as_str())
            .map(str::to_string),
    });
    if let Some(update) = &update {
        log::info!("Sora Desk {} is available", update.version);
    }
    *found(app) = update;
    Ok(offer)
}

/// Downloads the update [`check`] found, verifies its signature, waits for paid calls in
/// flight, installs it and restarts into it. Each stage is told to the page
/// ([`UPDATE_PROGRESS`]). A package that fails verification is never installed.
pub async fn install<R: Runtime>(app: &AppHandle<R>, service: &Service) -> Result<(), Problem> {
    let (update, bytes) = download_and_verify(app).await?;
    // Said only when there is something to wait for: a paid call in flight.
    let mut hold = std::pin::pin!(service.hold_paid_calls());
    let held = match tokio::time::timeout(Duration::from_millis(200), &mut hold).await {
        Ok(held) => held,
        Err(_) => {
            progress(app, Progress::Waiting);
            hold.await
        }
    };
    progress(app, Progress::Installing);
    let installed = {
        let update = update.clone();
        tauri::async_runtime::spawn_blocking(move || update.install(bytes)).await
    };
    let installed = match installed {
        Ok(done) => done.map_err(install_failed),
        Err(e) => Err(could_not_install(e)),
    };
    if let Err(problem) = installed {
        // Kept, so "Install and restart" can be pressed again without a new look.
        *found(app) = Some(update);
        return Err(problem);
    }
    log::info!("Sora Desk {} installed; restarting", update.version);
    progress(app, Progress::Restarting);
    // Paid calls stay held until the app is gone: the restart's graceful stop lets nothing
    // new start, and the next launch runs the new version.
    std::mem::forget(held);
    app.request_restart();
    Ok(())
}

/// The found update and its package, downloaded and checked against the public key. Public
/// for the tests, which cannot install a package into the machine running them.
pub async fn download_and_verify<R: Runtime>(
    app: &AppHandle<R>,
) -> Result<(Update, Vec<u8>), Problem> {
    let Some(update) = found(app).take() else {
        return Err(Problem::new(
            "update_not_found",
            Words::new("problem.update_not_found"),
            false,
        ));
    };
    let mut done = 0u64;
    let mut told = 0u64;
    let downloaded = update
        .download(
            |chunk, total| {
                done += chunk as u64;
                // About every 1 % (and the first bytes), not once per network packet.
                let step = total.map_or(1 << 20, |t| (t / 100).max(1));
                if done == chunk as u64 || done - told >= step {
                    told = done;
                    progress(app, Progress::Downloading { done, total });
                }
            },
            || {},
        )
        .await;
    match downloaded {
        Ok(bytes) => Ok((update, bytes)),
        Err(e) => {
            let problem = downloading_failed(e);
            *found(app) = Some(update);
            Err(problem)
        }
    }
}

fn found<R: Runtime>(app: &AppHandle<R>) -> std::sync::MutexGuard<'_, Option<Update>> {
    let state = app.state::<Found>().inner();
    state.0.lock().unwrap_or_else(|p| p.into_inner())
}

fn progress<R: Runtime>(app: &AppHandle<R>, stage: Progress) {
    if let Err(e) = app.emit_to(MAIN_WINDOW, UPDATE_PROGRESS, stage) {
        log::warn!("the update's progress could not be shown: {e}");
    }
}

/// Why looking for an update failed, in the person's words.
fn looking_failed(e: UpdaterError) -> Problem {
    log::warn!("looking for updates failed: {e}");
    match e {
        UpdaterError::EmptyEndpoints => Problem::new(
            "updates_not_built_in",
            Words::new("problem.updates_not_built_in"),
            false,
        ),
        UpdaterError::Reqwest(_) | UpdaterError::Network(_) | UpdaterError::ReleaseNotFound => {
            Problem::new(
                "update_unreachable",
                Words::new("problem.update_unreachable"),
                true,
            )
        }
        other => Problem::new(
            "update_unreadable",
            Words::new("problem.update_unreadable").with("detail", other.to_string()),
            true,
        ),
    }
}

fn downloading_failed(e: UpdaterError) -> Problem {
    log::warn!("downloading the update failed: {e}");
    match e {
        UpdaterError::Reqwest(_) | UpdaterError::Network(_) => Problem::new(
            "update_unreachable",
            Words::new("problem.update_unreachable"),
            true,
        ),
        // The package is not the one Sora Desk's makers signed, or the signature is not theirs,
        // or it was made for another version than the one announced.
        UpdaterError::Minisign(_)
        | UpdaterError::Base64(_)
        | UpdaterError::SignatureUtf8(_)
        | UpdaterError::SignedVersionMismatch { .. }
        | UpdaterError::MissingSignedVersion => Problem::new(
            "update_unverified",
            Words::new("problem.update_unverified"),
            true,
        ),
        other => Problem::new(
            "update_unreadable",
            Words::new("problem.update_unreadable.download").with("detail", other.to_string()),
            true,
        ),
    }
}

fn install_failed(e: UpdaterError) -> Problem {
    log::warn!("installing the update failed: {e}");
    match e {
        UpdaterError::AuthenticationFailed => Problem::new(
            "update_not_allowed",
            Words::new("problem.update_not_allowed"),
            true,
        ),
        other => could_not_install(other),
    }
}

fn could_not_install(why: impl std::fmt::Display) -> Problem {
    Problem::new(
        "update_install_failed",
        Words::new("problem.update_install_failed").with("detail", why.to_string()),
        true,
    )
}
