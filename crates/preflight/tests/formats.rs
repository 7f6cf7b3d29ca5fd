//! Preflight on the committed fixtures (see scripts/make-preflight-fixtures.sh). Output pixels
//! are checked with an independent decoder, by colour, not only by size.

mod common;

use common::*;
use sora_preflight::{
    preflight_bytes, preflight_path, Action, CropRect, Focus, Framing, Limits, Options,
    Orientation, OutputFormat, OutputPreference, WarningCode,
};

const W: u32 = 1280;
const H: u32 = 720;

/// The reference shows red top-left, lime top-right, blue bottom-left, yellow bottom-right.
/// Each orientation-N file stores it turned so that only honouring tag N shows it upright.
#[test]
fn all_eight_exif_orientations_come_out_upright() {
    for o in 1..=8u8 {
        let name = format!("orient-{o}.jpg");
        let p = run_default(&name);
        assert_eq!(p.source.exif_orientation, o, "{name}");
        assert_eq!(
            (p.source.upright_width, p.source.upright_height),
            (160, 120)
        );
        assert_eq!(p.output.orientation, Orientation::Landscape, "{name}");
        let img = pixels(&p);
        let corners = [
            colour_at(&img, 100, 100),
            colour_at(&img, W - 100, 100),
            colour_at(&img, 100, H - 100),
            colour_at(&img, W - 100, H - 100),
        ];
        assert_eq!(
            corners,
            [
                Some(Colour::Red),
                Some(Colour::Lime),
                Some(Colour::Blue),
                Some(Colour::Yellow)
            ],
            "{name}"
        );
        assert_eq!(p.actions.contains(&Action::Rotated), o != 1, "{name}");
        // The orientation tag lives in EXIF, which must not survive.
        assert!(!contains(&p.bytes, b"Exif\0\0"), "{name}");
    }
}

#[test]
fn cmyk_jpeg_keeps_its_colours() {
    let p = run_default("cmyk.jpg");
    let img = pixels(&p);
    assert_eq!(colour_at(&img, 200, H / 2), Some(Colour::Red));
    assert_eq!(colour_at(&img, W - 200, H / 2), Some(Colour::Blue));
    assert!(p
        .warnings
        .iter()
        .any(|w| w.code == WarningCode::CmykApproximated));
}

#[test]
fn progressive_and_greyscale_jpegs() {
    let p = run_default("progressive.jpg");
    assert_eq!((p.output.width, p.output.height), (W, H));
    // orange at the top, purple at the bottom
    let img = pixels(&p);
    let top = patch(&img, W / 2, 10);
    let bottom = patch(&img, W / 2, H - 10);
    assert!(top[1] > bottom[1] + 40, "top {top:?} bottom {bottom:?}");
    assert!(bottom[2] > top[2] + 40, "top {top:?} bottom {bottom:?}");

    let p = run_default("gray.jpg");
    let img = pixels(&p);
    let [r, g, b] = patch(&img, W / 2, 20);
    assert!(r > 200 && r.abs_diff(g) < 4 && g.abs_diff(b) < 4);
    assert!(patch(&img, W / 2, H - 20)[0] < 60);
}

#[test]
fn sixteen_bit_png() {
    let p = run_default("png16.png");
    let img = pixels(&p);
    let top = patch(&img, W / 2, 10);
    let bottom = patch(&img, W / 2, H - 10);
    assert!(
        top[0] > top[2] && bottom[2] > bottom[0],
        "{top:?} {bottom:?}"
    );
    // A lossless source stays lossless by default.
    assert_eq!(p.output.format, OutputFormat::Png);
}

#[test]
fn palette_png() {
    let p = run_default("palette.png");
    let img = pixels(&p);
    assert_eq!(colour_at(&img, 100, H / 2), Some(Colour::Red));
    assert_eq!(colour_at(&img, W - 100, H / 2), Some(Colour::Lime));
}

#[test]
fn transparency_is_flattened_onto_white_and_said() {
    let p = run_default("alpha.png");
    let img = pixels(&p);
    assert_eq!(colour_at(&img, 100, H / 2), Some(Colour::Lime));
    assert_eq!(colour_at(&img, W - 100, H / 2), Some(Colour::White));
    assert!(p.actions.contains(&Action::Flattened));
    assert!(p
        .warnings
        .iter()
        .any(|w| w.code == WarningCode::TransparencyFlattened
            && w.message.english().contains("white")));
}

