//! Poster frames: a small JPEG still of a saved video, for its card in the gallery. It is made
//! once, here, when the video is saved, so the page never decodes a video to show a card (a
//! webview that grabs frames itself keeps hundreds of megabytes of decoder memory).
//!
//! Videos are MP4 files with an H.264 track, which is what EvoLink's models return. The track
//! is demuxed with `mp4` (the sample tables only; samples are read one at a time, so a large
//! video costs no more memory than a small one) and decoded with OpenH264 built from source.
//! Anything else (another container, HEVC, AV1) is [`StillError::Unsupported`]: the card shows
//! its placeholder instead.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use fast_image_resize as fir;
use openh264::decoder::{Decoder, DecoderConfig, Flush};
use openh264::formats::YUVSource;
use openh264::OpenH264API;

/// The longest side of a still, in pixels. Cards are at most about 320 CSS pixels wide, so
/// this is sharp on a screen of twice the density, and a still weighs tens of kilobytes.
pub const MAX_SIDE: u32 = 640;
/// Where in the video the still is taken: past a fade in from black, near the opening shot.
const AT_SECONDS: f64 = 0.5;
/// Samples decoded at most while looking for that moment (a long first GOP at a high frame
/// rate still ends the search early).
const MAX_SAMPLES: u32 = 60;
const JPEG_QUALITY: u8 = 82;

/// A JPEG still and its size in pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct Still {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum StillError {
    #[error("the video could not be read: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a video a still can be made of: {0}")]
    Unsupported(String),
    #[error("no frame of the video could be decoded: {0}")]
    Undecodable(String),
}

impl StillError {
    /// A stable code, kept with the task so a video that has no still is not tried again.
    pub fn code(&self) -> &'static str {
        match self {
            StillError::Io(_) => "video_unreadable",
            StillError::Unsupported(_) => "video_unsupported",
            StillError::Undecodable(_) => "video_undecodable",
        }
    }
}

/// A frame of decoded video, RGB, 8 bits per channel.
struct Frame {
    rgb: Vec<u8>,
    width: u32,
    height: u32,
}

/// The still of the video at `path`: its frame at about half a second (or its first frame, if
/// the video is shorter or later frames do not decode), at most [`MAX_SIDE`] on its longest side.
pub fn still_of(path: &Path) -> Result<Still, StillError> {
    let frame = frame_of(path)?;
    let (width, height) = fit(frame.width, frame.height, MAX_SIDE);
    let rgb = resize(&frame, width, height)?;
    Ok(Still {
        jpeg: encode_jpeg(&rgb, width, height)?,
        width,
        height,
    })
}

fn frame_of(path: &Path) -> Result<Frame, StillError> {
    let file = File::open(path)?;
    let size = file.metadata()?.len();
    let unsupported = |e: &dyn std::fmt::Display| StillError::Unsupported(e.to_string());
    let mut mp4 =
        mp4::Mp4Reader::read_header(BufReader::new(file), size).map_err(|e| unsupported(&e))?;
    let (track_id, timescale, length_size, count, parameter_sets) = {
        let track = mp4
            .tracks()
            .values()
            .find(|t| matches!(t.media_type(), Ok(mp4::MediaType::H264)))
            .ok_or_else(|| unsupported(&"no H.264 video track"))?;
        let avc = track
            .trak
            .mdia
            .minf
            .stbl
            .stsd
            .avc1
            .as_ref()
            .ok_or_else(|| unsupported(&"no avcC configuration"))?;
        // The parameter sets live in the track's header, not in the samples; the decoder
        // wants them in the stream, ahead of the first picture.
        let mut sets = Vec::new();
        for nal in avc
            .avcc
            .sequence_parameter_sets
            .iter()
            .chain(&avc.avcc.picture_parameter_sets)
        {
            sets.extend_from_slice(&[0, 0, 0, 1]);
            sets.extend_from_slice(&nal.bytes);
        }
        (
            track.track_id(),
            f64::from(track.timescale().max(1)),
            usize::from(avc.avcc.length_size_minus_one & 3) + 1,
            track.sample_count(),
            sets,
        )
    };

    let undecodable = |e: &dyn std::fmt::Display| StillError::Undecodable(e.to_string());
    let config = DecoderConfig::new().flush_after_decode(Flush::Flush);
    let mut decoder = Decoder::with_api_config(OpenH264API::from_source(), config)
        .map_err(|e| undecodable(&e))?;
    let mut packet = parameter_sets;
    let mut frame: Option<Frame> = None;
    let mut trouble = String::from("the video has no pictures");
    for n in 1..=count.min(MAX_SAMPLES) {
        let sample = match mp4.read_sample(track_id, n) {
            Ok(Some(sample)) => sample,
            Ok(None) => continue,
            Err(e) => {
                trouble = e.to_string();
                break;
            }
        };
        if n > 1 {
            packet.clear();
        }
        if let Err(e) = annex_b(&sample.bytes, length_size, &mut packet) {
            trouble = e;
            break;
        }
        match decoder.decode(&packet) {
            Ok(Some(yuv)) => {
                let (w, h) = yuv.dimensions();
                let reuse = frame.take().map(|f| f.rgb).unwrap_or_default();
                let mut rgb = reuse;
                rgb.resize(w * h * 3, 0);
                yuv.write_rgb8(&mut rgb);
                frame = Some(Frame {
                    rgb,
                    width: w as u32,
                    height: h as u32,
                });
            }
            Ok(None) => {}
            // A later picture the decoder cannot take (a coding tool it lacks): keep the
            // frame already made rather than none.
            Err(e) if frame.is_some() => {
                trouble = e.to_string();
                break;
            }
            Err(e) => trouble = e.to_string(),
        }
        let shown_at = sample
            .start_time
            .saturating_add_signed(i64::from(sample.rendering_offset))
            as f64
            / timescale;
        if frame.is_some() && shown_at >= AT_SECONDS {
            break;
        }
    }
    frame.ok_or(StillError::Undecodable(trouble))
}

