//! Image preflight: any picture in, one that meets the chosen video model's picture rules out.
//!
//! Every video model takes input pictures under its own rules ([`sora_models::PictureRules`],
//! read from the app's model manifest): Sora wants exactly 1280x720 or 720x1280 pixels (or
//! 1920x1080 / 1080x1920 for Sora 2 Pro at 1080p), the others take any size within bounds
//! (shortest and longest side, width/height ratio, bytes, formats, transparency or not).
//! [`preflight_path`] and [`preflight_bytes`] turn whatever picture a creator has into a file
//! that meets those rules, locally, and describe what they did ([`Prepared`]), including a
//! small preview for the UI. [`Options::for_model`] builds the options for a model;
//! [`Options::default`] is Sora 2's (`sora-2-preview` in the manifest).
//!
//! Two kinds of target ([`Target`]):
//! - **Exact** (Sora): the output is exactly the landscape or portrait frame. The picture fills
//!   it (cropped, the window movable with a focus point or a crop rectangle) or fits in it
//!   (black bars); a smaller picture is enlarged, with a warning.
//! - **Fit** (every other model): the picture keeps its shape and size as far as the rules
//!   allow. A shape beyond the model's ratio range is cropped to the nearest allowed ratio
//!   (or padded to it with black bars for "fit"); a picture larger than the longest side
//!   allowed (or [`APP_MAX_SIDE`] when the model states none) is scaled down, never up; a
//!   picture whose shorter side is under the model's minimum is refused.
//!
//! What happens, in order:
//! 1. The format is detected from the content (never the file name); AVIF, text and the like
//!    are refused with a plain-words [`PreflightError`]. HEIC/HEIF cannot be decoded: it is
//!    refused, except for models that take HEIC themselves, which get the file as it is.
//! 2. Headers are read *before* any pixel buffer exists, and checked against [`Limits`]: a
//!    100000x100000 header or a decompression bomb is refused without allocating it.
//! 3. A file that already complies (size, shape, format, bytes, transparency) is passed
//!    through byte for byte; if it carries EXIF/GPS/XMP or comments, those are cut out
//!    losslessly (JPEG segments, PNG/WebP chunks).
//! 4. Otherwise: decode (JPEG at reduced DCT scale when the output allows), crop or fit,
//!    resize with a Lanczos3 filter (`fast_image_resize`, SIMD), apply EXIF orientation,
//!    flatten transparency onto white, pad with black for "fit", convert an embedded ICC
//!    profile to sRGB, and encode without any metadata in a format the model takes (JPEG at
//!    quality 90 for photos, PNG for lossless sources), stepping JPEG quality down and then,
//!    for "fit" targets, the size, until the file is within the model's byte limit.
//!
//! Transparency: a re-encoded picture is always flattened onto white (the preview then shows
//! exactly what is sent). A file passed through keeps its transparency only for a "fit" model
//! whose rules accept it; for a model that refuses it, even an unused alpha channel is removed.
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

pub use error::{human_bytes, PreflightError, Words};

use sora_models::{Model, PictureFormat, PictureRules};

/// Longest side of a "fit" output when the model states no limit. This is the app's own
/// choice, not a model's rule: 4096 pixels (4K) keeps uploads reasonable and is more detail
/// than any of the models' videos show.
pub const APP_MAX_SIDE: u32 = 4096;
/// JPEG quality used when re-encoding (stepped down only if the model's byte limit is at risk).
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
    /// HEIC / HEIF. Recognised but never decoded: passed on as it is to models that take it.
    Heic,
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
            Self::Heic => "HEIC",
        }
    }
}

/// Formats the output can have (always one of the model's [`PictureRules::formats`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// JPEG.
    Jpeg,
    /// PNG.
    Png,
    /// WebP (only when a compliant WebP is passed through; never produced by re-encoding).
    Webp,
    /// HEIC / HEIF (only passed through, unopened, to a model that takes it).
    Heic,
}

impl OutputFormat {
    /// MIME type for uploads.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
            Self::Heic => "image/heic",
        }
    }
    /// File extension without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Webp => "webp",
            Self::Heic => "heic",
        }
    }

    /// The same format as the model manifest names it.
    pub fn picture_format(self) -> PictureFormat {
        match self {
            Self::Jpeg => PictureFormat::Jpeg,
            Self::Png => PictureFormat::Png,
            Self::Webp => PictureFormat::Webp,
            Self::Heic => PictureFormat::Heic,
        }
    }
}

/// Landscape (wider than tall, or square) or portrait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Orientation {
    /// Wider than tall (or square): 1280x720 for Sora 2.
    Landscape,
    /// Taller than wide: 720x1280 for Sora 2.
    Portrait,
}

