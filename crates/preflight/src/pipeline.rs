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
    let format = match crate::sniff::sniff(data) {
        Ok(format) => format,
        Err(PreflightError::Heic) if opts.rules.formats.contains(&PictureFormat::Heic) => {
            return heic_as_is(data, opts);
        }
        Err(e) => return Err(e),
    };
    let facts = facts(data, format, limits)?;

    let (ow, oh) = geometry::oriented_dims(facts.width, facts.height, facts.orientation);
    let plan = match opts.target {
        Target::Exact {
            landscape,
            portrait,
        } => {
            let frame = match opts.orientation.unwrap_or(Orientation::of(ow, oh)) {
                Orientation::Landscape => landscape,
                Orientation::Portrait => portrait,
            };
            exact_plan(ow, oh, frame, opts)
        }
        Target::Fit => fit_plan(ow, oh, facts.jpeg.is_some(), opts)?,
    };

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

    if let Some(p) = try_pass_through(data, &facts, &source, &plan, opts)? {
        return Ok(p);
    }
    transform(data, facts, source, plan, opts)
}

/// A HEIC photo for a model that takes HEIC: there is no decoder, so it goes as it is.
fn heic_as_is(data: &[u8], opts: &Options) -> Result<Prepared, PreflightError> {
    let bytes = data.len() as u64;
    if bytes > opts.rules.max_bytes {
        return Err(PreflightError::HeicTooLarge {
            bytes,
            max: opts.rules.max_bytes,
            model: opts.model_name.clone(),
        });
    }
    let format = OutputFormat::Heic;
    Ok(Prepared {
        bytes: data.to_vec(),
        source: SourceInfo {
            format: SourceFormat::Heic,
            width: 0,
            height: 0,
            upright_width: 0,
            upright_height: 0,
            exif_orientation: 1,
            bytes,
            had_location: false,
        },
        output: OutputInfo {
            format,
            mime: format.mime().into(),
            width: 0,
            height: 0,
            orientation: Orientation::Landscape,
            bytes,
            jpeg_quality: None,
        },
        region: PixelRect {
            x: 0,
            y: 0,
            width: 0,
            height: 0,
        },
        actions: vec![Action::PassedThrough],
        warnings: vec![Warning {
            code: WarningCode::NotChecked,
            message: Words::new("picture.warning.not_checked"),
        }],
        summary: Words::new("picture.summary.heic").with("bytes", bytes),
        preview: None,
        source_preview: None,
    })
}

/// Where the picture goes.
struct Plan {
    /// The part of the upright source that is shown, in source pixels.
    window: RectF,
    /// The size the window is resized to.
    dest: (u32, u32),
    /// The output size: `dest`, or larger with black bars around it.
    canvas: (u32, u32),
    /// For "fit" targets, the rules the output keeps while it shrinks further to meet the
    /// byte limit; `None` for exact frames, whose size is fixed.
    shrink: Option<FitRules>,
}

impl Plan {
    /// The whole picture at its own size: nothing to crop, scale or pad.
    fn keeps(&self, w: u32, h: u32) -> bool {
        self.canvas == (w, h)
            && self.dest == (w, h)
            && self.window.x.abs() < 0.5
            && self.window.y.abs() < 0.5
            && (self.window.w - w as f64).abs() < 0.5
            && (self.window.h - h as f64).abs() < 0.5
    }
}

/// An exact frame: the window of the picture shown, filling the frame or fitted into it.
fn exact_plan(ow: u32, oh: u32, (tw, th): (u32, u32), opts: &Options) -> Plan {
    let (owf, ohf) = (ow as f64, oh as f64);
    let (window, dest) = match opts.framing {
        Framing::Fill => {
            let (tf, hf) = (tw as f64, th as f64);
            let win = match (opts.crop, opts.focus) {
                (Some(c), _) => geometry::rect_window(owf, ohf, tf, hf, crop_rect(c)),
                (None, Some(f)) => geometry::fill_window(owf, ohf, tf, hf, (f.x, f.y)),
                (None, None) => geometry::fill_window(owf, ohf, tf, hf, (0.5, 0.5)),
            };
            (win, (tw, th))
        }
        Framing::Fit => (whole(owf, ohf), geometry::fit_size(ow, oh, tw, th)),
    };
    Plan {
        window,
        dest,
        canvas: (tw, th),
        shrink: None,
    }
}

