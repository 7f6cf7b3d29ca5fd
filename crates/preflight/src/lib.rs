//! Image preflight: any picture in, an exact, safe 1280x720 or 720x1280 out.
//!
//! Sora accepts exactly 1280x720 (landscape) or 720x1280 (portrait), at most 10 MB, as JPEG,
//! PNG or WebP. [`preflight_path`] and [`preflight_bytes`] turn whatever picture a creator has
//! into such a file, locally, and describe what they did ([`Prepared`]), including a small
//! preview for the UI.
//!
//! What happens, in order:
//! 1. The format is detected from the content (never the file name); HEIC, AVIF, text and the
//!    like are refused with a plain-words [`PreflightError`].
//! 2. Headers are read *before* any pixel buffer exists, and checked against [`Limits`]: a
//!    100000x100000 header or a decompression bomb is refused without allocating it.
//! 3. A file that already complies is passed through byte for byte; if it carries EXIF/GPS/XMP
//!    or comments, those are cut out losslessly (JPEG segments, PNG/WebP chunks).
//! 4. Otherwise: decode (JPEG at reduced DCT scale when the crop allows), crop or fit, resize
//!    with a Lanczos3 filter (`fast_image_resize`, SIMD), apply EXIF orientation, flatten
//!    transparency onto white, pad with black for "fit", convert an embedded ICC profile to
//!    sRGB, and encode (JPEG quality 90, or PNG for lossless sources) without any metadata.
//!
//! Colour notes: RGB ICC profiles are honoured (converted to sRGB with `moxcms`). CMYK JPEGs
//! are converted with a plain device formula (their CMYK profile is not used), and a warning
//! says colours are approximate. Pictures without a profile are assumed to be sRGB.
//!
//! Safety: every decoder runs behind limits, and the whole pipeline behind `catch_unwind`.
//! That last line of defence only works where panics unwind; a release profile with
//! `panic = "abort"` turns a dependency's panic into a crash, so the fuzz target (which builds
//! without `catch_unwind`, under `cfg(fuzzing)`) is what keeps decoder panics out.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod chunks;
mod color;
mod decode;
mod error;
mod exif;
mod geometry;
mod jpeg;
mod sniff;

use std::path::Path;

use serde::{Deserialize, Serialize, Serializer};

pub use error::{human_bytes, PreflightError};

/// Landscape target size.
pub const LANDSCAPE: (u32, u32) = (1280, 720);
/// Portrait target size.
pub const PORTRAIT: (u32, u32) = (720, 1280);
/// Largest output EvoLink accepts (10 MB, counted in decimal megabytes to stay on the safe side).
pub const MAX_OUTPUT_BYTES: u64 = 10_000_000;
/// JPEG quality used when re-encoding (stepped down only if the 10 MB cap is ever at risk).
pub const JPEG_QUALITY: u8 = 90;
/// Longest side of the preview image.
pub const PREVIEW_MAX_SIDE: u32 = 320;

/// Formats that can be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceFormat {
    /// JPEG (baseline, progressive, greyscale, CMYK/YCCK).
    Jpeg,
    /// PNG (any bit depth, palette, alpha; first frame of APNG).
    Png,
    /// WebP (lossy, lossless, alpha; first frame of animations).
    Webp,
    /// GIF (first frame).
    Gif,
    /// BMP.
    Bmp,
    /// TIFF.
    Tiff,
}

impl SourceFormat {
    /// Everyday name, e.g. "JPEG".
    pub fn name(self) -> &'static str {
        match self {
            Self::Jpeg => "JPEG",
            Self::Png => "PNG",
            Self::Webp => "WebP",
            Self::Gif => "GIF",
            Self::Bmp => "BMP",
            Self::Tiff => "TIFF",
        }
    }
}

/// Formats the output can have (all accepted by EvoLink).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// JPEG.
    Jpeg,
    /// PNG.
    Png,
    /// WebP (only when a compliant WebP is passed through; never produced by re-encoding).
    Webp,
}

impl OutputFormat {
    /// MIME type for uploads.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
        }
    }
    /// File extension without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Webp => "webp",
        }
    }
}

/// Landscape (1280x720) or portrait (720x1280).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Orientation {
    /// 1280x720.
    Landscape,
    /// 720x1280.
    Portrait,
}

