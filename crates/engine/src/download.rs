//! Saving a result video: streamed to the task's `.part` file, resumed with an HTTP range after
//! an interruption, verified (length and MP4 signature), and flushed to disk. Memory stays flat
//! whatever the file size: one chunk at a time.
//!
//! Result links live on another host than the API, so requests carry no API key (the client's
//! media requests never do).

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use evolink::reqwest::{header, StatusCode};
use evolink::{Error, ErrorKind};
use sha2::{Digest, Sha256};

use crate::library::{feed_file, hex, looks_like_mp4};

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
    let mut response = response;
    let mut written = start;
    while let Some(chunk) = response.chunk().await.map_err(network_error)? {
        file.write_all(&chunk).map_err(disk_error)?;
        hasher.update(&chunk);
        written += chunk.len() as u64;
    }
    file.sync_all().map_err(disk_error)?;
    drop(file);

    if let Some(total) = total {
        if written < total {
            // The connection ended early: what we have stays for the next attempt.
            return Err(Error::new(
                ErrorKind::NetworkDown,
                "The download was interrupted; it will continue where it stopped.",
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
            "What arrived was not a video; it will be downloaded again.",
        ))
    }
}

/// Drops a part file that cannot be continued; the next attempt starts from zero.
fn restart(part: &Path) -> Error {
    let _ = std::fs::remove_file(part);
    Error::new(
        ErrorKind::ServerTrouble,
        "The download could not be continued; it will start again from the beginning.",
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
        "The download was interrupted; it will continue where it stopped.",
    )
}

fn disk_error(e: io::Error) -> Error {
    Error::new(
        ErrorKind::ServerTrouble,
        format!("The video could not be written to the library folder ({e}). Check that the disk has space and the folder can be written to."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use evolink::reqwest::header::{HeaderMap, HeaderValue};

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
