//! Hostile headers and decompression bombs are refused from their headers: quickly and
//! without allocating what they claim. A counting global allocator measures the peak memory
//! allocated during each refusal; this file has a single test so no other test's allocations
//! are counted.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use sora_preflight::{preflight_bytes, Limits, Options};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Relaxed) + layout.size();
            PEAK.fetch_max(now, Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Peak bytes allocated above the starting level while `f` runs.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = CURRENT.load(Relaxed);
    PEAK.store(base, Relaxed);
    let out = f();
    (out, PEAK.load(Relaxed).saturating_sub(base))
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], body: &[u8]) {
    out.extend_from_slice(&(body.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(body);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

fn png_header_bomb(w: u32, h: u32) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA
    png_chunk(&mut v, b"IHDR", &ihdr);
    // A valid zlib stream of a few zero bytes; a real bomb would go on for gigabytes.
    png_chunk(
        &mut v,
        b"IDAT",
        &[0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01],
    );
    png_chunk(&mut v, b"IEND", &[]);
    v
}

fn jpeg_header_bomb(w: u16, h: u16) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8];
    v.extend_from_slice(&[0xFF, 0xC0, 0, 17, 8]);
    v.extend_from_slice(&h.to_be_bytes());
    v.extend_from_slice(&w.to_be_bytes());
    v.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    v.extend_from_slice(&[0xFF, 0xDA, 0, 12, 3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0]);
    v.extend_from_slice(&[0u8; 64]);
    v.extend_from_slice(&[0xFF, 0xD9]);
    v
}

fn gif_header_bomb() -> Vec<u8> {
    let mut v = b"GIF89a".to_vec();
    v.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0]);
    v.extend_from_slice(&[0x2C, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0]);
    v.extend_from_slice(&[2, 2, 0x4C, 0x01, 0, 0x3B]);
    v
}

fn webp_header_bomb() -> Vec<u8> {
    // VP8X canvas of 16384x16384, then a lossless chunk of the same size.
    let mut body = Vec::new();
    body.extend_from_slice(b"VP8X");
    body.extend_from_slice(&10u32.to_le_bytes());
    body.extend_from_slice(&[0, 0, 0, 0]);
    let d = (16384u32 - 1).to_le_bytes();
    body.extend_from_slice(&d[..3]);
    body.extend_from_slice(&d[..3]);
    body.extend_from_slice(b"VP8L");
    body.extend_from_slice(&6u32.to_le_bytes());
    let bits: u32 = (16383) | (16383 << 14);
    body.push(0x2F);
    body.extend_from_slice(&bits.to_le_bytes());
    body.push(0);
    let mut v = b"RIFF".to_vec();
    v.extend_from_slice(&((body.len() + 4) as u32).to_le_bytes());
    v.extend_from_slice(b"WEBP");
    v.extend_from_slice(&body);
    v
}

fn tiff_header_bomb() -> Vec<u8> {
    let mut v = b"II*\0".to_vec();
    v.extend_from_slice(&8u32.to_le_bytes());
    let entries: [(u16, u16, u32); 8] = [
        (256, 4, 100_000), // ImageWidth
        (257, 4, 100_000), // ImageLength
        (258, 3, 8),       // BitsPerSample
        (259, 3, 1),       // Compression: none
        (262, 3, 1),       // Photometric: black is zero
        (273, 4, 200),     // StripOffsets
        (278, 4, 100_000), // RowsPerStrip
        (279, 4, 16),      // StripByteCounts
    ];
    v.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (tag, kind, value) in entries {
        v.extend_from_slice(&tag.to_le_bytes());
        v.extend_from_slice(&kind.to_le_bytes());
        v.extend_from_slice(&1u32.to_le_bytes());
        v.extend_from_slice(&value.to_le_bytes());
    }
    v.extend_from_slice(&0u32.to_le_bytes());
    v.resize(216, 0);
    v
}

fn bmp_header_bomb() -> Vec<u8> {
    let mut v = b"BM".to_vec();
    v.extend_from_slice(&1000u32.to_le_bytes());
    v.extend_from_slice(&0u32.to_le_bytes());
    v.extend_from_slice(&54u32.to_le_bytes());
    v.extend_from_slice(&40u32.to_le_bytes());
    v.extend_from_slice(&100_000i32.to_le_bytes());
    v.extend_from_slice(&100_000i32.to_le_bytes());
    v.extend_from_slice(&1u16.to_le_bytes());
    v.extend_from_slice(&24u16.to_le_bytes());
    v.extend_from_slice(&[0u8; 24]);
    v.resize(1000, 0);
    v
}

/// A genuine, fully valid PNG of zeros: small on disk, 16 MB once decoded.
fn genuine_png(w: u32, h: u32) -> Vec<u8> {
    let img = image::GrayImage::new(w, h);
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[test]
fn bombs_are_refused_quickly_without_allocating_what_they_claim() {
    let default = Options::default();
    let header_bombs: Vec<(&str, Vec<u8>)> = vec![
        ("PNG 100000x100000", png_header_bomb(100_000, 100_000)),
        ("JPEG 65000x65000", jpeg_header_bomb(65_000, 65_000)),
        ("GIF 65535x65535", gif_header_bomb()),
        ("WebP 16384x16384", webp_header_bomb()),
        ("TIFF 100000x100000", tiff_header_bomb()),
        ("BMP 100000x100000", bmp_header_bomb()),
    ];
    for (name, data) in &header_bombs {
        let started = Instant::now();
        let (result, peak) = peak_during(|| preflight_bytes(data, &default));
        let elapsed = started.elapsed();
        let err = match result {
            Ok(p) => panic!("{name}: accepted: {}", p.summary),
            Err(e) => e,
        };
        assert_eq!(err.code(), "too_many_pixels", "{name}: {err}");
        assert!(err.to_string().contains("megapixels"), "{name}: {err}");
        assert!(
            peak < 2 << 20,
            "{name}: allocated {peak} bytes while refusing"
        );
        assert!(elapsed < Duration::from_secs(5), "{name}: took {elapsed:?}");
    }

    // A real decompression bomb relative to the limits: a 4000x4000 PNG of zeros is 16 KB on
    // disk and 16 MB decoded; with a 10 MP budget it is refused from its header.
    let bomb = genuine_png(4000, 4000);
    assert!(bomb.len() < 100_000, "{}", bomb.len());
    let tight = Options {
        limits: Limits {
            max_pixels: 10_000_000,
            ..Limits::default()
        },
        ..Options::default()
    };
    let (result, peak) = peak_during(|| preflight_bytes(&bomb, &tight));
    assert_eq!(result.unwrap_err().code(), "too_many_pixels");
    assert!(peak < 2 << 20, "allocated {peak} bytes while refusing");

    // Within the pixel budget but over the decoder memory budget: refused before the pixel
    // buffer is allocated.
    let small_memory = Options {
        limits: Limits {
            max_decoder_bytes: 4 << 20,
            ..Limits::default()
        },
        ..Options::default()
    };
    let (result, peak) = peak_during(|| preflight_bytes(&bomb, &small_memory));
    assert_eq!(result.unwrap_err().code(), "too_much_memory");
    assert!(peak < 8 << 20, "allocated {peak} bytes while refusing");

    // And the same file within budget is fine: the limits are what made the difference.
    let ok = preflight_bytes(&bomb, &default).expect("4000x4000 is within the default limits");
    assert_eq!((ok.output.width, ok.output.height), (1280, 720));
}