impl Orientation {
    /// Output size in pixels.
    pub fn size(self) -> (u32, u32) {
        match self {
            Self::Landscape => LANDSCAPE,
            Self::Portrait => PORTRAIT,
        }
    }
}

/// How the picture is made to fit the frame.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Framing {
    /// Fill the frame, cropping what sticks out (the crop window can be moved).
    #[default]
    Fill,
    /// Show the whole picture, padded with black bars.
    Fit,
}

/// A point in the (upright) picture, as fractions of its width and height (0..1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Focus {
    /// 0 = left edge, 1 = right edge.
    pub x: f64,
    /// 0 = top edge, 1 = bottom edge.
    pub y: f64,
}

/// A rectangle in the (upright) picture, as fractions of its width and height (0..1).
/// For "fill", the output shows this rectangle, trimmed about its centre to 16:9 or 9:16.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CropRect {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
}

/// Which format to write when the picture has to be re-encoded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputPreference {
    /// PNG for lossless sources (PNG, GIF, BMP, TIFF, lossless WebP: screenshots, drawings),
    /// JPEG for photos.
    #[default]
    Auto,
    /// Always JPEG.
    Jpeg,
    /// Always PNG.
    Png,
}

/// Guards against hostile or absurd files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Largest input file, in bytes.
    pub max_file_bytes: u64,
    /// Largest pixel count (width x height) a header may claim.
    pub max_pixels: u64,
    /// Largest width or height.
    pub max_dimension: u32,
    /// Most memory a decoder may allocate.
    pub max_decoder_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file_bytes: 200_000_000,
            // A 108 MP phone photo fits; a 100000x100000 header does not.
            max_pixels: 120_000_000,
            max_dimension: 30_000,
            max_decoder_bytes: 1 << 30,
        }
    }
}

/// What the caller wants.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Options {
    /// Fixed output orientation; `None` follows the picture (after EXIF rotation; square
    /// pictures become landscape).
    pub orientation: Option<Orientation>,
    /// Fill (crop) or fit (pad).
    pub framing: Framing,
    /// Centre of the crop window for "fill" (default: the middle).
    pub focus: Option<Focus>,
    /// Explicit crop window for "fill"; wins over `focus`.
    pub crop: Option<CropRect>,
    /// Output format when re-encoding.
    pub output: OutputPreference,
    /// Produce small JPEG previews of the result and of the source in [`Prepared::preview`]
    /// and [`Prepared::source_preview`].
    pub preview: bool,
    /// Safety limits.
    pub limits: Limits,
}

/// One thing preflight did to the picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Turned upright following its EXIF orientation (rotation and/or mirroring).
    Rotated,
    /// Cropped to the frame.
    Cropped,
    /// Resized (down, or up with a warning).
    Scaled,
    /// Bars added around the picture ("fit").
    Padded,
    /// Transparent areas filled with white.
    Flattened,
    /// Colours converted from an embedded profile to sRGB.
    ColourConverted,
    /// EXIF, GPS, XMP, comments or other hidden metadata removed.
    MetadataRemoved,
    /// Pixels encoded anew.
    ReEncoded,
    /// The original encoded pixels were kept (only metadata may have been removed).
    PassedThrough,
}

/// Why a result may not be what the creator expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningCode {
    /// Smaller than the frame: enlarged, may look soft.
    Upscaled,
    /// Transparent areas became white.
    TransparencyFlattened,
    /// CMYK colours converted without the print profile.
    CmykApproximated,
    /// An embedded colour profile could not be used.
    ColourProfileIgnored,
    /// Only the first frame of an animation is used.
    FirstFrameOnly,
    /// JPEG quality had to be lowered to stay under 10 MB.
    QualityReduced,
}

/// A warning with its plain-words message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// Stable code.
    pub code: WarningCode,
    /// One sentence for the creator.
    pub message: String,
}

/// The picture as received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceInfo {
    /// Detected format.
    pub format: SourceFormat,
    /// Width as stored in the file.
    pub width: u32,
    /// Height as stored in the file.
    pub height: u32,
    /// Width as seen upright (after EXIF orientation).
    pub upright_width: u32,
    /// Height as seen upright.
    pub upright_height: u32,
    /// EXIF orientation 1..=8 (1 = none).
    pub exif_orientation: u8,
    /// File size.
    pub bytes: u64,
    /// It carried GPS location data (removed in the output).
    pub had_location: bool,
}

