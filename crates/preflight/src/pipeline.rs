//! The preflight pipeline: facts, plan, pass-through or decode-resize-encode, description.

use fast_image_resize as fir;

use crate::chunks;
use crate::color::{self, ColourOutcome};
use crate::decode::{self, Decoded, Rgb};
use crate::geometry::{self, RectF};
use crate::jpeg;
use crate::*;

/// Everything known about the source before decoding pixels.
struct Facts {
    format: SourceFormat,
    width: u32,
    height: u32,
    orientation: u8,
    has_metadata: bool,
    has_gps: bool,
    animated: bool,
    cmyk: bool,
    lossless: bool,
    /// Container walk of PNG/WebP, for a lossless metadata strip.
    container: Option<chunks::ContainerInfo>,
    jpeg: Option<jpeg::JpegInfo>,
}

pub(crate) fn run(data: &[u8], opts: &Options) -> Result<Prepared, PreflightError> {
    let limits = &opts.limits;
    if data.len() as u64 > limits.max_file_bytes {
        return Err(PreflightError::FileTooLarge {
            bytes: data.len() as u64,
            max: limits.max_file_bytes,
        });
    }
    let format = crate::sniff::sniff(data)?;
    let facts = facts(data, format, limits)?;

    let (ow, oh) = geometry::oriented_dims(facts.width, facts.height, facts.orientation);
    let target = opts.orientation.unwrap_or(if ow >= oh {
        Orientation::Landscape
    } else {
        Orientation::Portrait
    });
    let (tw, th) = target.size();

    let source = SourceInfo {
        format,
        width: facts.width,
        height: facts.height,
        upright_width: ow,
        upright_height: oh,
        exif_orientation: facts.orientation,
        bytes: data.len() as u64,
        had_location: facts.has_gps,
    };

    if let Some(p) = try_pass_through(data, &facts, &source, target, opts)? {
        return Ok(p);
    }
    transform(data, facts, source, target, (tw, th), opts)
}

fn facts(data: &[u8], format: SourceFormat, limits: &Limits) -> Result<Facts, PreflightError> {
    match format {
        SourceFormat::Jpeg => {
            let info = jpeg::scan(data)?;
            decode::check_pixels(info.width as u64, info.height as u64, limits)?;
            // A progressive JPEG keeps every DCT coefficient of the full-size picture until
            // the last scan (2 bytes per sample), whatever the output scale.
            let coefficients = info.width as u64 * info.height as u64 * info.components as u64 * 2;
            if info.progressive() && coefficients > limits.max_decoder_bytes {
                return Err(PreflightError::TooMuchMemory {
                    detail: format!("progressive JPEG needs {coefficients} bytes of coefficients"),
                });
            }
            Ok(Facts {
                format,
                width: info.width as u32,
                height: info.height as u32,
                orientation: info.orientation,
                has_metadata: info.has_metadata,
                has_gps: info.has_gps,
                animated: false,
                cmyk: info.components == 4,
                lossless: false,
                container: None,
                jpeg: Some(info),
            })
        }
        SourceFormat::Png | SourceFormat::Webp => {
            let c = if format == SourceFormat::Png {
                chunks::png_scan(data)?
            } else {
                chunks::webp_scan(data)?
            };
            // The container's own numbers first: refuse a bomb before any decoder runs.
            if c.width > 0 && c.height > 0 {
                decode::check_pixels(c.width as u64, c.height as u64, limits)?;
            }
            let h = decode::header(data, format, limits)?;
            Ok(Facts {
                format,
                width: h.width,
                height: h.height,
                orientation: if c.orientation != 1 {
                    c.orientation
                } else {
                    h.orientation
                },
                has_metadata: c.has_metadata || h.has_exif,
                has_gps: c.has_gps || h.has_gps,
                animated: c.animated,
                cmyk: false,
                lossless: c.lossless,
                container: Some(c),
                jpeg: None,
            })
        }
        SourceFormat::Gif | SourceFormat::Bmp | SourceFormat::Tiff => {
            if let Some((w, h)) = (format == SourceFormat::Bmp)
                .then(|| bmp_dims(data))
                .flatten()
            {
                // The BMP decoder calls absurd sizes "corrupt"; say what it really is.
                decode::check_pixels(w, h, limits)?;
            }
            let h = decode::header(data, format, limits)?;
            Ok(Facts {
                format,
                width: h.width,
                height: h.height,
                orientation: h.orientation,
                has_metadata: h.has_exif,
                has_gps: h.has_gps,
                // GIFs are treated as possibly animated: only the first frame is read.
                animated: format == SourceFormat::Gif && gif_is_animated(data),
                cmyk: false,
                lossless: true,
                container: None,
                jpeg: None,
            })
        }
    }
}