#[test]
fn webp_lossy_and_lossless() {
    let p = run_default("lossy.webp");
    assert_eq!(p.output.format, OutputFormat::Jpeg);
    let img = pixels(&p);
    let top = patch(&img, W / 2, 10); // cyan
    let bottom = patch(&img, W / 2, H - 10); // magenta
    assert!(
        top[1] > top[0] + 100 && bottom[0] > bottom[1] + 100,
        "{top:?} {bottom:?}"
    );

    let p = run_default("lossless.webp");
    assert_eq!(p.output.format, OutputFormat::Png);
    let img = pixels(&p);
    // Lossless in, lossless out: exact colours.
    assert_eq!(patch(&img, 100, H / 2), [255, 0, 0]);
    assert_eq!(patch(&img, W - 100, H / 2), [0, 0, 255]);
}

#[test]
fn animations_use_the_first_frame() {
    for name in ["animated.gif", "animated.webp"] {
        let p = run_default(name);
        let img = pixels(&p);
        assert_eq!(colour_at(&img, W / 2, H / 2), Some(Colour::Red), "{name}");
        assert!(
            p.warnings
                .iter()
                .any(|w| w.code == WarningCode::FirstFrameOnly),
            "{name}"
        );
    }
}

#[test]
fn bmp_and_tiff() {
    let p = run_default("plain.bmp");
    assert_eq!(patch(&pixels(&p), W / 2, H / 2), [255, 165, 0]); // orange
    let p = run_default("plain.tif");
    assert_eq!(patch(&pixels(&p), W / 2, H / 2), [0, 128, 128]); // teal
}

#[test]
fn tiny_image_is_enlarged_with_a_warning() {
    let p = run_default("tiny.png");
    assert_eq!((p.output.width, p.output.height), (W, H));
    assert_eq!(patch(&pixels(&p), W / 2, H / 2), [128, 0, 128]);
    assert!(p.warnings.iter().any(|w| w.code == WarningCode::Upscaled));
    assert!(
        p.summary.english().starts_with("Enlarged 3x2 to 1280x720"),
        "{}",
        p.summary
    );
}

#[test]
fn panorama_fill_crops_the_middle_and_focus_moves_the_window() {
    let p = run_default("panorama.jpg");
    let img = pixels(&p);
    for x in [50, W / 2, W - 50] {
        assert_eq!(colour_at(&img, x, H / 2), Some(Colour::Lime));
    }
    assert!(p.actions.contains(&Action::Cropped));
    assert_eq!(p.region.height, 200);
    assert!(p.region.x > 800 && p.region.x < 850, "{:?}", p.region);

    let left = run(
        "panorama.jpg",
        &Options {
            focus: Some(Focus { x: 0.0, y: 0.5 }),
            ..Options::default()
        },
    );
    assert_eq!(left.region.x, 0);
    assert_eq!(colour_at(&pixels(&left), 100, H / 2), Some(Colour::Red));

    let right = run(
        "panorama.jpg",
        &Options {
            crop: Some(CropRect {
                x: 0.9,
                y: 0.0,
                width: 0.1,
                height: 1.0,
            }),
            ..Options::default()
        },
    );
    assert_eq!(colour_at(&pixels(&right), W / 2, H / 2), Some(Colour::Blue));
}

#[test]
fn panorama_fit_keeps_everything_with_black_bars() {
    let p = run(
        "panorama.jpg",
        &Options {
            framing: Framing::Fit,
            ..Options::default()
        },
    );
    let img = pixels(&p);
    // 2000x200 fits as 1280x128, centred: bars above and below.
    assert_eq!(colour_at(&img, W / 2, 100), Some(Colour::Black));
    assert_eq!(colour_at(&img, W / 2, H - 100), Some(Colour::Black));
    assert_eq!(colour_at(&img, 30, H / 2), Some(Colour::Red));
    assert_eq!(colour_at(&img, W - 30, H / 2), Some(Colour::Blue));
    assert_eq!(colour_at(&img, W / 2, H / 2), Some(Colour::Lime));
    assert!(p.actions.contains(&Action::Padded));
    assert!(!p.actions.contains(&Action::Cropped));
    assert!(
        p.summary
            .english()
            .starts_with("Fitted 2000x200 into 1280x720 with black bars"),
        "{}",
        p.summary
    );
}

