//! Saving a result video: streamed to the task's `.part` file, resumed with an HTTP range after
//! an interruption, verified (length and MP4 signature), and flushed to disk. Memory stays flat
//! whatever the file size: a few chunks at a time.
//!
//! Every `FLUSH_EVERY` bytes the disk is asked, on a thread of its own, to write what arrived
//! while more arrives, so the final flush, before which a video never counts as saved, has
//! only the tail left. The SHA-256 is computed beside it, on a thread of its own, from the
//! chunks as they arrive. Neither of those threads writes: the part file is written by the
//! download itself alone, in order.
//!
//! Result links live on another host than the API, so requests carry no API key (the client's
//! media requests never do).

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;
use std::thread::JoinHandle;

use evolink::reqwest::{header, StatusCode};
use evolink::{Error, ErrorKind, Words};
use sha2::{Digest, Sha256};

use crate::library::{feed_file, hex, looks_like_mp4};

/// Chunks received and not yet hashed (a chunk is at most hyper's read buffer, some hundred KiB).
const CHUNKS_AHEAD: usize = 4;

/// Bytes written between two early flushes of the part file (one at a time).
const FLUSH_EVERY: u64 = 8 << 20;

/// A complete, verified download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Downloaded {
    pub size: u64,
    pub sha256: String,
}

/// Downloads `url` into `part`, continuing from what `part` already holds.
pub async fn download(
    client: &evolink::MediaClient,
    url: &str,
    part: &Path,
) -> Result<Downloaded, Error> {
    let have = std::fs::metadata(part).map(|m| m.len()).unwrap_or(0);
    let response = client
        .result_request(url, Some(have))?
        .send()
        .await
        .map_err(network_error)?;
    let status = response.status();
    let headers = response.headers().clone();

    // What the server is sending, and where it starts.
    let (start, total) = match status {
        StatusCode::PARTIAL_CONTENT => match content_range(&headers) {
            Some((start, total)) if start == have => (start, total),
            // A range we did not ask for: start again rather than splice mismatched bytes.
            _ => return Err(restart(part)),
        },
        StatusCode::RANGE_NOT_SATISFIABLE => {
            // We already hold everything (or more than) the server has.
            let total = unsatisfied_total(&headers);
            return match total {
                Some(total) if total == have && have > 0 => finish(part, have, Some(total)),
                _ => Err(restart(part)),
            };
        }
        s if s.is_success() => {
            let total = headers
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok()?.parse().ok());
            (0, total)
        }
        s => return Err(evolink::media_status_error(s.as_u16(), &headers)),
    };

    let mut file = open_part(part, start == 0).map_err(disk_error)?;
    let mut hasher = Sha256::new();
    if start > 0 {
        // The part file holds exactly the `start` bytes the server continues from.
        feed_file(part, &mut hasher).map_err(disk_error)?;
    }
    // Hashing runs beside the download, on chunks it is handed (it never touches the file);
    // the network side only writes.
    let (to_hasher, chunks) = tokio::sync::mpsc::channel(CHUNKS_AHEAD);
    let hashing = tokio::task::spawn_blocking(move || hash_chunks(hasher, chunks));
    let mut response = response;
    let mut written = start;
    let mut early_flush = EarlyFlush::default();
    while let Some(chunk) = response.chunk().await.map_err(network_error)? {
        file.write_all(&chunk).map_err(disk_error)?;
        written += chunk.len() as u64;
        early_flush
            .wrote(&file, chunk.len() as u64)
            .map_err(disk_error)?;
        // The hasher only ends early if it panicked, which the join below reports.
        let _ = to_hasher.send(chunk).await;
    }
    drop(to_hasher);
    early_flush.finish().map_err(disk_error)?;
    let hasher = hashing.await.map_err(|e| disk_error(io::Error::other(e)))?;
    file.sync_all().map_err(disk_error)?;
    drop(file);

    if let Some(total) = total {
        if written < total {
            // The connection ended early: what we have stays for the next attempt.
            return Err(Error::new(
                ErrorKind::NetworkDown,
                Words::new("problem.network_down.download"),
            ));
        }
        if written > total {
            return Err(restart(part));
        }
    }
    verify_signature(part)?;
    Ok(Downloaded {
        size: written,
        sha256: hex(&hasher.finalize()),
    })
}

/// The part file, emptied when starting from zero or opened to append to when resuming (the
/// library folder is created on first use).
fn open_part(part: &Path, from_start: bool) -> io::Result<File> {
    if let Some(dir) = part.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(from_start)
        .append(!from_start)
        .open(part)
}

fn finish(part: &Path, size: u64, total: Option<u64>) -> Result<Downloaded, Error> {
    if total.is_some_and(|t| t != size) {
        return Err(restart(part));
    }
    verify_signature(part)?;
    let (sha256, size) = crate::library::hash_file(part).map_err(disk_error)?;
    Ok(Downloaded { size, sha256 })
}

fn verify_signature(part: &Path) -> Result<(), Error> {
    let mut head = [0u8; 12];
    let n = File::open(part)
        .and_then(|mut f| f.read(&mut head))
        .map_err(disk_error)?;
    if looks_like_mp4(&head[..n]) {
        Ok(())
    } else {
        // Not a video (an error page from a proxy, say): throw it away and fetch again.
        let _ = std::fs::remove_file(part);
        Err(Error::new(
            ErrorKind::ServerTrouble,
            Words::new("problem.server_trouble.not_a_video"),
        ))
    }
}

/// Drops a part file that cannot be continued; the next attempt starts from zero.
fn restart(part: &Path) -> Error {
    let _ = std::fs::remove_file(part);
    Error::new(
        ErrorKind::ServerTrouble,
        Words::new("problem.server_trouble.no_resume"),
    )
}