/// Width and height from a BMP header (OS/2 or Windows DIB), before any decoder sees it.
fn bmp_dims(data: &[u8]) -> Option<(u64, u64)> {
    let dib = u32::from_le_bytes(data.get(14..18)?.try_into().ok()?);
    if dib == 12 {
        let w = u16::from_le_bytes(data.get(18..20)?.try_into().ok()?);
        let h = u16::from_le_bytes(data.get(20..22)?.try_into().ok()?);
        return Some((w as u64, h as u64));
    }
    let w = i32::from_le_bytes(data.get(18..22)?.try_into().ok()?);
    let h = i32::from_le_bytes(data.get(22..26)?.try_into().ok()?);
    Some((w.unsigned_abs() as u64, h.unsigned_abs() as u64))
}

/// More than one image descriptor (0x2C) in the block stream; a cheap structural walk.
fn gif_is_animated(data: &[u8]) -> bool {
    let Some(flags) = data.get(10) else {
        return false;
    };
    let mut pos = 13;
    if flags & 0x80 != 0 {
        pos += 3 * (1usize << ((flags & 7) + 1));
    }
    let skip_sub_blocks = |mut pos: usize| -> Option<usize> {
        loop {
            let n = *data.get(pos)? as usize;
            pos += 1 + n;
            if n == 0 {
                return Some(pos);
            }
        }
    };
    let mut frames = 0;
    while let Some(&b) = data.get(pos) {
        match b {
            0x21 => match skip_sub_blocks(pos + 2) {
                Some(p) => pos = p,
                None => break,
            },
            0x2C => {
                frames += 1;
                if frames > 1 {
                    return true;
                }
                let Some(&f) = data.get(pos + 9) else { break };
                pos += 10;
                if f & 0x80 != 0 {
                    pos += 3 * (1usize << ((f & 7) + 1));
                }
                match skip_sub_blocks(pos + 1) {
                    Some(p) => pos = p,
                    None => break,
                }
            }
            _ => break,
        }
    }
    false
}

fn decode_full(data: &[u8], facts: &Facts, limits: &Limits) -> Result<Decoded, PreflightError> {
    match &facts.jpeg {
        Some(j) => decode::decode_jpeg(data, j.width, j.height, u32::MAX, u32::MAX, limits),
        None => decode::decode_other(data, facts.format, limits),
    }
}

