//! Stills of real MP4 files: the sample clips the fake EvoLink serves, and videos made here of
//! known pictures (encoded with OpenH264, put in an MP4 with `mp4`), whose stills must show
//! those pictures.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use openh264::encoder::Encoder;
use openh264::formats::{RgbSliceU8, YUVBuffer};
use sora_poster::{still_of, StillError, MAX_SIDE};

fn asset(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../evolink-mock/assets")
        .join(name)
}

fn decode(jpeg: &[u8]) -> image::RgbImage {
    image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg)
        .expect("the still is a JPEG")
        .to_rgb8()
}

/// The NAL units of an Annex B stream (each without its start code).
fn nal_units(stream: &[u8]) -> Vec<&[u8]> {
    let mut starts = Vec::new();
    let mut i = 0;
    while i + 3 <= stream.len() {
        if stream[i..i + 3] == [0, 0, 1] {
            starts.push(i + 3);
            i += 3;
        } else {
            i += 1;
        }
    }
    starts
        .iter()
        .enumerate()
        .map(|(n, &start)| {
            let mut end = starts.get(n + 1).map_or(stream.len(), |&next| next - 3);
            // A four-byte start code leaves a zero before the next unit's three.
            while end > start && stream[end - 1] == 0 {
                end -= 1;
            }
            &stream[start..end]
        })
        .collect()
}

/// An MP4 of `frames` (RGB pictures of `width` x `height`), 24 per second.
fn mp4_of(frames: &[Vec<u8>], width: u16, height: u16) -> Vec<u8> {
    let mut encoder = Encoder::new().unwrap();
    let mut sps = Vec::new();
    let mut pps = Vec::new();
    let mut samples = Vec::new();
    for (n, rgb) in frames.iter().enumerate() {
        let yuv = YUVBuffer::from_rgb_source(RgbSliceU8::new(rgb, (width.into(), height.into())));
        let stream = encoder.encode(&yuv).unwrap().to_vec();
        let mut sample = Vec::new();
        let mut sync = false;
        for unit in nal_units(&stream) {
            match unit[0] & 0x1F {
                7 => sps = unit.to_vec(),
                8 => pps = unit.to_vec(),
                kind => {
                    sync |= kind == 5;
                    sample.extend_from_slice(&(unit.len() as u32).to_be_bytes());
                    sample.extend_from_slice(unit);
                }
            }
        }
        samples.push((n as u64, sync, sample));
    }
    let config = mp4::Mp4Config {
        major_brand: str::parse("isom").unwrap(),
        minor_version: 512,
        compatible_brands: vec![str::parse("isom").unwrap(), str::parse("avc1").unwrap()],
        timescale: 1000,
    };
    let mut writer = mp4::Mp4Writer::write_start(Cursor::new(Vec::new()), &config).unwrap();
    writer
        .add_track(&mp4::TrackConfig {
            track_type: mp4::TrackType::Video,
            timescale: 24,
            language: "und".into(),
            media_conf: mp4::MediaConfig::AvcConfig(mp4::AvcConfig {
                width,
                height,
                seq_param_set: sps,
                pic_param_set: pps,
            }),
        })
        .unwrap();
    for (n, sync, bytes) in samples {
        let sample = mp4::Mp4Sample {
            start_time: n,
            duration: 1,
            rendering_offset: 0,
            is_sync: sync,
            bytes: bytes.into(),
        };
        writer.write_sample(1, &sample).unwrap();
    }
    writer.write_end().unwrap();
    writer.into_writer().into_inner()
}

/// A picture whose left half is `left` and right half `right`.
fn halves(width: u16, height: u16, left: [u8; 3], right: [u8; 3]) -> Vec<u8> {
    let (w, h) = (usize::from(width), usize::from(height));
    let mut rgb = Vec::with_capacity(w * h * 3);
    for _ in 0..h {
        for x in 0..w {
            rgb.extend_from_slice(if x < w / 2 { &left } else { &right });
        }
    }
    rgb
}