impl Orientation {
    /// The orientation of a `width`x`height` picture (square counts as landscape).
    pub fn of(width: u32, height: u32) -> Self {
        if width >= height {
            Self::Landscape
        } else {
            Self::Portrait
        }
    }

    /// The orientation an aspect ratio such as `"16:9"` or `"9:16"` (or a size such as
    /// `"1280x720"`) stands for; `None` for values that are not a shape (`"auto"`,
    /// `"adaptive"`).
    pub fn of_aspect(aspect: &str) -> Option<Self> {
        let (w, h) = aspect.split_once([':', 'x'])?;
        let (w, h): (f64, f64) = (w.trim().parse().ok()?, h.trim().parse().ok()?);
        let shape = if w >= h {
            Self::Landscape
        } else {
            Self::Portrait
        };
        (w > 0.0 && h > 0.0).then_some(shape)
    }
}

/// What the prepared picture must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Target {
    /// Exactly one of two frames, in pixels (Sora: the picture becomes the video's first
    /// frame as it is). [`Options::orientation`] picks the frame; `None` lets the picture's
    /// own shape decide (after EXIF rotation; square pictures become landscape). The picture
    /// fills the frame or fits in it ([`Framing`]); a smaller one is enlarged.
    Exact {
        /// Width and height of the landscape frame.
        landscape: (u32, u32),
        /// Width and height of the portrait frame.
        portrait: (u32, u32),
    },
    /// The picture keeps its own shape and size as far as [`Options::rules`] allow: cropped
    /// (or, for [`Framing::Fit`], padded) to the nearest allowed width/height ratio, scaled
    /// down (never up) to the longest side allowed ([`APP_MAX_SIDE`] when the rules state
    /// none), refused when its shorter side is under the minimum. [`Options::orientation`]
    /// is not used.
    Fit,
}

