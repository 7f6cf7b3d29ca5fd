//! Decoding to packed RGB8, with transparency flattened onto white.
//!
//! JPEG goes through `jpeg-decoder` so it can be decoded at 1/2, 1/4 or 1/8 size straight from
//! the DCT coefficients ("shrink on load", as libvips does): a 24 MP photo headed for 1280x720
//! never exists at full size in memory. Everything else goes through the `image` crate with
//! `image::Limits` set, after its header has been checked against our own pixel limit.

use std::io::Cursor;

use crate::error::PreflightError;
use crate::{Limits, SourceFormat};

/// Pixels ready for resizing: packed RGB8, `width`x`height` in stored orientation.
pub(crate) struct Rgb {
    pub data: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

pub(crate) struct Decoded {
    pub rgb: Rgb,
    /// Some pixel was not fully opaque and was flattened onto white.
    pub flattened: bool,
    /// The file has an alpha channel (or a transparent colour), used or not.
    pub alpha_channel: bool,
    /// The source was CMYK (colours approximated without its profile).
    pub cmyk: bool,
    pub icc: Option<Vec<u8>>,
}

/// Header facts of a non-JPEG file, read without decoding pixels.
pub(crate) struct Header {
    pub width: u32,
    pub height: u32,
    /// EXIF orientation 1..=8.
    pub orientation: u8,
    pub has_exif: bool,
    pub has_gps: bool,
}

fn image_format(f: SourceFormat) -> Result<image::ImageFormat, PreflightError> {
    Ok(match f {
        SourceFormat::Jpeg => image::ImageFormat::Jpeg,
        SourceFormat::Png => image::ImageFormat::Png,
        SourceFormat::Webp => image::ImageFormat::WebP,
        SourceFormat::Gif => image::ImageFormat::Gif,
        SourceFormat::Bmp => image::ImageFormat::Bmp,
        SourceFormat::Tiff => image::ImageFormat::Tiff,
        // No HEIC decoder: such files are refused or passed on before any decoding.
        SourceFormat::Heic => return Err(PreflightError::Heic),
    })
}

fn image_limits(limits: &Limits) -> image::Limits {
    let mut l = image::Limits::default();
    // Width/height alone can't express a pixel budget; the budget is checked right after the
    // header is read, before any pixel buffer exists. These stop absurd single dimensions.
    l.max_image_width = Some(limits.max_dimension);
    l.max_image_height = Some(limits.max_dimension);
    l.max_alloc = Some(limits.max_decoder_bytes);
    l
}

pub(crate) fn map_image_error(e: image::ImageError, limits: &Limits) -> PreflightError {
    use image::error::{ImageError, LimitErrorKind};
    match e {
        ImageError::Limits(l) => match l.kind() {
            // Only the header was read; its exact numbers are not exposed by `image`.
            LimitErrorKind::DimensionError => PreflightError::TooManyPixels {
                width: 0,
                height: 0,
                max_pixels: limits.max_pixels,
            },
            _ => PreflightError::TooMuchMemory {
                detail: l.to_string(),
            },
        },
        ImageError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            PreflightError::Truncated
        }
        ImageError::Unsupported(u) => PreflightError::Unsupported {
            format: leak_kind(&u.to_string()),
        },
        other => {
            let text = other.to_string();
            let lower = text.to_ascii_lowercase();
            if lower.contains("eof") || lower.contains("end of file") || lower.contains("truncat") {
                PreflightError::Truncated
            } else {
                PreflightError::corrupt(text)
            }
        }
    }
}

/// Unsupported variants of supported formats get a fixed everyday name (the decoder's own
/// text is technical and not `'static`).
fn leak_kind(_detail: &str) -> &'static str {
    "an unusual variant of this picture format"
}

/// Open a non-JPEG decoder and read its header: dimensions and orientation, no pixels.
pub(crate) fn header(
    data: &[u8],
    format: SourceFormat,
    limits: &Limits,
) -> Result<Header, PreflightError> {
    use image::ImageDecoder;
    let mut reader = image::ImageReader::with_format(Cursor::new(data), image_format(format)?);
    reader.limits(image_limits(limits));
    let mut dec = reader
        .into_decoder()
        .map_err(|e| map_image_error(e, limits))?;
    let (width, height) = dec.dimensions();
    check_pixels(width as u64, height as u64, limits)?;
    let exif = dec.exif_metadata().ok().flatten();
    let facts = exif.as_deref().map(crate::exif::parse);
    let orientation = match dec.orientation() {
        Ok(o) => o.to_exif(),
        Err(_) => facts.map_or(1, |f| f.orientation),
    };
    Ok(Header {
        width,
        height,
        orientation,
        has_exif: exif.is_some(),
        has_gps: facts.is_some_and(|f| f.has_gps),
    })
}