/// The picture as prepared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputInfo {
    /// Format of [`Prepared::bytes`].
    pub format: OutputFormat,
    /// MIME type for the upload.
    pub mime: String,
    /// Always 1280 or 720.
    pub width: u32,
    /// Always 720 or 1280.
    pub height: u32,
    /// Landscape or portrait.
    pub orientation: Orientation,
    /// Size of [`Prepared::bytes`]; at most [`MAX_OUTPUT_BYTES`].
    pub bytes: u64,
    /// JPEG quality used when re-encoded as JPEG.
    pub jpeg_quality: Option<u8>,
}

/// Part of the upright source picture that ends up in the frame, in source pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PixelRect {
    /// Left.
    pub x: u32,
    /// Top.
    pub y: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// A small JPEG of the result, for before/after in the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preview {
    /// Width (at most [`PREVIEW_MAX_SIDE`]).
    pub width: u32,
    /// Height.
    pub height: u32,
    /// JPEG bytes; base64 in JSON.
    #[serde(
        rename = "jpeg_base64",
        serialize_with = "as_base64",
        deserialize_with = "from_base64"
    )]
    pub jpeg: Vec<u8>,
}

fn as_base64<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    use base64::Engine;
    s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
}

fn from_base64<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    use base64::Engine;
    let s = String::deserialize(d)?;
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .map_err(serde::de::Error::custom)
}

/// A picture ready for upload, and what was done to it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prepared {
    /// The file to upload (not serialised: it goes to disk or to the upload, not to JSON).
    #[serde(skip)]
    pub bytes: Vec<u8>,
    /// The input.
    pub source: SourceInfo,
    /// The output.
    pub output: OutputInfo,
    /// Region of the upright source shown in the frame (for drawing the crop window).
    pub region: PixelRect,
    /// What was done, in order.
    pub actions: Vec<Action>,
    /// Things the creator may want to know.
    pub warnings: Vec<Warning>,
    /// One line, e.g. "Cropped 4032x3024 to 1280x720, 412 KB".
    pub summary: String,
    /// Small JPEG of the result when [`Options::preview`] is set.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub preview: Option<Preview>,
    /// Small JPEG of the whole upright picture as received (the "before", on which the UI
    /// draws the crop window), when [`Options::preview`] is set.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub source_preview: Option<Preview>,
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("bytes", &format_args!("<{} bytes>", self.bytes.len()))
            .field("summary", &self.summary)
            .field("source", &self.source)
            .field("output", &self.output)
            .field("actions", &self.actions)
            .field("warnings", &self.warnings)
            .finish_non_exhaustive()
    }
}

/// Prepare the picture at `path`. The file size is checked before the file is read.
pub fn preflight_path(
    path: impl AsRef<Path>,
    options: &Options,
) -> Result<Prepared, PreflightError> {
    let path = path.as_ref();
    let read_err = |e: std::io::Error| PreflightError::Read {
        reason: plain_io(&e),
    };
    let meta = std::fs::metadata(path).map_err(read_err)?;
    if meta.is_dir() {
        return Err(PreflightError::Read {
            reason: "it is a folder, not a file".into(),
        });
    }
    if meta.len() > options.limits.max_file_bytes {
        return Err(PreflightError::FileTooLarge {
            bytes: meta.len(),
            max: options.limits.max_file_bytes,
        });
    }
    let data = std::fs::read(path).map_err(read_err)?;
    preflight_bytes(&data, options)
}

fn plain_io(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => "the file does not exist (was it moved or deleted?)".into(),
        K::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// Prepare a picture held in memory.
pub fn preflight_bytes(data: &[u8], options: &Options) -> Result<Prepared, PreflightError> {
    #[cfg(fuzzing)]
    {
        pipeline::run(data, options)
    }
    #[cfg(not(fuzzing))]
    {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pipeline::run(data, options)
        })) {
            Ok(result) => result,
            Err(panic) => {
                let detail = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "panic".into());
                Err(PreflightError::Internal { detail })
            }
        }
    }
}

mod pipeline;