impl Target {
    /// The frame for an orientation, for an exact target.
    pub fn frame(&self, orientation: Orientation) -> Option<(u32, u32)> {
        match (self, orientation) {
            (Self::Exact { landscape, .. }, Orientation::Landscape) => Some(*landscape),
            (Self::Exact { portrait, .. }, Orientation::Portrait) => Some(*portrait),
            (Self::Fit, _) => None,
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
/// For "fill", the output shows this rectangle, trimmed about its centre to the frame's shape
/// (exact targets) or to the nearest allowed ratio when its own is beyond the model's range.
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
///
/// Build it with [`Options::for_model`] (or [`Options::default`] for Sora 2), then set the
/// framing, focus, crop and preview the person chose.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Options {
    /// Fixed output orientation for an exact target; `None` follows the picture (after EXIF
    /// rotation; square pictures become landscape). Not used by [`Target::Fit`].
    pub orientation: Option<Orientation>,
    /// Fill (crop) or fit (pad).
    pub framing: Framing,
    /// Centre of the crop window for "fill" (default: the middle).
    pub focus: Option<Focus>,
    /// Explicit crop window for "fill"; wins over `focus`.
    pub crop: Option<CropRect>,
    /// Output format when re-encoding (a format the rules do not list is never written).
    pub output: OutputPreference,
    /// Produce small JPEG previews of the result and of the source in [`Prepared::preview`]
    /// and [`Prepared::source_preview`].
    pub preview: bool,
    /// Safety limits.
    pub limits: Limits,
    /// What the model takes: formats, bytes, sides, ratio, transparency.
    pub rules: PictureRules,
    /// Exact frames or "fit the rules".
    pub target: Target,
    /// The model's name, for messages ("Kling V3 needs at least 300 pixels on each side");
    /// `None` says "this model".
    pub model_name: Option<String>,
}

impl Options {
    /// Options for preparing a picture for `model`, making a video of shape `aspect` (e.g.
    /// `"16:9"`) at `quality` (e.g. `"1080p"`), as the person chose them (`None`: not chosen).
    ///
    /// A model with exact frames (Sora) gets [`Target::Exact`] with its 16:9 and 9:16 frames
    /// for that quality (the model's default quality when none or an unknown one is given),
    /// and the orientation `aspect` stands for. Every other model gets [`Target::Fit`]: its
    /// pictures keep their own shape, so `aspect` and `quality` do not matter. The rest is
    /// as [`Options::default`]: fill, centred, automatic format, no preview.
    pub fn for_model(model: &Model, aspect: Option<&str>, quality: Option<&str>) -> Options {
        let rules = model.picture_rules.clone();
        let (target, orientation) = match exact_frames(model, quality) {
            Some((landscape, portrait)) => (
                Target::Exact {
                    landscape,
                    portrait,
                },
                aspect.and_then(Orientation::of_aspect),
            ),
            None => (Target::Fit, None),
        };
        Options {
            orientation,
            framing: Framing::default(),
            focus: None,
            crop: None,
            output: OutputPreference::default(),
            preview: false,
            limits: Limits::default(),
            rules,
            target,
            model_name: Some(model.name.clone()),
        }
    }
}

/// The landscape and portrait frames of a model with exact frames, for a quality.
fn exact_frames(model: &Model, quality: Option<&str>) -> Option<((u32, u32), (u32, u32))> {
    let exact = &model.picture_rules.exact;
    let first = exact.first()?;
    let default_quality = model.quality.as_ref().map(|q| q.default.as_str());
    let frame = |aspect: &str| {
        quality
            .and_then(|q| model.exact_frame(aspect, Some(q)))
            .or_else(|| model.exact_frame(aspect, default_quality))
            .or_else(|| model.exact_frame(aspect, None))
            .or_else(|| {
                exact
                    .iter()
                    .find(|f| f.aspect == aspect)
                    .map(|f| (f.size[0], f.size[1]))
            })
    };
    let turned = |(w, h): (u32, u32)| (h, w);
    Some(match (frame("16:9"), frame("9:16")) {
        (Some(l), Some(p)) => (l, p),
        (Some(l), None) => (l, turned(l)),
        (None, Some(p)) => (turned(p), p),
        // Frames for other shapes only: the first one listed, as landscape and as portrait.
        (None, None) => {
            let [w, h] = first.size;
            ((w.max(h), w.min(h)), (w.min(h), w.max(h)))
        }
    })
}

/// The app's default model's rules and frames (Sora 2), filling the frame the picture's shape
/// picks.
impl Default for Options {
    fn default() -> Self {
        Options::for_model(sora_models::manifest().default_model(), None, None)
    }
}

/// Options are equal when every field is; the rules are compared field by field (the
/// manifest's types do not compare themselves).
impl PartialEq for Options {
    fn eq(&self, other: &Self) -> bool {
        self.orientation == other.orientation
            && self.framing == other.framing
            && self.focus == other.focus
            && self.crop == other.crop
            && self.output == other.output
            && self.preview == other.preview
            && self.limits == other.limits
            && rules_eq(&self.rules, &other.rules)
            && self.target == other.target
            && self.model_name == other.model_name
    }
}

fn rules_eq(a: &PictureRules, b: &PictureRules) -> bool {
    // Destructured in full so that a new rule cannot be forgotten here.
    let PictureRules {
        exact,
        max_bytes,
        formats,
        min_side,
        max_side,
        min_ratio,
        max_ratio,
        alpha,
    } = a;
    exact.len() == b.exact.len()
        && exact.iter().zip(&b.exact).all(|(x, y)| {
            let sora_models::Frame {
                aspect,
                quality,
                size,
            } = x;
            *aspect == y.aspect && *quality == y.quality && *size == y.size
        })
        && *max_bytes == b.max_bytes
        && *formats == b.formats
        && *min_side == b.min_side
        && *max_side == b.max_side
        && *min_ratio == b.min_ratio
        && *max_ratio == b.max_ratio
        && *alpha == b.alpha
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
    /// JPEG quality had to be lowered to stay under the model's byte limit.
    QualityReduced,
    /// The picture was made smaller than the rules alone required, to stay under the
    /// model's byte limit.
    ShrunkForSize,
    /// Passed on without being opened (a HEIC photo for a model that takes HEIC): its size,
    /// shape and hidden details could not be checked.
    NotChecked,
}

/// A warning with its words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Warning {
    /// Stable code.
    pub code: WarningCode,
    /// One sentence for the creator (`picture.warning.<code>`).
    pub message: Words,
}

/// The picture as received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceInfo {
    /// Detected format.
    pub format: SourceFormat,
    /// Width as stored in the file (0 when unknown: a HEIC photo is never opened).
    pub width: u32,
    /// Height as stored in the file (0 when unknown).
    pub height: u32,
    /// Width as seen upright (after EXIF orientation; 0 when unknown).
    pub upright_width: u32,
    /// Height as seen upright (0 when unknown).
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
    /// Width: the frame's for an exact target (0 when unknown: a HEIC passed on unopened).
    pub width: u32,
    /// Height (0 when unknown).
    pub height: u32,
    /// Landscape (width >= height) or portrait.
    pub orientation: Orientation,
    /// Size of [`Prepared::bytes`]; at most the rules' `max_bytes`.
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
#[derive(Clone, PartialEq, Serialize, Deserialize)]
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
    /// One line, e.g. "Cropped 4032x3024 to 1280x720, 412 KB" (`picture.summary.*`).
    pub summary: Words,
    /// Small JPEG of the result when [`Options::preview`] is set (absent for a HEIC passed
    /// on unopened: there are no pixels to show).
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
            reason: error::READ_FOLDER.into(),
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
        K::NotFound => error::READ_MISSING.into(),
        K::PermissionDenied => error::READ_DENIED.into(),
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
