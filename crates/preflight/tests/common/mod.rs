#![allow(dead_code)]

use std::path::PathBuf;

use sora_preflight::{preflight_bytes, Options, PreflightError, Prepared};

pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture_path(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

pub fn run(name: &str, options: &Options) -> Prepared {
    preflight_bytes(&fixture(name), options)
        .unwrap_or_else(|e| panic!("{name}: expected success, got {} ({e})", e.code()))
}

pub fn run_default(name: &str) -> Prepared {
    run(name, &Options::default())
}

pub fn refuse(name: &str) -> PreflightError {
    match preflight_bytes(&fixture(name), &Options::default()) {
        Ok(p) => panic!("{name}: expected an error, got {}", p.summary),
        Err(e) => e,
    }
}

/// Decode output bytes with an independent decoder (the `image` crate) to RGB8.
pub fn pixels(p: &Prepared) -> image::RgbImage {
    let img = image::load_from_memory(&p.bytes).expect("output must decode");
    assert_eq!(
        (img.width(), img.height()),
        (p.output.width, p.output.height),
        "description matches the pixels"
    );
    img.to_rgb8()
}

/// Average colour of a 9x9 patch, to be robust against JPEG ringing.
pub fn patch(img: &image::RgbImage, x: u32, y: u32) -> [u8; 3] {
    let mut sum = [0u32; 3];
    let mut n = 0;
    for yy in y.saturating_sub(4)..=(y + 4).min(img.height() - 1) {
        for xx in x.saturating_sub(4)..=(x + 4).min(img.width() - 1) {
            let p = img.get_pixel(xx, yy).0;
            for c in 0..3 {
                sum[c] += p[c] as u32;
            }
            n += 1;
        }
    }
    sum.map(|s| (s / n) as u8)
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Colour {
    Red,
    Lime,
    Blue,
    Yellow,
    White,
    Black,
}

pub fn classify(p: [u8; 3]) -> Option<Colour> {
    let hi = |v: u8| v >= 200;
    let lo = |v: u8| v <= 60;
    match p {
        [r, g, b] if hi(r) && lo(g) && lo(b) => Some(Colour::Red),
        [r, g, b] if lo(r) && hi(g) && lo(b) => Some(Colour::Lime),
        [r, g, b] if lo(r) && lo(g) && hi(b) => Some(Colour::Blue),
        [r, g, b] if hi(r) && hi(g) && lo(b) => Some(Colour::Yellow),
        [r, g, b] if hi(r) && hi(g) && hi(b) => Some(Colour::White),
        [r, g, b] if lo(r) && lo(g) && lo(b) => Some(Colour::Black),
        _ => None,
    }
}

pub fn colour_at(img: &image::RgbImage, x: u32, y: u32) -> Option<Colour> {
    classify(patch(img, x, y))
}

pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// JPEG APPn/COM markers present before the first scan.
pub fn jpeg_markers(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut pos = 2;
    while pos + 4 <= data.len() && data[pos] == 0xFF {
        let m = data[pos + 1];
        if m == 0xDA {
            break;
        }
        out.push(m);
        let len = u16::from_be_bytes([data[pos + 2], data[pos + 3]]) as usize;
        pos += 2 + len;
    }
    out
}

/// Inserts a segment right after SOI.
pub fn with_segment(jpeg: &[u8], marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, marker]);
    out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// An APP1 EXIF payload with only an orientation tag (big-endian TIFF).
pub fn exif_orientation(o: u16) -> Vec<u8> {
    let mut v = b"Exif\0\0MM\0*".to_vec();
    v.extend_from_slice(&8u32.to_be_bytes());
    v.extend_from_slice(&1u16.to_be_bytes());
    v.extend_from_slice(&0x0112u16.to_be_bytes());
    v.extend_from_slice(&3u16.to_be_bytes());
    v.extend_from_slice(&1u32.to_be_bytes());
    v.extend_from_slice(&o.to_be_bytes());
    v.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    v
}
