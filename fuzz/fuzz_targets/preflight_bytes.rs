//! Arbitrary bytes into the whole preflight pipeline. Under `cfg(fuzzing)` the crate does not
//! catch panics, so any panic in our code or a decoder is reported as a crash.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sora_preflight::{Framing, Limits, Options, Orientation};

fuzz_target!(|data: &[u8]| {
    // Smaller limits than the app's keep each run fast; the limit checks themselves are
    // exercised all the same. The length varies the options (the first bytes are the format
    // signature) so both framings, forced orientations and the preview path are reached.
    let flags = (data.len() % 16) as u8;
    let options = Options {
        framing: if flags & 1 == 0 { Framing::Fill } else { Framing::Fit },
        orientation: match (flags >> 1) & 3 {
            1 => Some(Orientation::Landscape),
            2 => Some(Orientation::Portrait),
            _ => None,
        },
        preview: flags & 8 != 0,
        limits: Limits {
            max_file_bytes: 4_000_000,
            max_pixels: 4_000_000,
            max_dimension: 8_000,
            max_decoder_bytes: 256 << 20,
        },
        ..Options::default()
    };
    if let Ok(p) = sora_preflight::preflight_bytes(data, &options) {
        assert!(
            (p.output.width, p.output.height) == (1280, 720)
                || (p.output.width, p.output.height) == (720, 1280)
        );
        assert!(p.bytes.len() as u64 <= options.rules.max_bytes);
        assert_eq!(p.bytes.len() as u64, p.output.bytes);
    }
});