/// `Content-Range: bytes START-END/TOTAL` → (START, Some(TOTAL)).
fn content_range(headers: &header::HeaderMap) -> Option<(u64, Option<u64>)> {
    let value = headers.get(header::CONTENT_RANGE)?.to_str().ok()?;
    let rest = value.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (start, _end) = range.split_once('-')?;
    Some((start.trim().parse().ok()?, total.trim().parse().ok()))
}

/// `Content-Range: bytes */TOTAL` of a 416 answer.
fn unsatisfied_total(headers: &header::HeaderMap) -> Option<u64> {
    let value = headers.get(header::CONTENT_RANGE)?.to_str().ok()?;
    value.trim().strip_prefix("bytes */")?.trim().parse().ok()
}

fn network_error(_: evolink::reqwest::Error) -> Error {
    Error::new(
        ErrorKind::NetworkDown,
        Words::new("problem.network_down.download"),
    )
}

/// Feeds every chunk to `hasher` until the sender is gone.
fn hash_chunks<B: AsRef<[u8]>>(
    mut hasher: Sha256,
    mut chunks: tokio::sync::mpsc::Receiver<B>,
) -> Sha256 {
    while let Some(chunk) = chunks.blocking_recv() {
        hasher.update(chunk.as_ref());
    }
    hasher
}

/// Flushes of the part file started while the download goes on, each on a thread of its own.
/// They only bring forward work the final flush would otherwise do all at once; that final
/// flush stays, and decides. A failed early flush is an error like a failed write: after one,
/// the final flush could report success for bytes that never reached the disk.
#[derive(Default)]
struct EarlyFlush {
    /// Bytes written since the last early flush started.
    pending: u64,
    running: Option<JoinHandle<io::Result<()>>>,
}

impl EarlyFlush {
    /// Counts `bytes` just written to `file`; starts a flush once enough are pending and none
    /// is running. Reports the error of a flush that ended.
    fn wrote(&mut self, file: &File, bytes: u64) -> io::Result<()> {
        self.pending += bytes;
        let busy = self.running.as_ref().is_some_and(|f| !f.is_finished());
        if self.pending < FLUSH_EVERY || busy {
            return Ok(());
        }
        self.finish()?;
        let file = file.try_clone()?;
        self.running = Some(
            std::thread::Builder::new()
                .name("download-flush".into())
                .spawn(move || file.sync_data())?,
        );
        self.pending = 0;
        Ok(())
    }

    /// Waits for the flush still running, if any, and reports its error.
    fn finish(&mut self) -> io::Result<()> {
        match self.running.take() {
            Some(running) => running
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("a flush of the part file failed"))),
            None => Ok(()),
        }
    }
}

fn disk_error(e: io::Error) -> Error {
    Error::new(
        ErrorKind::ServerTrouble,
        Words::new("problem.server_trouble.library_write").with("detail", e.to_string()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use evolink::reqwest::header::{HeaderMap, HeaderValue};

    /// A result several early-flush steps long is saved whole, from zero and when resumed past
    /// one of them.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_result_longer_than_the_flush_step_is_saved_whole() {
        const KEY: &str = "sk-download-000000000000";
        let size = 2 * FLUSH_EVERY as usize + 123_457;
        let mut video = b"\x00\x00\x00\x20ftypisom".to_vec();
        video.extend((video.len()..size).map(|i| (i * 7 % 251) as u8));
        let whole = hex(&Sha256::digest(&video));
        let server = evolink_mock::MockServer::start(evolink_mock::MockConfig {
            keys: vec![KEY.to_string()],
            time_scale: 1000.0,
            media_file: Some(video.clone().into()),
            ..evolink_mock::MockConfig::default()
        })
        .await
        .unwrap();
        let config = evolink::ClientConfig::new(evolink::ApiKey::new(KEY).unwrap())
            .with_bases(server.base_url(), server.base_url());
        let client = evolink::Client::new(config).unwrap();
        let created = client
            .create_video(
                &evolink::VideoRequest::sora("A long take", "16:9", 4),
                "download-unit-00000001",
            )
            .await
            .unwrap();
        let url = loop {
            if let Some(url) = client.get_task(&created.task.id).await.unwrap().video_url() {
                break url;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        };
        let dir = tempfile::tempdir().unwrap();

        let part = dir.path().join(".a.mp4.part");
        let saved = download(client.media(), &url, &part).await.unwrap();
        assert_eq!((saved.size, &saved.sha256), (size as u64, &whole));
        assert!(std::fs::read(&part).unwrap() == video);

        let part = dir.path().join(".b.mp4.part");
        std::fs::write(&part, &video[..FLUSH_EVERY as usize + 1]).unwrap();
        let saved = download(client.media(), &url, &part).await.unwrap();
        assert_eq!((saved.size, &saved.sha256), (size as u64, &whole));
        assert!(std::fs::read(&part).unwrap() == video);
    }

    #[test]
    fn content_ranges_are_read() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_RANGE,
            HeaderValue::from_static("bytes 100-199/200"),
        );
        assert_eq!(content_range(&h), Some((100, Some(200))));
        h.insert(
            header::CONTENT_RANGE,
            HeaderValue::from_static("bytes 0-9/*"),
        );
        assert_eq!(content_range(&h), Some((0, None)));
        h.insert(
            header::CONTENT_RANGE,
            HeaderValue::from_static("bytes */200"),
        );
        assert_eq!(unsatisfied_total(&h), Some(200));
        assert_eq!(content_range(&h), None);
    }
}
