//! Shared helpers of the contract tests: a client pointed at an in-process mock, a poller, and
//! tiny valid PNGs of any size.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use evolink::{ApiKey, Client, ClientConfig, RetryPolicy, Task, VideoRequest};
use evolink_mock::{MockConfig, MockServer};

/// A distinctive key: the leak test searches every output for it.
pub const KEY: &str = "sk-LEAKCANARY-7f3a9c2e51d84b6a";

pub fn mock_config() -> MockConfig {
    MockConfig {
        keys: vec![KEY.to_string()],
        time_scale: 100.0,
        pending_secs: 15.0,
        generation_secs: 120.0,
        seed: 42,
        ..MockConfig::default()
    }
}

pub async fn start(cfg: MockConfig) -> MockServer {
    MockServer::start(cfg).await.expect("mock starts")
}

pub fn client_config(server: &MockServer) -> ClientConfig {
    let mut c = ClientConfig::new(ApiKey::new(KEY).unwrap())
        .with_bases(server.base_url(), server.base_url());
    c.connect_timeout = Duration::from_secs(5);
    c.request_timeout = Duration::from_secs(10);
    c.retry = RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(200),
        max_retry_after: Duration::from_secs(3),
    };
    c
}

pub fn client(server: &MockServer) -> Client {
    Client::new(client_config(server)).unwrap()
}

static NEXT_KEY: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A fresh valid idempotency key.
pub fn idem() -> String {
    format!(
        "sd-test-{:016}",
        NEXT_KEY.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    )
}

pub fn landscape(prompt: &str) -> VideoRequest {
    VideoRequest::sora(prompt, "16:9", 4)
}

/// Polls until the task is terminal (bounded: 30 s of wall time), returning every state seen.
pub async fn poll_until_done(c: &Client, id: &str) -> Vec<Task> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = Vec::new();
    loop {
        let t = c.get_task(id).await.expect("poll");
        let done = t.status.is_terminal();
        seen.push(t);
        if done {
            return seen;
        }
        assert!(
            Instant::now() < deadline,
            "task {id} did not finish in time"
        );
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xffff_ffffu32;
    for &b in data {
        c ^= b as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + x as u32) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut c = kind.to_vec();
    c.extend_from_slice(data);
    out.extend_from_slice(&c);
    out.extend_from_slice(&crc32(&c).to_be_bytes());
}

/// A valid grey PNG of `w` x `h` (stored deflate blocks: no compressor needed).
pub fn png(w: u32, h: u32) -> Vec<u8> {
    let mut raw = Vec::with_capacity(((w + 1) * h) as usize);
    for _ in 0..h {
        raw.push(0); // filter: none
        raw.extend(std::iter::repeat_n(0x80u8, w as usize));
    }
    let mut z = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65535).collect();
    for (i, b) in blocks.iter().enumerate() {
        z.push(if i + 1 == blocks.len() { 1 } else { 0 });
        z.extend_from_slice(&(b.len() as u16).to_le_bytes());
        z.extend_from_slice(&(!(b.len() as u16)).to_le_bytes());
        z.extend_from_slice(b);
    }
    z.extend_from_slice(&adler32(&raw).to_be_bytes());
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit greyscale
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// Width and height of the first `avc1` sample entry of an MP4 (inside `stsd`; the `ftyp`
/// brands also say "avc1").
pub fn mp4_size(b: &[u8]) -> Option<(u16, u16)> {
    let stsd = b.windows(4).position(|w| w == b"stsd")?;
    let i = stsd + b[stsd..].windows(4).position(|w| w == b"avc1")?;
    let w = u16::from_be_bytes([b[i + 28], b[i + 29]]);
    let h = u16::from_be_bytes([b[i + 30], b[i + 31]]);
    Some((w, h))
}
