//! A tiny HTTP server on 127.0.0.1 that lets the webview play videos and show posters.
//!
//! Why not Tauri's asset protocol: WebKitGTK cannot play `<video>` from a custom scheme
//! (tauri-apps/tauri#3725), while it plays from loopback HTTP with Range requests. What this
//! server can reach is narrower than a folder scope: only the saved video and the cached poster
//! of a task the store knows, looked up by task id; no path ever comes from the URL. Every URL
//! carries a random per-launch token, so other programs and web pages on this computer cannot
//! read the library through it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower::ServiceExt as _;

/// Finds the file behind a URL: `(kind, task id)` to a path, or `None`.
pub type Resolver = dyn Fn(MediaKind, &str) -> Option<PathBuf> + Send + Sync;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    Video,
    Poster,
}

pub struct MediaServer {
    addr: SocketAddr,
    token: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

#[derive(Clone)]
struct Shared {
    token: Arc<str>,
    resolve: Arc<RwLock<Arc<Resolver>>>,
}

impl MediaServer {
    /// Starts on `listener` (bound on loopback by the caller, who needed to know the port
    /// first), or else on a free loopback port; files are found through `resolve`.
    pub async fn start(
        resolve: Arc<RwLock<Arc<Resolver>>>,
        listener: Option<std::net::TcpListener>,
    ) -> std::io::Result<MediaServer> {
        let token = random_hex(24)?;
        let shared = Shared {
            token: token.clone().into(),
            resolve,
        };
        let app = Router::new()
            .route("/{token}/{kind}/{id}", get(serve))
            .with_state(shared);
        let listener = match listener {
            Some(listener) => {
                if !listener.local_addr()?.ip().is_loopback() {
                    return Err(std::io::Error::other(
                        "the media server listens on loopback only",
                    ));
                }
                listener.set_nonblocking(true)?;
                tokio::net::TcpListener::from_std(listener)?
            }
            None => tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?,
        };
        let addr = listener.local_addr()?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(MediaServer {
            addr,
            token,
            shutdown: Some(tx),
        })
    }

    /// `http://127.0.0.1:<port>/<token>`; URLs are this plus `/video/<id>` or `/poster/<id>`.
    pub fn base_url(&self) -> String {
        format!("http://{}/{}", self.addr, self.token)
    }

    pub fn url(&self, kind: MediaKind, id: &str) -> String {
        let kind = match kind {
            MediaKind::Video => "video",
            MediaKind::Poster => "poster",
        };
        format!("{}/{kind}/{id}", self.base_url())
    }
}

impl Drop for MediaServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

async fn serve(
    State(shared): State<Shared>,
    Path((token, kind, id)): Path<(String, String, String)>,
    request: Request<Body>,
) -> Response {
    // Compared in full every time, so the answer's timing says nothing about the token.
    let token_ok = token.len() == shared.token.len()
        && token
            .bytes()
            .zip(shared.token.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !token_ok {
        return StatusCode::NOT_FOUND.into_response();
    }
    let kind = match kind.as_str() {
        "video" => MediaKind::Video,
        "poster" => MediaKind::Poster,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let resolve = shared
        .resolve
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let Some(path) = resolve(kind, &id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut response = match tower_http::services::ServeFile::new(path)
        .oneshot(request)
        .await
    {
        Ok(response) => response.map(Body::new),
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    // No CORS header: the page shows these files, it never reads them. Nothing is stored by
    // the webview: the files are on this computer already, and WebKit would otherwise copy
    // every still shown into a disk cache of its own (in the app's data folder) and keep each
    // copy mapped in the page's memory (docs/BENCHMARKS.md).
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `len` bytes from the system's random number source, in hex: the media server's token, and
/// the handles of pictures (`pictures.rs`).
pub(crate) fn random_hex(len: usize) -> std::io::Result<String> {
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(sora_engine::library::hex(&bytes))
}