#[test]
fn orientation_can_be_forced() {
    let p = run(
        "panorama.jpg",
        &Options {
            orientation: Some(Orientation::Portrait),
            ..Options::default()
        },
    );
    assert_eq!((p.output.width, p.output.height), (720, 1280));
    assert_eq!(pixels(&p).dimensions(), (720, 1280));
    // Portrait source follows itself.
    let p = run_default("compliant-portrait.png");
    assert_eq!(p.output.orientation, Orientation::Portrait);
}

#[test]
fn compliant_file_is_passed_through_byte_for_byte() {
    for name in ["compliant.jpg", "compliant.webp"] {
        let input = fixture(name);
        let p = run_default(name);
        assert_eq!(p.bytes, input, "{name}");
        assert_eq!(p.actions, vec![Action::PassedThrough], "{name}");
        assert!(p.summary.english().contains("used as is"), "{}", p.summary);
    }
}

#[test]
fn compliant_jpeg_with_gps_loses_metadata_but_not_pixels() {
    let input = fixture("compliant-gps.jpg");
    assert!(contains(&input, b"Exif\0\0") && contains(&input, b"SECRET-PLACE"));
    let p = run_default("compliant-gps.jpg");
    assert!(p.source.had_location);
    assert_eq!(
        p.actions,
        vec![Action::PassedThrough, Action::MetadataRemoved]
    );
    for secret in [
        &b"Exif\0\0"[..],
        b"SECRET",
        b"FixtureCam",
        b"http://ns.adobe.com/xap",
    ] {
        assert!(
            !contains(&p.bytes, secret),
            "{}",
            String::from_utf8_lossy(secret)
        );
    }
    assert!(!jpeg_markers(&p.bytes)
        .iter()
        .any(|m| matches!(m, 0xE1 | 0xFE)));
    // Lossless: identical decoded pixels.
    let before = image::load_from_memory(&input).unwrap().to_rgb8();
    assert_eq!(pixels(&p), before);
    assert!(p.bytes.len() < input.len());
}

#[test]
fn compliant_png_with_text_loses_it_but_not_pixels() {
    let input = fixture("compliant-portrait.png");
    assert!(contains(&input, b"SECRET-COMMENT"));
    let p = run_default("compliant-portrait.png");
    assert_eq!(
        p.actions,
        vec![Action::PassedThrough, Action::MetadataRemoved]
    );
    assert!(!contains(&p.bytes, b"SECRET-COMMENT"));
    let before = image::load_from_memory(&input).unwrap().to_rgb8();
    assert_eq!(pixels(&p), before);
}

#[test]
fn gps_is_gone_after_re_encoding() {
    let input = fixture("gps.jpg");
    assert!(contains(&input, b"SECRET-PLACE"));
    let p = run_default("gps.jpg");
    assert!(p.source.had_location);
    assert!(p.actions.contains(&Action::ReEncoded));
    assert!(p.actions.contains(&Action::MetadataRemoved));
    assert!(!contains(&p.bytes, b"Exif\0\0"));
    assert!(!contains(&p.bytes, b"SECRET-PLACE"));
    assert!(!contains(&p.bytes, b"FixtureCam"));
    assert!(!jpeg_markers(&p.bytes).contains(&0xE1));
    assert!(
        p.summary.english().contains("location removed"),
        "{}",
        p.summary
    );
}

#[test]
fn broken_and_foreign_files_are_named_plainly() {
    let cases = [
        ("truncated.jpg", "truncated", "incomplete"),
        ("empty.jpg", "empty", "empty"),
        ("text.jpg", "not_an_image", "not a picture"),
        ("photo.heic", "heic", "HEIC"),
        ("iphone-photo.jpg", "heic", "HEIC"),
        ("photo.avif", "avif", "AVIF"),
    ];
    for (name, code, words) in cases {
        let e = refuse(name);
        assert_eq!(e.code(), code, "{name}: {e}");
        let msg = e.to_string();
        assert!(msg.contains(words), "{name}: {msg}");
        assert!(!msg.contains('\n'), "one line: {msg}");
        assert!(sora_preflight::PreflightError::CODES.contains(&e.code()));
    }
}

