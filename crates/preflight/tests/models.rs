//! Preflight for every model of the manifest: generated pictures (a 48 MP photo, a PNG with
//! transparency, a tiny picture, a panorama, a 25 MB file) come out meeting each model's
//! picture rules, checked with an independent decoder, or are refused in plain words.

mod common;

use std::io::Cursor;
use std::sync::OnceLock;

use common::{colour_at, contains, exif_orientation, fixture, jpeg_markers, with_segment, Colour};
use image::GenericImageView;
use sora_models::{manifest, Model};
use sora_preflight::{
    preflight_bytes, Action, CropRect, Focus, Framing, Options, Orientation, OutputFormat,
    PreflightError, Prepared, Target, WarningCode, APP_MAX_SIDE,
};

/// A small, fast pseudo-random sequence (xorshift), so the pictures are the same every run.
struct Noise(u32);

impl Noise {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }
}

/// A photo-like picture: smooth gradients with grain of `±grain` on every sample. Made of
/// tiles copied row by row, which is quick even in an unoptimised test build.
fn photo_pixels(w: u32, h: u32, grain: u32) -> Vec<u8> {
    let (tw, th) = (w.min(1000) as usize, h.min(1000) as usize);
    let mut noise = Noise(0x9E37_79B9);
    let mut tile = Vec::with_capacity(tw * th * 3);
    for y in 0..th {
        let gy = (y * 255 / th) as i32;
        for x in 0..tw {
            let gx = (x * 255 / tw) as i32;
            let n = noise.next();
            let g = |base: i32, shift: u32| {
                let d = ((n >> shift) % (2 * grain + 1)) as i32 - grain as i32;
                (base + d).clamp(0, 255) as u8
            };
            tile.extend_from_slice(&[g(gx, 0), g(gy, 8), g((gx + gy) / 2, 16)]);
        }
    }
    let (w, h) = (w as usize, h as usize);
    let mut data = vec![0u8; w * h * 3];
    for (y, row) in data.chunks_exact_mut(w * 3).enumerate() {
        let src = &tile[(y % th) * tw * 3..][..tw * 3];
        for chunk in row.chunks_mut(tw * 3) {
            chunk.copy_from_slice(&src[..chunk.len()]);
        }
    }
    data
}

fn jpeg(w: u32, h: u32, grain: u32) -> Vec<u8> {
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 92)
        .encode(
            &photo_pixels(w, h, grain),
            w as u16,
            h as u16,
            jpeg_encoder::ColorType::Rgb,
        )
        .unwrap();
    out
}

fn png(img: &image::DynamicImage) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// 8000x6000, as a 48 MP phone camera takes it.
fn photo_48mp() -> &'static [u8] {
    static PHOTO: OnceLock<Vec<u8>> = OnceLock::new();
    PHOTO.get_or_init(|| jpeg(8000, 6000, 10))
}

/// 1000x800, a lime square on a transparent background with a half-transparent band.
fn alpha_png() -> Vec<u8> {
    let img = image::RgbaImage::from_fn(1000, 800, |x, y| {
        if (200..600).contains(&x) && (200..600).contains(&y) {
            image::Rgba([0, 255, 0, 255])
        } else if y < 100 {
            image::Rgba([255, 0, 0, 128])
        } else {
            image::Rgba([0, 0, 0, 0])
        }
    });
    png(&image::DynamicImage::ImageRgba8(img))
}

fn tiny() -> Vec<u8> {
    jpeg(120, 90, 4)
}

/// 6000x1000: wider than any model's ratio range but Wan's.
fn panorama() -> &'static [u8] {
    static PANORAMA: OnceLock<Vec<u8>> = OnceLock::new();
    PANORAMA.get_or_init(|| jpeg(6000, 1000, 8))
}

/// A PNG of pure noise, over 20 MB on disk.
fn big_png() -> &'static [u8] {
    static BIG: OnceLock<Vec<u8>> = OnceLock::new();
    BIG.get_or_init(|| {
        let (w, h) = (3000, 2800);
        let mut noise = Noise(0x2545_F491);
        let data: Vec<u8> = (0..w * h * 3).map(|_| noise.next() as u8).collect();
        let img = image::RgbImage::from_raw(w, h, data).unwrap();
        png(&image::DynamicImage::ImageRgb8(img))
    })
}