/// Appends one MP4 sample (NAL units, each prefixed by its length) to `out` in the Annex B
/// form the decoder reads (each NAL unit after a start code).
fn annex_b(mut sample: &[u8], length_size: usize, out: &mut Vec<u8>) -> Result<(), String> {
    while !sample.is_empty() {
        if sample.len() < length_size {
            return Err("a sample ends inside a NAL unit's length".into());
        }
        let (prefix, rest) = sample.split_at(length_size);
        let len = prefix
            .iter()
            .fold(0usize, |n, b| (n << 8) | usize::from(*b));
        if len > rest.len() {
            return Err("a NAL unit is longer than its sample".into());
        }
        out.extend_from_slice(&[0, 0, 0, 1]);
        out.extend_from_slice(&rest[..len]);
        sample = &rest[len..];
    }
    Ok(())
}

/// `width` x `height` scaled to fit in a `max` square, never enlarged, at least 1x1.
fn fit(width: u32, height: u32, max: u32) -> (u32, u32) {
    let scale = (f64::from(max) / f64::from(width.max(height).max(1))).min(1.0);
    let side = |n: u32| ((f64::from(n) * scale).round() as u32).max(1);
    (side(width), side(height))
}

fn resize(frame: &Frame, width: u32, height: u32) -> Result<Vec<u8>, StillError> {
    let failed = |e: &dyn std::fmt::Display| StillError::Undecodable(format!("resize: {e}"));
    if (width, height) == (frame.width, frame.height) {
        return Ok(frame.rgb.clone());
    }
    let src =
        fir::images::ImageRef::new(frame.width, frame.height, &frame.rgb, fir::PixelType::U8x3)
            .map_err(|e| failed(&e))?;
    let mut dst = fir::images::Image::new(width, height, fir::PixelType::U8x3);
    let options = fir::ResizeOptions::new()
        .resize_alg(fir::ResizeAlg::Convolution(fir::FilterType::Lanczos3));
    fir::Resizer::new()
        .resize(&src, &mut dst, &options)
        .map_err(|e| failed(&e))?;
    Ok(dst.into_vec())
}

fn encode_jpeg(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, StillError> {
    let failed = |e: &dyn std::fmt::Display| StillError::Undecodable(format!("jpeg: {e}"));
    let mut out = Vec::with_capacity(rgb.len() / 10);
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, JPEG_QUALITY);
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
    // `fit` keeps both sides within MAX_SIDE, far below the encoder's 65,535.
    encoder
        .encode(
            rgb,
            width as u16,
            height as u16,
            jpeg_encoder::ColorType::Rgb,
        )
        .map_err(|e| failed(&e))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_keeps_the_shape_and_never_enlarges() {
        assert_eq!(fit(1280, 720, 640), (640, 360));
        assert_eq!(fit(720, 1280, 640), (360, 640));
        assert_eq!(fit(960, 960, 640), (640, 640));
        assert_eq!(fit(320, 180, 640), (320, 180));
    }

    #[test]
    fn annex_b_puts_a_start_code_before_each_nal_unit() {
        let mut out = Vec::new();
        annex_b(&[0, 0, 0, 2, 0x65, 0xAA, 0, 0, 0, 1, 0x41], 4, &mut out).unwrap();
        assert_eq!(out, [0, 0, 0, 1, 0x65, 0xAA, 0, 0, 0, 1, 0x41]);
        let mut out = Vec::new();
        assert!(annex_b(&[0, 0, 0, 9, 0x65], 4, &mut out).is_err());
        assert!(annex_b(&[0, 0], 4, &mut out).is_err());
    }
}