/// Already the right size, format and shape: keep the encoded pixels.
fn try_pass_through(
    data: &[u8],
    facts: &Facts,
    source: &SourceInfo,
    target: Orientation,
    opts: &Options,
) -> Result<Option<Prepared>, PreflightError> {
    let out_format = match facts.format {
        SourceFormat::Jpeg => OutputFormat::Jpeg,
        SourceFormat::Png => OutputFormat::Png,
        SourceFormat::Webp => OutputFormat::Webp,
        _ => return Ok(None),
    };
    if (facts.width, facts.height) != target.size()
        || facts.orientation != 1
        || facts.animated
        || facts.cmyk
    {
        return Ok(None);
    }
    // Lossless metadata removal: segments/chunks dropped, encoded pixels copied as they are.
    let stripped = match (&facts.jpeg, &facts.container) {
        (Some(j), _) if j.has_metadata => Some(jpeg::strip(data, j)),
        (_, Some(c)) if c.has_metadata && facts.format == SourceFormat::Png => {
            Some(chunks::png_strip(data, c))
        }
        (_, Some(c)) if c.has_metadata => Some(chunks::webp_strip(data, c)),
        _ => None,
    };
    let bytes: &[u8] = stripped.as_deref().unwrap_or(data);
    if bytes.len() as u64 > MAX_OUTPUT_BYTES {
        return Ok(None);
    }
    // Decode it all the same: a damaged file must not be uploaded, transparency must not
    // reach Sora, a wide-gamut profile means re-encoding in sRGB, and the preview needs pixels.
    let decoded = decode_full(data, facts, &opts.limits)?;
    if decoded.flattened
        || decoded
            .icc
            .as_deref()
            .is_some_and(|icc| !color::is_srgb_equivalent(icc))
        || (decoded.rgb.width, decoded.rgb.height) != target.size()
    {
        return Ok(None);
    }
    let mut actions = vec![Action::PassedThrough];
    if stripped.is_some() {
        actions.push(Action::MetadataRemoved);
    }
    let (w, h) = target.size();
    let size = bytes.len() as u64;
    let summary = if stripped.is_some() {
        format!(
            "Already {w}x{h} {}; removed hidden metadata{} without re-compressing, {}",
            facts.format.name(),
            if facts.has_gps {
                " (including location)"
            } else {
                ""
            },
            human_bytes(size)
        )
    } else {
        format!(
            "Already {w}x{h} {}, used as is, {}",
            facts.format.name(),
            human_bytes(size)
        )
    };
    let preview = opts
        .preview
        .then(|| make_preview(&decoded.rgb))
        .transpose()?;
    // Passed through: the picture as received is the result.
    let source_preview = preview.clone();
    Ok(Some(Prepared {
        bytes: bytes.to_vec(),
        source: source.clone(),
        output: OutputInfo {
            format: out_format,
            mime: out_format.mime().into(),
            width: w,
            height: h,
            orientation: target,
            bytes: size,
            jpeg_quality: None,
        },
        region: PixelRect {
            x: 0,
            y: 0,
            width: w,
            height: h,
        },
        actions,
        warnings: vec![],
        summary,
        preview,
        source_preview,
    }))
}