fn model(id: &str) -> &'static Model {
    manifest()
        .model(id)
        .unwrap_or_else(|| panic!("{id} is in the manifest"))
}

/// Each model with the options the app builds for it when no shape or quality is chosen.
fn every_model() -> Vec<(&'static Model, Options)> {
    manifest()
        .models
        .iter()
        .map(|m| (m, Options::for_model(m, None, None)))
        .collect()
}

/// Runs a picture for every model. Several models share their rules (Veo and Grok, the
/// Seedance family), and preflight depends on nothing else but the model's name in messages:
/// each distinct set of options runs once (in parallel: big pictures are slow in debug
/// builds), and its result is checked for each model. Refusals run per model, for their
/// messages.
fn for_every_model(
    data: &[u8],
) -> Vec<(&'static Model, Options, Result<Prepared, PreflightError>)> {
    let models = every_model();
    let key = |o: &Options| Options {
        model_name: None,
        ..o.clone()
    };
    let mut distinct: Vec<Options> = Vec::new();
    for (_, options) in &models {
        if !distinct.contains(&key(options)) {
            distinct.push(key(options));
        }
    }
    let results: Vec<Result<Prepared, PreflightError>> = std::thread::scope(|s| {
        let runs: Vec<_> = distinct
            .iter()
            .map(|o| s.spawn(move || preflight_bytes(data, o)))
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    models
        .into_iter()
        .map(|(m, options)| {
            let at = distinct.iter().position(|k| *k == key(&options)).unwrap();
            let result = match &results[at] {
                Ok(p) => Ok(p.clone()),
                Err(_) => preflight_bytes(data, &options),
            };
            (m, options, result)
        })
        .collect()
}

fn image_format(f: OutputFormat) -> image::ImageFormat {
    match f {
        OutputFormat::Jpeg => image::ImageFormat::Jpeg,
        OutputFormat::Png => image::ImageFormat::Png,
        OutputFormat::Webp => image::ImageFormat::WebP,
        OutputFormat::Heic => panic!("HEIC is never produced from a decodable picture"),
    }
}

/// Checks, with the `image` crate's own decoders, that `p` meets the model's rules, and
/// returns the decoded output. `source` is the upright size of the picture given.
fn assert_meets_rules(
    m: &Model,
    options: &Options,
    source: (u32, u32),
    p: &Prepared,
    what: &str,
) -> image::DynamicImage {
    let rules = &m.picture_rules;
    let at = format!("{} / {what}: {}", m.id, p.summary);
    assert_eq!(p.bytes.len() as u64, p.output.bytes, "{at}");
    assert!(
        p.output.bytes <= rules.max_bytes,
        "{at}: {} bytes, at most {}",
        p.output.bytes,
        rules.max_bytes
    );
    assert!(
        rules.formats.contains(&p.output.format.picture_format()),
        "{at}: {:?} not in {:?}",
        p.output.format,
        rules.formats
    );
    assert_eq!(p.output.mime, p.output.format.mime(), "{at}");
    assert_eq!(
        image::guess_format(&p.bytes).unwrap(),
        image_format(p.output.format),
        "{at}: the bytes are what the description says"
    );
    let img = image::load_from_memory_with_format(&p.bytes, image_format(p.output.format))
        .unwrap_or_else(|e| panic!("{at}: the output does not decode: {e}"));
    let (w, h) = img.dimensions();
    assert_eq!((w, h), (p.output.width, p.output.height), "{at}");
    assert_eq!(p.output.orientation, Orientation::of(w, h), "{at}");
    if !rules.alpha {
        assert!(
            !img.color().has_alpha(),
            "{at}: {:?} has alpha",
            img.color()
        );
    }
    match options.target {
        Target::Exact { .. } => {
            let quality = m.quality.as_ref().map(|q| q.default.as_str());
            let aspect = if source.0 >= source.1 { "16:9" } else { "9:16" };
            assert_eq!(Some((w, h)), m.exact_frame(aspect, quality), "{at}");
        }
        Target::Fit => {
            let min = rules.min_side.unwrap_or(1);
            let max = rules.max_side.unwrap_or(APP_MAX_SIDE);
            assert!(
                w.min(h) >= min && w.max(h) <= max,
                "{at}: {w}x{h} not within {min}..={max}"
            );
            let ratio = w as f64 / h as f64;
            let tolerance = 0.01;
            if let Some(lo) = rules.min_ratio {
                assert!(ratio >= lo - tolerance, "{at}: ratio {ratio} under {lo}");
            }
            if let Some(hi) = rules.max_ratio {
                assert!(ratio <= hi + tolerance, "{at}: ratio {ratio} over {hi}");
            }
            if !p.actions.contains(&Action::Padded) {
                assert!(
                    w <= source.0 && h <= source.1,
                    "{at}: enlarged from {source:?}"
                );
            }
        }
    }
    img
}

// The big pictures for every model: each output meets that model's rules. One test per
// picture, so the test harness spreads them over the cores.

#[test]
fn every_model_gets_a_48_mp_photo_that_meets_its_rules() {
    meets_every_models_rules("48 MP photo", photo_48mp(), (8000, 6000));
}

#[test]
fn every_model_gets_a_transparent_png_that_meets_its_rules() {
    meets_every_models_rules("transparent PNG", &alpha_png(), (1000, 800));
}

#[test]
fn every_model_gets_a_panorama_that_meets_its_rules() {
    meets_every_models_rules("panorama", panorama(), (6000, 1000));
}

#[test]
fn every_model_gets_a_25_mb_png_that_meets_its_rules() {
    let big = big_png();
    assert!(big.len() > 20_000_000, "{} bytes", big.len());
    meets_every_models_rules("25 MB PNG", big, (3000, 2800));
}

fn meets_every_models_rules(what: &str, data: &[u8], size: (u32, u32)) {
    for (m, options, result) in for_every_model(data) {
        let p = result.unwrap_or_else(|e| panic!("{} / {what}: refused: {e}", m.id));
        let img = assert_meets_rules(m, &options, size, &p, what);
        let rules = &m.picture_rules;
        let fit = options.target == Target::Fit;
        let ratio_ok = |r: f64| {
            rules.min_ratio.is_none_or(|lo| r >= lo) && rules.max_ratio.is_none_or(|hi| r <= hi)
        };
        match what {
            "transparent PNG" if fit && rules.alpha => {
                // Already fine for the model: sent as it is, transparency and all.
                assert_eq!(p.bytes, data, "{} / {what}", m.id);
                assert_eq!(p.actions, vec![Action::PassedThrough]);
            }
            "transparent PNG" => {
                assert!(p.actions.contains(&Action::Flattened), "{}", m.id);
                let (w, h) = img.dimensions();
                let rgb = img.to_rgb8();
                // The lime square sits in the middle-left, the corner was transparent.
                assert_eq!(
                    colour_at(&rgb, w * 2 / 5, h / 2),
                    Some(Colour::Lime),
                    "{}",
                    m.id
                );
                assert_eq!(
                    colour_at(&rgb, w - 20, h - 20),
                    Some(Colour::White),
                    "{}",
                    m.id
                );
            }
            "panorama" if fit && !ratio_ok(6.0) => {
                assert!(p.actions.contains(&Action::Cropped), "{} / {what}", m.id);
                let hi = rules.max_ratio.unwrap();
                let ratio = p.output.width as f64 / p.output.height as f64;
                assert!((ratio - hi).abs() < 0.01, "{}: {ratio}", m.id);
            }
            "panorama" if fit => {
                // Within its ratio range: the shape is kept.
                assert!(!p.actions.contains(&Action::Cropped), "{} / {what}", m.id);
                let ratio = p.output.width as f64 / p.output.height as f64;
                assert!((ratio - 6.0).abs() < 0.02, "{}: {ratio}", m.id);
            }
            "25 MB PNG" if fit && data.len() as u64 <= rules.max_bytes => {
                assert_eq!(p.bytes, data, "{} / {what}: already fine", m.id);
            }
            _ => {}
        }
        if what == "48 MP photo" && fit {
            // Scaled down to (nearly) the longest side allowed, never more than needed.
            let max = rules.max_side.unwrap_or(APP_MAX_SIDE);
            let longest = p.output.width.max(p.output.height);
            if max < 8000 {
                assert!(longest as f64 >= max as f64 * 0.9, "{}: {longest}", m.id);
            }
        }
    }
}

/// Under a model's shortest side: refused in plain words. Models without one take it as it
/// is; Sora enlarges it to its frame, as it always has.
#[test]
fn a_tiny_picture_is_refused_only_by_models_with_a_shortest_side() {
    let data = tiny();
    for (m, options, result) in for_every_model(&data) {
        let rules = &m.picture_rules;
        match (&options.target, rules.min_side) {
            (Target::Exact { .. }, _) => {
                let p = result.unwrap();
                assert_meets_rules(m, &options, (120, 90), &p, "tiny");
                assert!(p.warnings.iter().any(|w| w.code == WarningCode::Upscaled));
            }
            (Target::Fit, Some(min)) if min > 90 => {
                let e = result.expect_err(&m.id);
                assert_eq!(e.code(), "too_small", "{}", m.id);
                assert!(PreflightError::CODES.contains(&e.code()));
                let msg = e.to_string();
                assert_eq!(
                    msg,
                    format!(
                        "This picture is 120x90 pixels; {} needs at least {min} pixels on each side. Use a larger picture.",
                        m.name
                    )
                );
            }
            (Target::Fit, _) => {
                let p = result.unwrap();
                assert_meets_rules(m, &options, (120, 90), &p, "tiny");
                assert_eq!(p.bytes, data, "{}: used as is", m.id);
            }
        }
    }
}

#[test]
fn default_options_are_sora_2s() {
    let sora = model("sora-2-preview");
    let options = Options::default();
    assert_eq!(options, Options::for_model(sora, None, None));
    assert_eq!(
        options.target,
        Target::Exact {
            landscape: sora.exact_frame("16:9", None).unwrap(),
            portrait: sora.exact_frame("9:16", None).unwrap(),
        }
    );
    assert_eq!(
        options.target.frame(Orientation::Landscape),
        Some((1280, 720))
    );
    assert_eq!(
        options.target.frame(Orientation::Portrait),
        Some((720, 1280))
    );
    assert_eq!(options.rules.max_bytes, sora.picture_rules.max_bytes);
    assert_eq!(options.orientation, None);
    assert_eq!(options.framing, Framing::Fill);
    assert_eq!(options.model_name.as_deref(), Some(sora.name.as_str()));
}

#[test]
fn exact_frames_only_for_models_that_have_them() {
    for (m, options) in every_model() {
        assert_eq!(
            matches!(options.target, Target::Exact { .. }),
            !m.picture_rules.exact.is_empty(),
            "{}",
            m.id
        );
        let with_shape = Options::for_model(m, Some("9:16"), None);
        match with_shape.target {
            Target::Exact { .. } => assert_eq!(with_shape.orientation, Some(Orientation::Portrait)),
            Target::Fit => assert_eq!(with_shape.orientation, None, "the picture decides"),
        }
    }
}

#[test]
fn sora_2_pro_at_1080p_is_1920x1080() {
    let pro = model("sora-2-pro-preview");
    let options = Options::for_model(pro, Some("16:9"), Some("1080p"));
    assert_eq!(
        options.target,
        Target::Exact {
            landscape: (1920, 1080),
            portrait: (1080, 1920),
        }
    );
    assert_eq!(options.orientation, Some(Orientation::Landscape));
    let picture = jpeg(2000, 1500, 4);
    let p = preflight_bytes(&picture, &options).unwrap();
    assert_eq!((p.output.width, p.output.height), (1920, 1080));
    let img = image::load_from_memory(&p.bytes).unwrap();
    assert_eq!(img.dimensions(), (1920, 1080));

    let portrait = Options::for_model(pro, Some("9:16"), Some("1080p"));
    let p = preflight_bytes(&picture, &portrait).unwrap();
    assert_eq!((p.output.width, p.output.height), (1080, 1920));
    // No quality chosen: the model's default, 720p.
    let p = preflight_bytes(&picture, &Options::for_model(pro, Some("16:9"), None)).unwrap();
    assert_eq!((p.output.width, p.output.height), (1280, 720));
}

#[test]
fn webp_for_kling_comes_out_png_or_jpeg() {
    let kling = model("kling-v3");
    let options = Options::for_model(kling, None, None);
    // Lossy WebP: a photo, so JPEG.
    let p = preflight_bytes(&fixture("lossy.webp"), &options).unwrap();
    assert_meets_rules(kling, &options, (640, 360), &p, "lossy WebP");
    assert_eq!(p.output.format, OutputFormat::Jpeg);
    assert_eq!((p.output.width, p.output.height), (640, 360), "size kept");
    // Lossless WebP: PNG, pixels exact.
    let source = image::RgbImage::from_fn(800, 600, |x, _| {
        image::Rgb(if x < 400 { [255, 0, 0] } else { [0, 0, 255] })
    });
    let mut webp = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut webp)
        .encode(source.as_raw(), 800, 600, image::ExtendedColorType::Rgb8)
        .unwrap();
    let p = preflight_bytes(&webp, &options).unwrap();
    let img = assert_meets_rules(kling, &options, (800, 600), &p, "lossless WebP");
    assert_eq!(p.output.format, OutputFormat::Png);
    assert_eq!(img.to_rgb8(), source);
    // A model that takes WebP gets it as it is.
    let veo = model("veo-3.1-generate-preview");
    let p = preflight_bytes(&webp, &Options::for_model(veo, None, None)).unwrap();
    assert_eq!((p.output.format, &p.bytes), (OutputFormat::Webp, &webp));
}

#[test]
fn transparency_never_reaches_wan() {
    let wan = model("wan3.0");
    let options = Options::for_model(wan, None, None);
    let p = preflight_bytes(&alpha_png(), &options).unwrap();
    let img = assert_meets_rules(wan, &options, (1000, 800), &p, "transparent PNG");
    assert_eq!(img.color(), image::ColorType::Rgb8);
    assert_eq!(
        p.output.format,
        OutputFormat::Png,
        "lossless stays lossless"
    );
    assert!(p
        .warnings
        .iter()
        .any(|w| w.code == WarningCode::TransparencyFlattened));
    // An alpha channel that is all opaque is still an alpha channel: removed for Wan, kept
    // for a model that takes transparency.
    let opaque = png(&image::DynamicImage::ImageRgba8(
        image::RgbaImage::from_pixel(600, 400, image::Rgba([10, 20, 30, 255])),
    ));
    let p = preflight_bytes(&opaque, &options).unwrap();
    let img = assert_meets_rules(wan, &options, (600, 400), &p, "opaque RGBA PNG");
    assert!(!img.color().has_alpha());
    assert!(!p.actions.contains(&Action::PassedThrough));
    let seedance = Options::for_model(model("seedance-2.0"), None, None);
    assert_eq!(preflight_bytes(&opaque, &seedance).unwrap().bytes, opaque);
}

#[test]
fn a_compliant_jpeg_for_seedance_passes_through() {
    let seedance = model("seedance-2.0");
    let options = Options::for_model(seedance, None, None);
    let plain = jpeg(1600, 1200, 6);
    let p = preflight_bytes(&plain, &options).unwrap();
    assert_eq!(p.bytes, plain, "byte for byte");
    assert_eq!(p.actions, vec![Action::PassedThrough]);
    assert_eq!(p.output.format, OutputFormat::Jpeg);
    assert_meets_rules(seedance, &options, (1600, 1200), &p, "compliant JPEG");

    // With a comment and EXIF: those are cut out, the compressed pixels are kept.
    let mut exif = b"Exif\0\0II*\0".to_vec();
    exif.extend_from_slice(&8u32.to_le_bytes());
    exif.extend_from_slice(&0u16.to_le_bytes());
    exif.extend_from_slice(&0u32.to_le_bytes());
    exif.extend_from_slice(b"SECRET-CAMERA");
    let tagged = with_segment(&with_segment(&plain, 0xFE, b"SECRET-COMMENT"), 0xE1, &exif);
    let p = preflight_bytes(&tagged, &options).unwrap();
    assert_eq!(
        p.actions,
        vec![Action::PassedThrough, Action::MetadataRemoved]
    );
    assert_eq!(p.bytes, plain, "the same file once the metadata is gone");
    assert!(!contains(&p.bytes, b"SECRET"));
    assert!(!jpeg_markers(&p.bytes)
        .iter()
        .any(|m| matches!(m, 0xE1 | 0xFE)));
}

/// The start of a HEIC file: an `ftyp` box naming the `heic` brand, then some boxes.
fn heic(len: usize) -> Vec<u8> {
    let mut data = vec![0, 0, 0, 0x18];
    data.extend_from_slice(b"ftypheic");
    data.extend_from_slice(&[0, 0, 0, 0]);
    data.extend_from_slice(b"mif1heic");
    data.resize(len, 0x42);
    data
}

#[test]
fn heic_is_refused_for_kling_and_passed_on_for_minimax() {
    let photo = heic(50_000);
    let kling = Options::for_model(model("kling-v3"), None, None);
    let e = preflight_bytes(&photo, &kling).unwrap_err();
    assert_eq!(e.code(), "heic");
    let msg = e.to_string();
    assert!(msg.contains("HEIC") && msg.contains("JPEG or PNG"), "{msg}");

    let minimax = model("minimax-h3");
    let options = Options {
        preview: true,
        ..Options::for_model(minimax, None, None)
    };
    let p = preflight_bytes(&photo, &options).unwrap();
    assert_eq!(p.bytes, photo, "unchanged");
    assert_eq!(p.output.format, OutputFormat::Heic);
    assert_eq!(p.output.mime, "image/heic");
    assert_eq!(p.output.format.extension(), "heic");
    assert_eq!(p.output.bytes, photo.len() as u64);
    assert_eq!(p.actions, vec![Action::PassedThrough]);
    assert!(p.preview.is_none() && p.source_preview.is_none());
    let warning = p
        .warnings
        .iter()
        .find(|w| w.code == WarningCode::NotChecked)
        .expect("said plainly that it was not checked");
    assert!(
        warning.message.english().contains("size"),
        "{}",
        warning.message
    );
    assert!(serde_json::to_value(&p).is_ok());

    // Over MiniMax's limit: nothing can make it smaller here.
    let huge = heic(minimax.picture_rules.max_bytes as usize + 1);
    let e = preflight_bytes(&huge, &options).unwrap_err();
    assert_eq!(e.code(), "heic_too_large");
    assert!(e.to_string().contains("MiniMax H3"), "{e}");
    // Sora, as ever, refuses it.
    assert_eq!(
        preflight_bytes(&photo, &Options::default())
            .unwrap_err()
            .code(),
        "heic"
    );
}

#[test]
fn fit_honours_focus_crop_and_framing() {
    let kling = model("kling-v3");
    let options = Options::for_model(kling, None, None);
    let hi = kling.picture_rules.max_ratio.unwrap();
    // A 3000x500 strip (ratio 6, Kling's limit is 2.5): red left, lime middle, blue right.
    let strip = image::RgbImage::from_fn(3000, 500, |x, _| {
        image::Rgb(match x {
            0..1000 => [255, 0, 0],
            1000..2000 => [0, 255, 0],
            _ => [0, 0, 255],
        })
    });
    let strip = png(&image::DynamicImage::ImageRgb8(strip));
    let run = |options: &Options| {
        let p = preflight_bytes(&strip, options).unwrap();
        let img = assert_meets_rules(kling, options, (3000, 500), &p, "strip").to_rgb8();
        (p, img)
    };
    // Centred by default.
    let (p, img) = run(&options);
    assert_eq!((p.output.width, p.output.height), (1250, 500));
    assert_eq!(p.region.x, 875);
    assert_eq!(colour_at(&img, 625, 250), Some(Colour::Lime));
    // Focus on the left edge.
    let (p, img) = run(&Options {
        focus: Some(Focus { x: 0.0, y: 0.5 }),
        ..options.clone()
    });
    assert_eq!(p.region.x, 0);
    assert_eq!(colour_at(&img, 100, 250), Some(Colour::Red));
    // A crop window on the right, already within the ratio range: shown as it is.
    let (p, img) = run(&Options {
        crop: Some(CropRect {
            x: 0.8,
            y: 0.0,
            width: 0.2,
            height: 1.0,
        }),
        ..options.clone()
    });
    assert_eq!((p.output.width, p.output.height), (600, 500));
    assert_eq!(colour_at(&img, 300, 250), Some(Colour::Blue));
    // "Fit": the whole strip, with black bars up to the nearest allowed ratio.
    let (p, img) = run(&Options {
        framing: Framing::Fit,
        ..options.clone()
    });
    assert_eq!((p.output.width, p.output.height), (3000, 1200));
    assert!((3000.0 / 1200.0 - hi).abs() < 1e-9);
    assert!(p.actions.contains(&Action::Padded));
    assert_eq!(colour_at(&img, 1500, 100), Some(Colour::Black));
    assert_eq!(colour_at(&img, 100, 600), Some(Colour::Red));
    assert_eq!(colour_at(&img, 2900, 600), Some(Colour::Blue));
}

/// A noisy PNG: nothing compresses it, so a tight byte limit must cost quality, then size.
fn noisy_png(w: u32, h: u32) -> Vec<u8> {
    let mut noise = Noise(0x1234_5678);
    let data: Vec<u8> = (0..w * h * 3).map(|_| noise.next() as u8).collect();
    png(&image::DynamicImage::ImageRgb8(
        image::RgbImage::from_raw(w, h, data).unwrap(),
    ))
}

#[test]
fn a_fit_target_steps_quality_down_then_shrinks_to_the_byte_limit() {
    let mut options = Options::for_model(model("kling-v3"), None, None);
    options.rules.max_bytes = 150_000;
    let data = noisy_png(1500, 1000);
    let p = preflight_bytes(&data, &options).unwrap();
    assert!(p.output.bytes <= 150_000, "{}", p.summary);
    assert_eq!(p.output.format, OutputFormat::Jpeg, "PNG cannot get there");
    let (w, h) = (p.output.width, p.output.height);
    assert!((300..1500).contains(&w) && h >= 300, "{w}x{h}");
    assert!(
        (w as f64 / h as f64 - 1.5).abs() < 0.01,
        "shape kept: {w}x{h}"
    );
    assert!(p.actions.contains(&Action::Scaled));
    let warned = |code| p.warnings.iter().any(|w| w.code == code);
    assert!(warned(WarningCode::ShrunkForSize), "{:?}", p.warnings);
    // Each smaller size starts again from the best quality.
    let quality = p.output.jpeg_quality.unwrap();
    assert_eq!(warned(WarningCode::QualityReduced), quality != 90);
    assert_eq!(
        image::load_from_memory(&p.bytes).unwrap().dimensions(),
        (w, h)
    );

    // Not below the shortest side: a limit nothing can meet is said plainly.
    options.rules.max_bytes = 2_000;
    let e = preflight_bytes(&data, &options).unwrap_err();
    assert_eq!(e.code(), "output_too_large");
    // An exact frame never shrinks.
    let mut sora = Options::default();
    sora.rules.max_bytes = 2_000;
    assert_eq!(
        preflight_bytes(&data, &sora).unwrap_err().code(),
        "output_too_large"
    );
}

#[test]
fn a_sideways_photo_comes_out_upright_for_a_fit_model() {
    // Stored 1200x800 with "turn 90 degrees clockwise to view": an 800x1200 portrait.
    let upright = image::RgbImage::from_fn(800, 1200, |_, y| {
        image::Rgb(if y < 600 { [255, 0, 0] } else { [0, 0, 255] })
    });
    let stored = image::imageops::rotate270(&upright);
    let mut plain = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 90)
        .encode_image(&stored)
        .unwrap();
    let data = with_segment(&plain, 0xE1, &exif_orientation(6));
    let grok = model("grok-imagine-video-1.0");
    let options = Options::for_model(grok, None, None);
    let p = preflight_bytes(&data, &options).unwrap();
    let img = assert_meets_rules(grok, &options, (800, 1200), &p, "sideways").to_rgb8();
    assert_eq!((p.output.width, p.output.height), (800, 1200));
    assert_eq!(p.output.orientation, Orientation::Portrait);
    assert!(p.actions.contains(&Action::Rotated));
    assert!(!p.actions.contains(&Action::Scaled));
    assert_eq!(colour_at(&img, 400, 100), Some(Colour::Red));
    assert_eq!(colour_at(&img, 400, 1100), Some(Colour::Blue));
    assert!(!contains(&p.bytes, b"Exif\0\0"));
}