pub(crate) fn check_pixels(w: u64, h: u64, limits: &Limits) -> Result<(), PreflightError> {
    if w == 0 || h == 0 {
        return Err(PreflightError::corrupt("picture with zero width or height"));
    }
    if w.saturating_mul(h) > limits.max_pixels
        || w > limits.max_dimension as u64
        || h > limits.max_dimension as u64
    {
        return Err(PreflightError::TooManyPixels {
            width: w,
            height: h,
            max_pixels: limits.max_pixels,
        });
    }
    Ok(())
}

/// Decode a non-JPEG picture (first frame of animations) to RGB8.
pub(crate) fn decode_other(
    data: &[u8],
    format: SourceFormat,
    limits: &Limits,
) -> Result<Decoded, PreflightError> {
    use image::ImageDecoder;
    let mut reader = image::ImageReader::with_format(Cursor::new(data), image_format(format)?);
    reader.limits(image_limits(limits));
    let mut dec = reader
        .into_decoder()
        .map_err(|e| map_image_error(e, limits))?;
    let (w, h) = dec.dimensions();
    check_pixels(w as u64, h as u64, limits)?;
    // `image` does not count the output buffer against `max_alloc` for every codec: check
    // the decoded size (and the RGB copy made from it) before anything is allocated.
    let need = dec.total_bytes().saturating_add(w as u64 * h as u64 * 3);
    if need > limits.max_decoder_bytes {
        return Err(PreflightError::TooMuchMemory {
            detail: format!("{w}x{h} needs {need} bytes to decode"),
        });
    }
    let icc = dec.icc_profile().ok().flatten();
    let img = image::DynamicImage::from_decoder(dec).map_err(|e| map_image_error(e, limits))?;
    let alpha_channel = img.color().has_alpha();
    let (rgb, flattened) = to_rgb_flat(img);
    Ok(Decoded {
        rgb,
        flattened,
        alpha_channel,
        cmyk: false,
        icc,
    })
}

/// Flatten onto white and drop alpha, reusing the buffer where possible.
fn to_rgb_flat(img: image::DynamicImage) -> (Rgb, bool) {
    use image::DynamicImage as D;
    let (width, height) = (img.width(), img.height());
    if !img.color().has_alpha() {
        let data = match img {
            D::ImageRgb8(b) => b.into_raw(),
            other => other.to_rgb8().into_raw(),
        };
        return (
            Rgb {
                data,
                width,
                height,
            },
            false,
        );
    }
    let mut data = match img {
        D::ImageRgba8(b) => b.into_raw(),
        other => other.to_rgba8().into_raw(),
    };
    let mut flattened = false;
    // In place: pixel i moves from 4i to 3i, never overtaking unread data.
    let n = data.len() / 4;
    for i in 0..n {
        let (r, g, b, a) = (
            data[4 * i],
            data[4 * i + 1],
            data[4 * i + 2],
            data[4 * i + 3],
        );
        let px = if a == 255 {
            [r, g, b]
        } else {
            flattened = true;
            let a = a as u32;
            let over = |c: u8| ((c as u32 * a + 255 * (255 - a) + 127) / 255) as u8;
            [over(r), over(g), over(b)]
        };
        data[3 * i..3 * i + 3].copy_from_slice(&px);
    }
    data.truncate(n * 3);
    data.shrink_to_fit();
    (
        Rgb {
            data,
            width,
            height,
        },
        flattened,
    )
}