fn transform(
    data: &[u8],
    facts: Facts,
    source: SourceInfo,
    target: Orientation,
    (tw, th): (u32, u32),
    opts: &Options,
) -> Result<Prepared, PreflightError> {
    let o = facts.orientation;
    let (ow, oh) = (source.upright_width, source.upright_height);
    let (owf, ohf) = (ow as f64, oh as f64);

    // 1. The window of the upright picture that will be shown, and its size in the output.
    let (window, dest_w, dest_h) = match opts.framing {
        Framing::Fill => {
            let win = match (opts.crop, opts.focus) {
                (Some(c), _) => geometry::rect_window(
                    owf,
                    ohf,
                    tw as f64,
                    th as f64,
                    RectF {
                        x: c.x,
                        y: c.y,
                        w: c.width,
                        h: c.height,
                    },
                ),
                (None, Some(f)) => {
                    geometry::fill_window(owf, ohf, tw as f64, th as f64, (f.x, f.y))
                }
                (None, None) => geometry::fill_window(owf, ohf, tw as f64, th as f64, (0.5, 0.5)),
            };
            (win, tw, th)
        }
        Framing::Fit => {
            let (fw, fh) = geometry::fit_size(ow, oh, tw, th);
            (
                RectF {
                    x: 0.0,
                    y: 0.0,
                    w: owf,
                    h: ohf,
                },
                fw,
                fh,
            )
        }
    };

    // 2. The same in stored (file) orientation: resize first, rotate the small result after.
    let stored_win =
        geometry::oriented_to_stored(window, facts.width as f64, facts.height as f64, o);
    let (sdw, sdh) = if geometry::swaps_axes(o) {
        (dest_h, dest_w)
    } else {
        (dest_w, dest_h)
    };

    // 3. Decode, at reduced size when the JPEG allows it.
    let decoded = match &facts.jpeg {
        Some(j) => {
            let f = (sdw as f64 / stored_win.w).max(sdh as f64 / stored_win.h);
            let min_w = (facts.width as f64 * f).ceil() as u32;
            let min_h = (facts.height as f64 * f).ceil() as u32;
            decode::decode_jpeg(data, j.width, j.height, min_w, min_h, &opts.limits)?
        }
        None => decode::decode_other(data, facts.format, &opts.limits)?,
    };
    let source_preview = opts
        .preview
        .then(|| upright_preview(&decoded.rgb, o))
        .transpose()?;
    let sx = decoded.rgb.width as f64 / facts.width as f64;
    let sy = decoded.rgb.height as f64 / facts.height as f64;
    let crop = RectF {
        x: stored_win.x * sx,
        y: stored_win.y * sy,
        w: (stored_win.w * sx).max(1e-3),
        h: (stored_win.h * sy).max(1e-3),
    };

    // 4. Crop + resize (Lanczos3), then orient.
    let resized = resize(&decoded.rgb, crop, sdw, sdh)?;
    let (mut pixels, rw, rh) = geometry::orient_rgb(&resized.data, sdw, sdh, o);
    debug_assert_eq!((rw, rh), (dest_w, dest_h));

    // 5. Pad for "fit".
    let padded = (dest_w, dest_h) != (tw, th);
    if padded {
        let mut canvas = vec![0u8; (tw * th * 3) as usize];
        let (x0, y0) = ((tw - dest_w) / 2, (th - dest_h) / 2);
        for row in 0..dest_h {
            let d = (((y0 + row) * tw + x0) * 3) as usize;
            let s = (row * dest_w * 3) as usize;
            canvas[d..d + (dest_w * 3) as usize]
                .copy_from_slice(&pixels[s..s + (dest_w * 3) as usize]);
        }
        pixels = canvas;
    }
    let out = Rgb {
        data: pixels,
        width: tw,
        height: th,
    };
    drop(decoded.rgb);

    // 6. Colour.
    let mut actions = Vec::new();
    let mut warnings = Vec::new();
    let mut out = out;
    let mut colour_converted = false;
    if decoded.cmyk {
        warnings.push(Warning {
            code: WarningCode::CmykApproximated,
            message: "This picture was made for print (CMYK); its colours were converted for screens and may look slightly different.".into(),
        });
    } else if let Some(icc) = decoded.icc.as_deref() {
        match color::to_srgb(icc, &mut out.data) {
            ColourOutcome::Converted => colour_converted = true,
            ColourOutcome::AlreadySrgb => {}
            ColourOutcome::Ignored => warnings.push(Warning {
                code: WarningCode::ColourProfileIgnored,
                message: "The picture's colour profile could not be used; colours may look slightly different.".into(),
            }),
        }
    }

    // 7. Describe.
    if o != 1 {
        actions.push(Action::Rotated);
    }
    let cropped = opts.framing == Framing::Fill && (window.w < owf - 0.5 || window.h < ohf - 0.5);
    if cropped {
        actions.push(Action::Cropped);
    }
    let scaled = (window.w - dest_w as f64).abs() > 0.5 || (window.h - dest_h as f64).abs() > 0.5;
    if scaled {
        actions.push(Action::Scaled);
    }
    let upscaled = window.w + 0.5 < dest_w as f64 || window.h + 0.5 < dest_h as f64;
    if upscaled {
        warnings.push(Warning {
            code: WarningCode::Upscaled,
            message: format!(
                "The picture is smaller than {tw}x{th}, so it was enlarged and may look soft."
            ),
        });
    }
    if padded {
        actions.push(Action::Padded);
    }
    if decoded.flattened {
        actions.push(Action::Flattened);
        warnings.push(Warning {
            code: WarningCode::TransparencyFlattened,
            message: "Transparent areas were filled with white.".into(),
        });
    }
    if colour_converted {
        actions.push(Action::ColourConverted);
    }
    if facts.has_metadata {
        actions.push(Action::MetadataRemoved);
    }
    if facts.animated {
        warnings.push(Warning {
            code: WarningCode::FirstFrameOnly,
            message: "This is an animation; only its first frame is used.".into(),
        });
    }
    actions.push(Action::ReEncoded);

    // 8. Encode.
    let want_png = match opts.output {
        OutputPreference::Png => true,
        OutputPreference::Jpeg => false,
        OutputPreference::Auto => facts.lossless,
    };
    let (bytes, format, quality) = encode(&out, want_png, &mut warnings)?;

    let preview = opts.preview.then(|| make_preview(&out)).transpose()?;
    let summary = summary(&source, &actions, tw, th, padded, bytes.len() as u64);
    let region = PixelRect {
        x: window.x.round() as u32,
        y: window.y.round() as u32,
        width: (window.w.round() as u32).max(1),
        height: (window.h.round() as u32).max(1),
    };
    Ok(Prepared {
        output: OutputInfo {
            format,
            mime: format.mime().into(),
            width: tw,
            height: th,
            orientation: target,
            bytes: bytes.len() as u64,
            jpeg_quality: quality,
        },
        bytes,
        source,
        region,
        actions,
        warnings,
        summary,
        preview,
        source_preview,
    })
}