#[test]
fn damaged_jpeg_is_refused_not_uploaded() {
    // Right size, so it would pass through if it were not decoded: flip bytes in the scan.
    let mut data = fixture("compliant.jpg");
    let n = data.len();
    for b in &mut data[n / 2..n / 2 + 64] {
        *b = 0xFF;
    }
    let e = preflight_bytes(&data, &Options::default()).unwrap_err();
    assert!(matches!(e.code(), "corrupt" | "truncated"), "{}", e.code());
}

#[test]
fn files_over_the_size_limit_are_refused_before_reading() {
    let options = Options {
        limits: Limits {
            max_file_bytes: 10_000,
            ..Limits::default()
        },
        ..Options::default()
    };
    let e = preflight_path(fixture_path("compliant.jpg"), &options).unwrap_err();
    assert_eq!(e.code(), "file_too_large");
    assert!(e.to_string().contains("16 KB"), "{e}");
    let e = preflight_path(fixture_path("does-not-exist.jpg"), &Options::default()).unwrap_err();
    assert_eq!(e.code(), "read_failed");
    assert!(e.to_string().contains("does not exist"), "{e}");
}

#[test]
fn preview_is_a_small_jpeg_of_the_result() {
    let p = run(
        "orient-6.jpg",
        &Options {
            preview: true,
            ..Options::default()
        },
    );
    let preview = p.preview.as_ref().expect("preview requested");
    assert_eq!((preview.width, preview.height), (320, 180));
    let img = image::load_from_memory_with_format(&preview.jpeg, image::ImageFormat::Jpeg)
        .unwrap()
        .to_rgb8();
    assert_eq!(colour_at(&img, 20, 20), Some(Colour::Red));
    let json = serde_json::to_value(&p).unwrap();
    assert!(json["preview"]["jpeg_base64"].as_str().unwrap().len() > 100);
    assert!(run_default("orient-6.jpg").preview.is_none());
}

#[test]
fn source_preview_is_the_whole_picture_upright() {
    let p = run(
        "orient-6.jpg",
        &Options {
            preview: true,
            ..Options::default()
        },
    );
    let before = p.source_preview.as_ref().expect("previews requested");
    let (w, h) = (
        p.source.upright_width as f64,
        p.source.upright_height as f64,
    );
    assert_eq!(before.width.max(before.height), 320);
    let aspect = before.width as f64 / before.height as f64;
    assert!((aspect - w / h).abs() < 0.02, "{aspect} vs {}", w / h);
    let img = image::load_from_memory_with_format(&before.jpeg, image::ImageFormat::Jpeg)
        .unwrap()
        .to_rgb8();
    assert_eq!((img.width(), img.height()), (before.width, before.height));
    assert_eq!(
        colour_at(&img, 5, 5),
        Some(Colour::Red),
        "upright, not as stored"
    );
    // A picture passed through as it is: before and after are the same.
    let same = run(
        "compliant.jpg",
        &Options {
            preview: true,
            ..Options::default()
        },
    );
    assert_eq!(same.source_preview, same.preview);
}

#[test]
fn forced_jpeg_output_for_a_png() {
    let p = run(
        "palette.png",
        &Options {
            output: OutputPreference::Jpeg,
            ..Options::default()
        },
    );
    assert_eq!(p.output.format, OutputFormat::Jpeg);
    assert_eq!(p.output.jpeg_quality, Some(90));
    assert_eq!(&p.bytes[..3], &[0xFF, 0xD8, 0xFF]);
}

#[test]
fn description_serialises_for_the_ui() {
    let p = run_default("gps.jpg");
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(json["source"]["format"], "jpeg");
    assert_eq!(json["source"]["width"], 800);
    assert_eq!(json["output"]["width"], 1280);
    assert_eq!(json["output"]["mime"], "image/jpeg");
    assert_eq!(json["output"]["bytes"], p.bytes.len() as u64);
    assert!(json["actions"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("metadata_removed")));
    assert!(json.get("bytes").is_none(), "raw bytes stay out of JSON");
    let kb = (p.bytes.len() as u64 + 500) / 1000;
    assert_eq!(p.summary.key, "picture.summary.cropped");
    assert_eq!(
        p.summary.english(),
        format!("Cropped 800x600 to 1280x720, location removed, {kb} KB")
    );
    assert_eq!(json["summary"]["key"], "picture.summary.cropped");

    let e = refuse("photo.heic");
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["code"], "heic");
    assert_eq!(json["retryable"], false);
    assert_eq!(json["message"]["key"], "problem.heic");
    assert_eq!(
        sora_preflight::Words::new("problem.heic").english(),
        e.to_string()
    );
}