fn crop_rect(c: CropRect) -> RectF {
    RectF {
        x: c.x,
        y: c.y,
        w: c.width,
        h: c.height,
    }
}

fn whole(w: f64, h: f64) -> RectF {
    RectF {
        x: 0.0,
        y: 0.0,
        w,
        h,
    }
}

/// How much smaller than planned a "fit" JPEG may come out to be decoded at a reduced scale.
const DCT_SCALE_NEAR: f64 = 0.9;

/// A model's bounds, with defaults filled in and the ratio range narrowed to what the sides
/// allow (a picture 1 pixel by the longest side cannot have both within bounds).
#[derive(Clone, Copy)]
struct FitRules {
    min_side: u32,
    max_side: u32,
    /// Width / height, lowest and highest.
    lo: f64,
    hi: f64,
}

impl FitRules {
    fn of(rules: &PictureRules) -> Self {
        let min_side = rules.min_side.unwrap_or(1).max(1);
        let max_side = rules.max_side.unwrap_or(APP_MAX_SIDE).max(min_side);
        let usable = |r: Option<f64>| r.filter(|r| r.is_finite() && *r > 0.0);
        let lo = usable(rules.min_ratio)
            .unwrap_or(0.0)
            .max(min_side as f64 / max_side as f64);
        let hi = usable(rules.max_ratio)
            .unwrap_or(f64::INFINITY)
            .min(max_side as f64 / min_side as f64)
            .max(lo);
        Self {
            min_side,
            max_side,
            lo,
            hi,
        }
    }

    fn ratio_ok(&self, w: u32, h: u32) -> bool {
        let (w, h) = (w as f64, h as f64);
        w >= h * self.lo && w <= h * self.hi
    }

    fn allows(&self, w: u32, h: u32) -> bool {
        w.min(h) >= self.min_side && w.max(h) <= self.max_side && self.ratio_ok(w, h)
    }

    /// Whole pixels near `w`x`h` whose ratio is within range (rounding can step outside it).
    fn fix_ratio(&self, w: u32, h: u32) -> (u32, u32) {
        let (mut w, mut h) = (w.max(1), h.max(1));
        if w as f64 > h as f64 * self.hi {
            w = ((h as f64 * self.hi).floor() as u32).max(1);
        }
        if (w as f64) < h as f64 * self.lo {
            h = ((w as f64 / self.lo).floor() as u32).max(1);
        }
        (w, h)
    }
}