fn summary(
    source: &SourceInfo,
    actions: &[Action],
    tw: u32,
    th: u32,
    padded: bool,
    bytes: u64,
) -> String {
    let (w, h) = (source.upright_width, source.upright_height);
    let has = |a: Action| actions.contains(&a);
    let verb = if padded {
        "Fitted"
    } else if has(Action::Cropped) {
        "Cropped"
    } else if has(Action::Scaled) {
        if w < tw {
            "Enlarged"
        } else {
            "Resized"
        }
    } else {
        "Re-encoded"
    };
    let mut s = String::new();
    if has(Action::Rotated) {
        s.push_str("Turned upright, ");
        s.push_str(&verb.to_lowercase());
    } else {
        s.push_str(verb);
    }
    let joiner = if padded { "into" } else { "to" };
    s.push_str(&format!(" {w}x{h} {joiner} {tw}x{th}"));
    if padded {
        s.push_str(" with black bars");
    }
    if has(Action::Flattened) {
        s.push_str(", transparency filled with white");
    }
    if source.had_location {
        s.push_str(", location removed");
    }
    s.push_str(&format!(", {}", human_bytes(bytes)));
    s
}

fn resize(src: &Rgb, crop: RectF, w: u32, h: u32) -> Result<Rgb, PreflightError> {
    let internal = |e: &dyn std::fmt::Display| PreflightError::Internal {
        detail: format!("resize: {e}"),
    };
    // fast_image_resize wants a mutable-or-owned buffer; borrow via a typed view instead.
    let src_view =
        fir::images::ImageRef::new(src.width, src.height, &src.data, fir::PixelType::U8x3)
            .map_err(|e| internal(&e))?;
    let mut dst = fir::images::Image::new(w, h, fir::PixelType::U8x3);
    let crop = RectF {
        x: crop.x.clamp(0.0, src.width as f64),
        y: crop.y.clamp(0.0, src.height as f64),
        w: crop
            .w
            .min(src.width as f64 - crop.x.clamp(0.0, src.width as f64))
            .max(1e-3),
        h: crop
            .h
            .min(src.height as f64 - crop.y.clamp(0.0, src.height as f64))
            .max(1e-3),
    };
    let options = fir::ResizeOptions::new()
        .resize_alg(fir::ResizeAlg::Convolution(fir::FilterType::Lanczos3))
        .crop(crop.x, crop.y, crop.w, crop.h);
    fir::Resizer::new()
        .resize(&src_view, &mut dst, &options)
        .map_err(|e| internal(&e))?;
    Ok(Rgb {
        data: dst.into_vec(),
        width: w,
        height: h,
    })
}