fn close(pixel: &image::Rgb<u8>, expected: [u8; 3]) -> bool {
    pixel
        .0
        .iter()
        .zip(expected)
        .all(|(&a, b)| a.abs_diff(b) <= 24)
}

fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn a_still_shows_the_picture_at_half_a_second_not_the_first_frame() {
    // Red | blue for the first 6 frames (a quarter second), then green | white.
    let (w, h) = (320, 180);
    let mut frames = vec![halves(w, h, [220, 30, 30], [30, 30, 220]); 6];
    frames.extend(vec![halves(w, h, [30, 200, 30], [240, 240, 240]); 18]);
    let dir = tempfile::tempdir().unwrap();
    let video = write(&dir, "known.mp4", &mp4_of(&frames, w, h));

    let still = still_of(&video).unwrap();

    assert_eq!((still.width, still.height), (320, 180), "never enlarged");
    let picture = decode(&still.jpeg);
    assert_eq!(picture.dimensions(), (320, 180));
    let (left, right) = (picture.get_pixel(80, 90), picture.get_pixel(240, 90));
    assert!(close(left, [30, 200, 30]), "left half is green: {left:?}");
    assert!(
        close(right, [240, 240, 240]),
        "right half is white: {right:?}"
    );
}

#[test]
fn a_video_shorter_than_half_a_second_gives_its_last_frame() {
    let (w, h) = (160, 160);
    let frames = vec![halves(w, h, [240, 200, 20], [20, 20, 20]); 4];
    let dir = tempfile::tempdir().unwrap();
    let video = write(&dir, "short.mp4", &mp4_of(&frames, w, h));

    let picture = decode(&still_of(&video).unwrap().jpeg);
    assert!(close(picture.get_pixel(30, 80), [240, 200, 20]));
    assert!(close(picture.get_pixel(130, 80), [20, 20, 20]));
}

#[test]
fn the_sample_clips_give_small_stills_in_their_own_shape() {
    for (name, expected) in [("landscape.mp4", (640, 360)), ("portrait.mp4", (360, 640))] {
        let still = still_of(&asset(name)).unwrap();
        assert_eq!((still.width, still.height), expected, "{name}");
        assert!(still.width.max(still.height) <= MAX_SIDE);
        let picture = decode(&still.jpeg);
        assert_eq!(picture.dimensions(), expected, "{name}");
        // A real frame, not a flat fill: its pixels vary.
        let lumas: Vec<u32> = picture
            .pixels()
            .map(|p| p.0.iter().map(|&c| u32::from(c)).sum())
            .collect();
        let (min, max) = (lumas.iter().min().unwrap(), lumas.iter().max().unwrap());
        assert!(
            max - min > 150,
            "{name}: a picture with contrast, got {min}..{max}"
        );
        assert!(
            still.jpeg.len() < 120_000,
            "{name}: {} bytes",
            still.jpeg.len()
        );
    }
}

#[test]
fn what_is_not_an_h264_mp4_is_refused_with_a_code_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let video = std::fs::read(asset("landscape.mp4")).unwrap();
    let cases = [
        ("empty.mp4", Vec::new()),
        ("text.mp4", b"not a video at all, just words".to_vec()),
        ("picture.mp4", {
            let mut jpeg = Vec::new();
            image::RgbImage::new(8, 8)
                .write_to(&mut Cursor::new(&mut jpeg), image::ImageFormat::Jpeg)
                .unwrap();
            jpeg
        }),
        ("cut.mp4", video[..video.len() / 3].to_vec()),
    ];
    for (name, bytes) in cases {
        let path = write(&dir, name, &bytes);
        let error = still_of(&path).expect_err(name);
        assert!(
            matches!(
                error,
                StillError::Unsupported(_) | StillError::Undecodable(_)
            ),
            "{name}: {error:?}"
        );
        assert!(error.code().starts_with("video_"), "{name}");
    }
    let missing = still_of(&dir.path().join("gone.mp4")).unwrap_err();
    assert_eq!(missing.code(), "video_unreadable");
}
