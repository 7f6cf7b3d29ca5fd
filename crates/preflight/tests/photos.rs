//! Larger, photo-sized inputs made at test time: the reduced-size JPEG decoding path with
//! crops and EXIF rotation, and colour profiles.

mod common;

use common::*;
use sora_preflight::{preflight_bytes, Action, Options, Orientation};

/// Quadrants red / lime / blue / yellow (clockwise from top-left), `w`x`h`.
fn reference(w: u32, h: u32) -> image::RgbImage {
    image::RgbImage::from_fn(w, h, |x, y| {
        let right = x >= w / 2;
        let bottom = y >= h / 2;
        image::Rgb(match (right, bottom) {
            (false, false) => [255, 0, 0],
            (true, false) => [0, 255, 0],
            (false, true) => [0, 0, 255],
            (true, true) => [255, 255, 0],
        })
    })
}

fn encode_jpeg(img: &image::RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(img)
        .unwrap();
    out
}

fn corners(img: &image::RgbImage) -> [Option<Colour>; 4] {
    let (w, h) = img.dimensions();
    [
        colour_at(img, 60, 60),
        colour_at(img, w - 60, 60),
        colour_at(img, 60, h - 60),
        colour_at(img, w - 60, h - 60),
    ]
}

const UPRIGHT: [Option<Colour>; 4] = [
    Some(Colour::Red),
    Some(Colour::Lime),
    Some(Colour::Blue),
    Some(Colour::Yellow),
];

/// A 6 MP sideways phone photo: stored 3000x2000, shown 2000x3000. Decoded at reduced size
/// (the crop only needs 1/2), cropped, then turned upright.
#[test]
fn sideways_photo_is_decoded_small_cropped_and_turned_upright() {
    let upright = reference(2000, 3000);
    for (o, stored) in [
        (6u16, image::imageops::rotate270(&upright)),
        (8u16, image::imageops::rotate90(&upright)),
        (3u16, image::imageops::rotate180(&upright)),
    ] {
        let jpeg = with_segment(&encode_jpeg(&stored), 0xE1, &exif_orientation(o));
        let p = preflight_bytes(&jpeg, &Options::default()).unwrap();
        // Upright it is 2000x3000 whatever the stored orientation: portrait.
        assert_eq!(
            p.output.orientation,
            Orientation::Portrait,
            "orientation {o}"
        );
        assert_eq!(p.source.upright_width, 2000, "orientation {o}");
        let img = pixels(&p);
        assert_eq!(corners(&img), UPRIGHT, "orientation {o}");
        // The quadrant boundary stays in the middle: the crop is centred.
        let (w, h) = img.dimensions();
        assert_eq!(
            colour_at(&img, w / 2 - 20, h / 4),
            Some(Colour::Red),
            "orientation {o}"
        );
        assert_eq!(
            colour_at(&img, w / 2 + 20, h / 4),
            Some(Colour::Lime),
            "orientation {o}"
        );
        assert!(p.actions.contains(&Action::Rotated));
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    }
}

#[test]
fn fit_on_a_large_photo_pads_the_sides() {
    // 3000x3000 into 1280x720: a 720x720 square with bars left and right.
    let jpeg = encode_jpeg(&reference(3000, 3000));
    let p = preflight_bytes(
        &jpeg,
        &Options {
            framing: sora_preflight::Framing::Fit,
            ..Options::default()
        },
    )
    .unwrap();
    let img = pixels(&p);
    assert_eq!(colour_at(&img, 100, 360), Some(Colour::Black));
    assert_eq!(colour_at(&img, 1180, 360), Some(Colour::Black));
    assert_eq!(colour_at(&img, 300, 40), Some(Colour::Red));
    assert_eq!(colour_at(&img, 980, 40), Some(Colour::Lime));
    assert_eq!(colour_at(&img, 300, 680), Some(Colour::Blue));
    assert_eq!(colour_at(&img, 980, 680), Some(Colour::Yellow));
}

fn with_icc(jpeg: &[u8], icc: &[u8]) -> Vec<u8> {
    let mut payload = b"ICC_PROFILE\0\x01\x01".to_vec();
    payload.extend_from_slice(icc);
    with_segment(jpeg, 0xE2, &payload)
}

#[test]
fn wide_gamut_profile_is_converted_to_srgb() {
    let p3 = moxcms::ColorProfile::new_display_p3().encode().unwrap();
    let original = fixture("compliant.jpg");
    let tagged = with_icc(&original, &p3);
    let p = preflight_bytes(&tagged, &Options::default()).unwrap();
    // Right size and format, but its colours are Display P3: not passed through.
    assert!(
        p.actions.contains(&Action::ColourConverted),
        "{:?}",
        p.actions
    );
    assert!(!p.actions.contains(&Action::PassedThrough));
    assert!(
        !contains(&p.bytes, b"ICC_PROFILE"),
        "the output is plain sRGB"
    );

    // The output equals the source pixels taken through P3 -> sRGB (JPEG tolerance).
    let src = image::load_from_memory(&original).unwrap().to_rgb8();
    let srgb = moxcms::ColorProfile::new_srgb();
    let t = moxcms::ColorProfile::new_from_slice(&p3)
        .unwrap()
        .create_transform_8bit(
            moxcms::Layout::Rgb,
            &srgb,
            moxcms::Layout::Rgb,
            moxcms::TransformOptions::default(),
        )
        .unwrap();
    let out = pixels(&p);
    let mut moved = 0;
    for (x, y) in [(100, 100), (640, 360), (1200, 650), (300, 600)] {
        let before = patch(&src, x, y);
        let mut expected = [0u8; 3];
        t.transform(&before, &mut expected).unwrap();
        let got = patch(&out, x, y);
        for c in 0..3 {
            assert!(
                got[c].abs_diff(expected[c]) <= 6,
                "at ({x},{y}): before {before:?} expected {expected:?} got {got:?}"
            );
        }
        if (0..3).any(|c| before[c].abs_diff(expected[c]) > 6) {
            moved += 1;
        }
    }
    assert!(moved > 0, "the probe points must actually change colour");
}

#[test]
fn srgb_profile_does_not_prevent_pass_through() {
    let srgb = moxcms::ColorProfile::new_srgb().encode().unwrap();
    let tagged = with_icc(&fixture("compliant.jpg"), &srgb);
    let p = preflight_bytes(&tagged, &Options::default()).unwrap();
    assert_eq!(p.actions, vec![Action::PassedThrough]);
    assert_eq!(
        p.bytes, tagged,
        "an ICC profile is colour, not private: kept"
    );
}