fn encode_jpeg(img: &Rgb, quality: u8) -> Result<Vec<u8>, PreflightError> {
    let mut out = Vec::with_capacity(img.data.len() / 8);
    let mut enc = jpeg_encoder::Encoder::new(&mut out, quality);
    // 4:2:0 chroma, as cameras write it: smaller and faster than 4:4:4, and Sora works from
    // the picture's content, not from fine colour edges.
    enc.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
    let (w, h) = (
        u16::try_from(img.width).map_err(|_| internal_size())?,
        u16::try_from(img.height).map_err(|_| internal_size())?,
    );
    enc.encode(&img.data, w, h, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| PreflightError::Internal {
            detail: format!("jpeg encode: {e}"),
        })?;
    Ok(out)
}

fn internal_size() -> PreflightError {
    PreflightError::Internal {
        detail: "image too large for the JPEG encoder".into(),
    }
}

fn encode_png(img: &Rgb) -> Result<Vec<u8>, PreflightError> {
    use image::ImageEncoder;
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(
            &img.data,
            img.width,
            img.height,
            image::ExtendedColorType::Rgb8,
        )
        .map_err(|e| PreflightError::Internal {
            detail: format!("png encode: {e}"),
        })?;
    Ok(out)
}

/// Encode within the size cap: PNG if wanted and small enough, else JPEG at 90, stepping down.
fn encode(
    img: &Rgb,
    want_png: bool,
    warnings: &mut Vec<Warning>,
) -> Result<(Vec<u8>, OutputFormat, Option<u8>), PreflightError> {
    if want_png {
        let png = encode_png(img)?;
        if png.len() as u64 <= MAX_OUTPUT_BYTES {
            return Ok((png, OutputFormat::Png, None));
        }
    }
    for q in [JPEG_QUALITY, 85, 80, 70, 60, 50] {
        let jpg = encode_jpeg(img, q)?;
        if jpg.len() as u64 <= MAX_OUTPUT_BYTES {
            if q != JPEG_QUALITY {
                warnings.push(Warning {
                    code: WarningCode::QualityReduced,
                    message: format!("Compression quality was lowered to {q} to stay under 10 MB."),
                });
            }
            return Ok((jpg, OutputFormat::Jpeg, Some(q)));
        }
    }
    Err(PreflightError::OutputTooLarge {
        max: MAX_OUTPUT_BYTES,
    })
}

fn make_preview(img: &Rgb) -> Result<Preview, PreflightError> {
    upright_preview(img, 1)
}

/// A small JPEG of a whole picture stored with EXIF `orientation`, shown upright. Resized
/// first, turned after, so turning costs nothing.
fn upright_preview(img: &Rgb, orientation: u8) -> Result<Preview, PreflightError> {
    let (w, h) = geometry::fit_size(img.width, img.height, PREVIEW_MAX_SIDE, PREVIEW_MAX_SIDE);
    let small = resize(
        img,
        RectF {
            x: 0.0,
            y: 0.0,
            w: img.width as f64,
            h: img.height as f64,
        },
        w,
        h,
    )?;
    let (data, width, height) = geometry::orient_rgb(&small.data, w, h, orientation);
    Ok(Preview {
        width,
        height,
        jpeg: encode_jpeg(
            &Rgb {
                data,
                width,
                height,
            },
            80,
        )?,
    })
}