/// Wrap a simple lossy WebP in the extended format with an EXIF chunk carrying GPS.
fn webp_with_exif(simple: &[u8]) -> Vec<u8> {
    assert_eq!(&simple[12..16], b"VP8 ");
    let vp8_chunk = &simple[12..];
    let mut exif = b"II*\0".to_vec();
    exif.extend_from_slice(&8u32.to_le_bytes());
    exif.extend_from_slice(&1u16.to_le_bytes());
    exif.extend_from_slice(&0x8825u16.to_le_bytes()); // GPS IFD pointer
    exif.extend_from_slice(&4u16.to_le_bytes());
    exif.extend_from_slice(&1u32.to_le_bytes());
    exif.extend_from_slice(&26u32.to_le_bytes());
    exif.extend_from_slice(&0u32.to_le_bytes());
    exif.extend_from_slice(b"SECRET-PLACE");
    let mut body = b"WEBP".to_vec();
    body.extend_from_slice(b"VP8X");
    body.extend_from_slice(&10u32.to_le_bytes());
    body.extend_from_slice(&[0x08, 0, 0, 0]); // EXIF flag
    body.extend_from_slice(&(1280u32 - 1).to_le_bytes()[..3]);
    body.extend_from_slice(&(720u32 - 1).to_le_bytes()[..3]);
    body.extend_from_slice(vp8_chunk);
    body.extend_from_slice(b"EXIF");
    body.extend_from_slice(&(exif.len() as u32).to_le_bytes());
    body.extend_from_slice(&exif);
    if exif.len() % 2 == 1 {
        body.push(0);
    }
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

#[test]
fn compliant_webp_with_exif_loses_it_but_not_pixels() {
    let simple = fixture("compliant.webp");
    let tagged = webp_with_exif(&simple);
    let before = image::load_from_memory(&tagged)
        .expect("valid extended WebP")
        .to_rgb8();
    let p = preflight_bytes(&tagged, &Options::default()).unwrap();
    assert!(p.source.had_location);
    assert_eq!(
        p.actions,
        vec![Action::PassedThrough, Action::MetadataRemoved]
    );
    assert_eq!(p.output.format, OutputFormat::Webp);
    assert!(!contains(&p.bytes, b"EXIF") && !contains(&p.bytes, b"SECRET-PLACE"));
    assert_eq!(p.bytes[20] & 0x08, 0, "VP8X no longer announces EXIF");
    let riff = u32::from_le_bytes([p.bytes[4], p.bytes[5], p.bytes[6], p.bytes[7]]) as usize;
    assert_eq!(riff + 8, p.bytes.len(), "RIFF size rewritten");
    assert_eq!(pixels(&p), before);
}

#[test]
fn jpeg_trailer_after_the_picture_is_dropped() {
    // Phones append extra data (second pictures, maker blobs) after the end marker.
    let mut data = fixture("compliant.jpg");
    let original_len = data.len();
    data.extend_from_slice(b"\xFF\xD8\xFF\xE1TRAILING-SECRET");
    let p = preflight_bytes(&data, &Options::default()).unwrap();
    assert_eq!(
        p.actions,
        vec![Action::PassedThrough, Action::MetadataRemoved]
    );
    assert_eq!(p.bytes.len(), original_len);
    assert_eq!(p.bytes, fixture("compliant.jpg"));
}

#[test]
fn progressive_jpeg_over_the_memory_budget_is_refused_before_decoding() {
    // progressive.jpg is 640x480x3 samples: 1.84 MB of coefficients.
    let options = Options {
        limits: Limits {
            max_decoder_bytes: 1_600_000,
            ..Limits::default()
        },
        ..Options::default()
    };
    let e = preflight_bytes(&fixture("progressive.jpg"), &options).unwrap_err();
    assert_eq!(e.code(), "too_much_memory");
    // The same budget fits a baseline 800x600 JPEG (1.44 MB of decoded pixels).
    assert!(preflight_bytes(&fixture("gps.jpg"), &options).is_ok());
}