/// Decode a JPEG at the smallest DCT scale (1/8, 1/4, 1/2 or 1) whose output still has at
/// least `min_w`x`min_h` pixels. Returns pixels at the reduced size.
pub(crate) fn decode_jpeg(
    data: &[u8],
    full_w: u16,
    full_h: u16,
    min_w: u32,
    min_h: u32,
    limits: &Limits,
) -> Result<Decoded, PreflightError> {
    let scaled = |len: u16, eighths: u32| -> u32 { (len as u32 * eighths).div_ceil(8) };
    let eighths = [1u32, 2, 4, 8]
        .into_iter()
        .find(|&s| scaled(full_w, s) >= min_w && scaled(full_h, s) >= min_h)
        .unwrap_or(8);
    let mut dec = jpeg_decoder::Decoder::new(Cursor::new(data));
    dec.set_max_decoding_buffer_size(limits.max_decoder_bytes.min(usize::MAX as u64) as usize);
    dec.read_info().map_err(map_jpeg_error)?;
    let info = dec
        .info()
        .ok_or_else(|| PreflightError::corrupt("JPEG header missing"))?;
    if (info.width, info.height) != (full_w, full_h) {
        return Err(PreflightError::corrupt("JPEG header changed between reads"));
    }
    // jpeg-decoder picks the first scale where *either* side reaches the request; asking for
    // exactly our scale's size on both sides makes that scale the one it picks.
    let (dw, dh) = if eighths < 8 {
        dec.scale(
            scaled(full_w, eighths) as u16,
            scaled(full_h, eighths) as u16,
        )
        .map_err(map_jpeg_error)?
    } else {
        (full_w, full_h)
    };
    let icc = dec.icc_profile();
    let pixels = dec.decode().map_err(map_jpeg_error)?;
    let info = dec
        .info()
        .ok_or_else(|| PreflightError::corrupt("JPEG header missing"))?;
    let (w, h) = (dw as usize, dh as usize);
    let n = w * h;
    use jpeg_decoder::PixelFormat as P;
    let need = n * info.pixel_format.pixel_bytes();
    if pixels.len() < need {
        return Err(PreflightError::Truncated);
    }
    let mut cmyk = false;
    let data = match info.pixel_format {
        P::RGB24 => {
            let mut p = pixels;
            p.truncate(n * 3);
            p
        }
        P::L8 => pixels[..n].iter().flat_map(|&l| [l, l, l]).collect(),
        P::L16 => pixels[..n * 2]
            .chunks_exact(2)
            .flat_map(|c| {
                let l = c[0]; // big-endian: high byte
                [l, l, l]
            })
            .collect(),
        P::CMYK32 => {
            cmyk = true;
            cmyk_to_rgb(pixels, n)
        }
    };
    Ok(Decoded {
        rgb: Rgb {
            data,
            width: dw as u32,
            height: dh as u32,
        },
        flattened: false,
        alpha_channel: false,
        cmyk,
        icc,
    })
}

/// jpeg-decoder hands out CMYK with 0 = no ink (Adobe's inverted storage already undone).
/// A plain device conversion; a CMYK ICC profile, if any, is not used (see `Warning`).
fn cmyk_to_rgb(mut p: Vec<u8>, n: usize) -> Vec<u8> {
    for i in 0..n {
        let (c, m, y, k) = (
            p[4 * i] as u32,
            p[4 * i + 1] as u32,
            p[4 * i + 2] as u32,
            p[4 * i + 3] as u32,
        );
        let ch = |v: u32| (((255 - v) * (255 - k) + 127) / 255) as u8;
        let px = [ch(c), ch(m), ch(y)];
        p[3 * i..3 * i + 3].copy_from_slice(&px);
    }
    p.truncate(n * 3);
    p
}

fn map_jpeg_error(e: jpeg_decoder::Error) -> PreflightError {
    use jpeg_decoder::Error as E;
    match e {
        E::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => PreflightError::Truncated,
        E::Io(io) => PreflightError::corrupt(io),
        E::Unsupported(u) => PreflightError::Unsupported {
            format: match u {
                jpeg_decoder::UnsupportedFeature::ArithmeticEntropyCoding => {
                    "arithmetic-coded JPEG"
                }
                jpeg_decoder::UnsupportedFeature::Hierarchical => "hierarchical JPEG",
                _ => "an unusual JPEG variant",
            },
        },
        E::Format(f) => {
            if f.contains("buffer size") || f.contains("exceeds") {
                PreflightError::TooMuchMemory { detail: f }
            } else {
                PreflightError::corrupt(f)
            }
        }
        other => PreflightError::corrupt(other),
    }
}