/// "Fit the rules": the picture keeps its shape, cropped or padded only to the nearest
/// allowed ratio, scaled down only to the longest side allowed. A whole JPEG that must shrink
/// may come out a little smaller than allowed (at least [`DCT_SCALE_NEAR`] of it): at exactly
/// half, a quarter or an eighth of its size, which its decoder makes straight from the
/// compressed data, several times faster than decoding it whole and resampling.
fn fit_plan(ow: u32, oh: u32, jpeg: bool, opts: &Options) -> Result<Plan, PreflightError> {
    let rules = FitRules::of(&opts.rules);
    if ow.min(oh) < rules.min_side {
        return Err(PreflightError::TooSmall {
            width: ow,
            height: oh,
            min_side: rules.min_side,
            model: opts.model_name.clone(),
        });
    }
    let (owf, ohf) = (ow as f64, oh as f64);
    let allowed = |r: f64| r.clamp(rules.lo, rules.hi);
    // The window shown and the shape of the output around it, in source pixels.
    let (window, canvas) = match opts.framing {
        Framing::Fill => {
            let window = match (opts.crop, opts.focus) {
                (Some(c), _) => {
                    let r = geometry::clamp_rect(owf, ohf, crop_rect(c));
                    geometry::trim_centred(r, allowed(r.w / r.h))
                }
                (None, focus) if !rules.ratio_ok(ow, oh) => {
                    let f = focus.map_or((0.5, 0.5), |f| (f.x, f.y));
                    geometry::fill_window(owf, ohf, allowed(owf / ohf), 1.0, f)
                }
                (None, _) => whole(owf, ohf),
            };
            (window, (window.w, window.h))
        }
        Framing::Fit => {
            let (ratio, allowed) = (owf / ohf, allowed(owf / ohf));
            let canvas = if ratio > allowed {
                (owf, owf / allowed)
            } else if ratio < allowed {
                (ohf * allowed, ohf)
            } else {
                (owf, ohf)
            };
            (whole(owf, ohf), canvas)
        }
    };
    let (cw, ch) = canvas;
    let mut scale = (rules.max_side as f64 / cw.max(ch)).min(1.0);
    if cw.min(ch) * scale < rules.min_side as f64 {
        // A small crop window of a large enough picture: enlarged to the shortest side.
        scale = rules.min_side as f64 / cw.min(ch);
    }
    let round = |v: f64| (v.round() as u32).clamp(1, rules.max_side);
    let (mut tw, mut th) = rules.fix_ratio(round(cw * scale), round(ch * scale));
    let whole_picture = window.w == owf && window.h == ohf && (cw, ch) == (owf, ohf);
    if jpeg && whole_picture && scale < 1.0 {
        let scaled = |len: u32, eighths: u32| (len * eighths).div_ceil(8);
        let near = [4, 2, 1]
            .into_iter()
            .map(|e| (scaled(ow, e), scaled(oh, e)))
            .find(|&(w, h)| {
                w <= tw
                    && h <= th
                    && w as f64 >= tw as f64 * DCT_SCALE_NEAR
                    && h as f64 >= th as f64 * DCT_SCALE_NEAR
                    && rules.allows(w, h)
            });
        if let Some((w, h)) = near {
            (tw, th) = (w, h);
        }
    }
    let padded = (cw, ch) != (window.w, window.h);
    let dest = if padded {
        geometry::fit_size(ow, oh, tw, th)
    } else {
        (tw, th)
    };
    Ok(Plan {
        window,
        dest,
        canvas: (tw, th),
        shrink: Some(rules),
    })
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
        // Refused or passed on unopened before this point.
        SourceFormat::Heic => Err(PreflightError::Heic),
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

/// Already the right size, shape and format, small enough: keep the encoded pixels.
fn try_pass_through(
    data: &[u8],
    facts: &Facts,
    source: &SourceInfo,
    plan: &Plan,
    opts: &Options,
) -> Result<Option<Prepared>, PreflightError> {
    let rules = &opts.rules;
    // BMP, GIF and TIFF are always re-encoded: smaller, and taken by every model.
    let out_format = match facts.format {
        SourceFormat::Jpeg => OutputFormat::Jpeg,
        SourceFormat::Png => OutputFormat::Png,
        SourceFormat::Webp => OutputFormat::Webp,
        _ => return Ok(None),
    };
    if !rules.formats.contains(&out_format.picture_format())
        || !plan.keeps(facts.width, facts.height)
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
    if bytes.len() as u64 > rules.max_bytes {
        return Ok(None);
    }
    // Decode it all the same: a damaged file must not be uploaded, transparency must not
    // reach a model that refuses it (nor an exact frame, which is the video's first frame
    // as it is), a wide-gamut profile means re-encoding in sRGB, and the preview needs pixels.
    let decoded = decode_full(data, facts, &opts.limits)?;
    let alpha_ok = if !rules.alpha {
        !decoded.alpha_channel
    } else {
        opts.target == Target::Fit || !decoded.flattened
    };
    if !alpha_ok
        || decoded
            .icc
            .as_deref()
            .is_some_and(|icc| !color::is_srgb_equivalent(icc))
        || (decoded.rgb.width, decoded.rgb.height) != (facts.width, facts.height)
    {
        return Ok(None);
    }
    let mut actions = vec![Action::PassedThrough];
    if stripped.is_some() {
        actions.push(Action::MetadataRemoved);
    }
    let (w, h) = (facts.width, facts.height);
    let size = bytes.len() as u64;
    let summary = if stripped.is_some() {
        Words::new("picture.summary.metadata_removed").with("location", u8::from(facts.has_gps))
    } else {
        Words::new("picture.summary.as_is")
    }
    .with("width", w.to_string())
    .with("height", h.to_string())
    .with("format", facts.format.name())
    .with("bytes", size);
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
            orientation: Orientation::of(w, h),
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
    plan: Plan,
    opts: &Options,
) -> Result<Prepared, PreflightError> {
    let o = facts.orientation;
    let (owf, ohf) = (source.upright_width as f64, source.upright_height as f64);
    let formats = output_formats(opts, facts.lossless)?;

    // 1. The window of the upright picture that will be shown, and its size in the output.
    let Plan {
        window,
        dest: (dest_w, dest_h),
        canvas: (tw, th),
        shrink,
    } = plan;

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
            // Less a hair, so that a rounding error cannot ask for one pixel too many.
            let min_w = (facts.width as f64 * f - 1e-6).ceil() as u32;
            let min_h = (facts.height as f64 * f - 1e-6).ceil() as u32;
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

    // 4. Crop + resize (Lanczos3), then orient; pixels already at their place are kept.
    let (dw, dh) = (decoded.rgb.width as f64, decoded.rgb.height as f64);
    let unchanged = (decoded.rgb.width, decoded.rgb.height) == (sdw, sdh)
        && crop.x.abs() < 1e-6
        && crop.y.abs() < 1e-6
        && (crop.w - dw).abs() < 1e-6
        && (crop.h - dh).abs() < 1e-6;
    let resized = if unchanged {
        decoded.rgb
    } else {
        let resized = resize(&decoded.rgb, crop, sdw, sdh)?;
        drop(decoded.rgb);
        resized
    };
    let mut pixels = if o == 1 {
        resized.data
    } else {
        let (pixels, rw, rh) = geometry::orient_rgb(&resized.data, sdw, sdh, o);
        debug_assert_eq!((rw, rh), (dest_w, dest_h));
        pixels
    };

    // 5. Pad for "fit".
    let padded = (dest_w, dest_h) != (tw, th);
    if padded {
        let mut canvas = vec![0u8; tw as usize * th as usize * 3];
        let (x0, y0) = ((tw - dest_w) / 2, (th - dest_h) / 2);
        let row_len = dest_w as usize * 3;
        for row in 0..dest_h as usize {
            let d = ((y0 as usize + row) * tw as usize + x0 as usize) * 3;
            let s = row * row_len;
            canvas[d..d + row_len].copy_from_slice(&pixels[s..s + row_len]);
        }
        pixels = canvas;
    }
    let out = Rgb {
        data: pixels,
        width: tw,
        height: th,
    };

    // 6. Colour.
    let mut actions = Vec::new();
    let mut warnings = Vec::new();
    let mut out = out;
    let mut colour_converted = false;
    if decoded.cmyk {
        warnings.push(Warning {
            code: WarningCode::CmykApproximated,
            message: Words::new("picture.warning.cmyk_approximated"),
        });
    } else if let Some(icc) = decoded.icc.as_deref() {
        match color::to_srgb(icc, &mut out.data) {
            ColourOutcome::Converted => colour_converted = true,
            ColourOutcome::AlreadySrgb => {}
            ColourOutcome::Ignored => warnings.push(Warning {
                code: WarningCode::ColourProfileIgnored,
                message: Words::new("picture.warning.colour_profile_ignored"),
            }),
        }
    }

    // 7. Describe.
    if o != 1 {
        actions.push(Action::Rotated);
    }
    let cropped = window.w < owf - 0.5 || window.h < ohf - 0.5;
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
            message: Words::new("picture.warning.upscaled")
                .with("width", tw.to_string())
                .with("height", th.to_string()),
        });
    }
    if padded {
        actions.push(Action::Padded);
    }
    if decoded.flattened {
        actions.push(Action::Flattened);
        warnings.push(Warning {
            code: WarningCode::TransparencyFlattened,
            message: Words::new("picture.warning.transparency_flattened"),
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
            message: Words::new("picture.warning.first_frame_only"),
        });
    }
    actions.push(Action::ReEncoded);

    // 8. Encode, within the byte limit.
    let (out, encoded) = encode(out, &formats, opts.rules.max_bytes, shrink, &mut warnings)?;
    let (ew, eh) = (out.width, out.height);
    if (ew, eh) != (tw, th) && !actions.contains(&Action::Scaled) {
        let at = actions
            .iter()
            .position(|a| !matches!(a, Action::Rotated | Action::Cropped))
            .unwrap_or(actions.len());
        actions.insert(at, Action::Scaled);
    }

    let preview = opts.preview.then(|| make_preview(&out)).transpose()?;
    let bytes = encoded.bytes;
    let summary = summary(&source, &actions, ew, eh, padded, bytes.len() as u64);
    let region = PixelRect {
        x: window.x.round() as u32,
        y: window.y.round() as u32,
        width: (window.w.round() as u32).max(1),
        height: (window.h.round() as u32).max(1),
    };
    Ok(Prepared {
        output: OutputInfo {
            format: encoded.format,
            mime: encoded.format.mime().into(),
            width: ew,
            height: eh,
            orientation: Orientation::of(ew, eh),
            bytes: bytes.len() as u64,
            jpeg_quality: encoded.quality,
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

/// The formats to try when re-encoding, in order: PNG first for lossless sources (or when
/// asked), JPEG otherwise; only formats the model takes.
fn output_formats(opts: &Options, lossless: bool) -> Result<Vec<OutputFormat>, PreflightError> {
    let takes = |f: OutputFormat| opts.rules.formats.contains(&f.picture_format());
    let want_png = match opts.output {
        OutputPreference::Png => true,
        OutputPreference::Jpeg => false,
        OutputPreference::Auto => lossless,
    };
    let formats = if want_png && takes(OutputFormat::Png) {
        let mut f = vec![OutputFormat::Png];
        if takes(OutputFormat::Jpeg) {
            f.push(OutputFormat::Jpeg);
        }
        f
    } else if takes(OutputFormat::Jpeg) {
        vec![OutputFormat::Jpeg]
    } else if takes(OutputFormat::Png) {
        vec![OutputFormat::Png]
    } else {
        return Err(PreflightError::Internal {
            detail: format!(
                "the model takes none of the formats Sora Desk writes: {:?}",
                opts.rules.formats
            ),
        });
    };
    Ok(formats)
}

fn summary(
    source: &SourceInfo,
    actions: &[Action],
    tw: u32,
    th: u32,
    padded: bool,
    bytes: u64,
) -> Words {
    let (w, h) = (source.upright_width, source.upright_height);
    let has = |a: Action| actions.contains(&a);
    let words = if padded {
        Words::new("picture.summary.fitted")
    } else if has(Action::Cropped) {
        Words::new("picture.summary.cropped")
    } else if has(Action::Scaled) {
        if w < tw {
            Words::new("picture.summary.enlarged")
        } else {
            Words::new("picture.summary.resized")
        }
    } else {
        Words::new("picture.summary.re_encoded")
    };
    words
        .with("rotated", u8::from(has(Action::Rotated)))
        .with("width", w.to_string())
        .with("height", h.to_string())
        .with("target_width", tw.to_string())
        .with("target_height", th.to_string())
        .with("flattened", u8::from(has(Action::Flattened)))
        .with("location", u8::from(source.had_location))
        .with("bytes", bytes)
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

/// JPEG qualities tried in turn while the file is over the byte limit.
const JPEG_STEPS: [u8; 6] = [JPEG_QUALITY, 85, 80, 70, 60, 50];

struct Encoded {
    bytes: Vec<u8>,
    format: OutputFormat,
    quality: Option<u8>,
}

/// Encode within `max` bytes: each format in turn (JPEG stepping its quality down); then, when
/// `shrink` allows it, smaller and smaller within the rules. Returns the picture as encoded.
fn encode(
    mut img: Rgb,
    formats: &[OutputFormat],
    max: u64,
    shrink: Option<FitRules>,
    warnings: &mut Vec<Warning>,
) -> Result<(Rgb, Encoded), PreflightError> {
    let too_large = || PreflightError::OutputTooLarge { max };
    let mut shrunk = false;
    let encoded = loop {
        let smallest = match encode_once(&img, formats, max)? {
            Ok(encoded) => break encoded,
            Err(smallest) => smallest,
        };
        let rules = shrink.ok_or_else(too_large)?;
        // Pixels scale with the area: aim a little under the limit.
        let f = ((max as f64 / smallest as f64).sqrt() * 0.9).clamp(0.25, 0.9);
        let (w, h) = (img.width as f64, img.height as f64);
        let mut size = rules.fix_ratio((w * f).round() as u32, (h * f).round() as u32);
        if size.0.min(size.1) < rules.min_side {
            // One last try at the smallest size allowed.
            let at_least = rules.min_side as f64 / w.min(h);
            size = rules.fix_ratio((w * at_least).ceil() as u32, (h * at_least).ceil() as u32);
        }
        if size.0 >= img.width || size.1 >= img.height || !rules.allows(size.0, size.1) {
            return Err(too_large());
        }
        img = resize(&img, whole(w, h), size.0, size.1)?;
        shrunk = true;
    };
    if let Some(q) = encoded.quality.filter(|&q| q != JPEG_QUALITY) {
        warnings.push(Warning {
            code: WarningCode::QualityReduced,
            message: Words::new("picture.warning.quality_reduced")
                .with("quality", q)
                .with("max", max),
        });
    }
    if shrunk {
        warnings.push(Warning {
            code: WarningCode::ShrunkForSize,
            message: Words::new("picture.warning.shrunk_for_size")
                .with("width", img.width.to_string())
                .with("height", img.height.to_string())
                .with("max", max),
        });
    }
    Ok((img, encoded))
}

/// One size: the first encoding within `max`, or the size of the smallest one tried.
fn encode_once(
    img: &Rgb,
    formats: &[OutputFormat],
    max: u64,
) -> Result<Result<Encoded, u64>, PreflightError> {
    let mut smallest = u64::MAX;
    for &format in formats {
        if format == OutputFormat::Png {
            let png = encode_png(img)?;
            if png.len() as u64 <= max {
                return Ok(Ok(Encoded {
                    bytes: png,
                    format,
                    quality: None,
                }));
            }
            smallest = smallest.min(png.len() as u64);
        } else {
            for q in JPEG_STEPS {
                let jpg = encode_jpeg(img, q)?;
                if jpg.len() as u64 <= max {
                    return Ok(Ok(Encoded {
                        bytes: jpg,
                        format: OutputFormat::Jpeg,
                        quality: Some(q),
                    }));
                }
                smallest = smallest.min(jpg.len() as u64);
            }
        }
    }
    Ok(Err(smallest))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(id: &str) -> FitRules {
        FitRules::of(&sora_models::manifest().model(id).unwrap().picture_rules)
    }

    #[test]
    fn fit_rules_fill_in_defaults_and_narrow_the_ratio_to_the_sides() {
        // Veo states no sides and no ratio: the app's cap, any shape that fits in it.
        let veo = rules("veo-3.1-generate-preview");
        assert_eq!((veo.min_side, veo.max_side), (1, APP_MAX_SIDE));
        assert_eq!(veo.hi, APP_MAX_SIDE as f64);
        let kling = rules("kling-v3");
        assert_eq!((kling.min_side, kling.max_side), (300, APP_MAX_SIDE));
        assert_eq!((kling.lo, kling.hi), (0.4, 2.5));
        assert!(kling.allows(2500, 1000) && !kling.allows(2501, 1000));
        assert!(!kling.allows(299, 500) && !kling.allows(4097, 2000));
    }

    #[test]
    fn fix_ratio_steps_back_inside_the_range() {
        let kling = rules("kling-v3");
        assert_eq!(kling.fix_ratio(2503, 1001), (2502, 1001));
        assert_eq!(kling.fix_ratio(400, 1001), (400, 1000));
        assert_eq!(kling.fix_ratio(1000, 1000), (1000, 1000));
        for (w, h) in [(2503, 1001), (401, 1003), (7, 3), (3, 8)] {
            let (w, h) = kling.fix_ratio(w, h);
            assert!(kling.ratio_ok(w, h), "{w}x{h}");
        }
    }
}
