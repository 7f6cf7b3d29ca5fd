//! Errors a creator can read. Every variant has a stable `code()` for the UI to switch on and
//! `words()` for the person (a catalogue key and its parameters); `Display` is their English,
//! for logs and the CLI.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
pub use sora_words::Words;

/// Why a picture could not be prepared.
#[derive(Debug)]
#[non_exhaustive]
pub enum PreflightError {
    /// Zero bytes.
    Empty,

    /// Something else entirely (text, a PDF, a video, ...).
    NotAnImage {
        /// What it seems to be instead, in plain words ("text", "a PDF document"), if known.
        looks_like: Option<&'static str>,
    },

    /// HEIC / HEIF, the iPhone's default photo format, for a model that does not take it.
    Heic,

    /// A HEIC photo for a model that takes HEIC, but over its byte limit (a HEIC file cannot
    /// be made smaller here).
    HeicTooLarge {
        /// Size of the file.
        bytes: u64,
        /// The model's limit.
        max: u64,
        /// The model's name, if known.
        model: Option<String>,
    },

    /// AVIF.
    Avif,

    /// A picture format we recognise but do not read (JPEG XL, JPEG 2000, Photoshop, SVG, ...).
    Unsupported {
        /// The format's everyday name.
        format: &'static str,
    },

    /// The file stops before the picture does.
    Truncated,

    /// The file is damaged.
    Corrupt {
        /// Technical detail for logs, not for the person.
        detail: String,
    },

    /// The file itself is too big to be worth opening.
    FileTooLarge {
        /// Size of the file.
        bytes: u64,
        /// The limit.
        max: u64,
    },

    /// Too many pixels (or a header claiming so).
    TooManyPixels {
        /// Width claimed by the file.
        width: u64,
        /// Height claimed by the file.
        height: u64,
        /// The limit.
        max_pixels: u64,
    },

    /// Smaller than the model accepts (shorter side under its minimum).
    TooSmall {
        /// Width as seen upright.
        width: u32,
        /// Height as seen upright.
        height: u32,
        /// The model's shortest side.
        min_side: u32,
        /// The model's name, if known.
        model: Option<String>,
    },

    /// Decoding would need more memory than allowed.
    TooMuchMemory {
        /// Technical detail for logs.
        detail: String,
    },

    /// Even at the lowest acceptable quality (and, where the model allows, the smallest size)
    /// the output is over the model's byte limit (not expected for real pictures, but the rule
    /// is checked rather than assumed).
    OutputTooLarge {
        /// The limit.
        max: u64,
    },

    /// The file could not be read from disk.
    Read {
        /// The operating system's reason, e.g. "No such file or directory".
        reason: String,
    },

    /// A bug, caught before it could crash the app.
    Internal {
        /// Technical detail for logs.
        detail: String,
    },
}

impl PreflightError {
    /// Stable machine-readable code, e.g. `"heic"` or `"too_many_pixels"`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::NotAnImage { .. } => "not_an_image",
            Self::Heic => "heic",
            Self::HeicTooLarge { .. } => "heic_too_large",
            Self::Avif => "avif",
            Self::Unsupported { .. } => "unsupported_format",
            Self::Truncated => "truncated",
            Self::Corrupt { .. } => "corrupt",
            Self::FileTooLarge { .. } => "file_too_large",
            Self::TooManyPixels { .. } => "too_many_pixels",
            Self::TooSmall { .. } => "too_small",
            Self::TooMuchMemory { .. } => "too_much_memory",
            Self::OutputTooLarge { .. } => "output_too_large",
            Self::Read { .. } => "read_failed",
            Self::Internal { .. } => "internal",
        }
    }

    /// The words for the person: `problem.<code>` or one of its variants, with the sizes and
    /// names as parameters.
    pub fn words(&self) -> Words {
        match self {
            Self::Empty => Words::new("problem.empty"),
            Self::NotAnImage { looks_like } => match *looks_like {
                Some(TEXT) => Words::new("problem.not_an_image.text"),
                Some(PDF) => Words::new("problem.not_an_image.pdf"),
                Some(ZIP) => Words::new("problem.not_an_image.zip"),
                Some(VIDEO) => Words::new("problem.not_an_image.video"),
                Some(SOUND) => Words::new("problem.not_an_image.sound"),
                _ => Words::new("problem.not_an_image"),
            },
            Self::Heic => Words::new("problem.heic"),
            Self::HeicTooLarge { bytes, max, model } => match model {
                Some(name) => Words::new("problem.heic_too_large").with("model", name.as_str()),
                None => Words::new("problem.heic_too_large.any_model"),
            }
            .with("bytes", *bytes)
            .with("max", *max),
            Self::Avif => Words::new("problem.avif"),
            Self::Unsupported { format } => {
                Words::new("problem.unsupported_format").with("format", *format)
            }
            Self::Truncated => Words::new("problem.truncated"),
            Self::Corrupt { .. } => Words::new("problem.corrupt"),
            Self::FileTooLarge { bytes, max } => Words::new("problem.file_too_large")
                .with("bytes", *bytes)
                .with("max", *max),
            Self::TooManyPixels {
                width,
                height,
                max_pixels,
            } => {
                let words = if *width == 0 || *height == 0 {
                    Words::new("problem.too_many_pixels")
                } else {
                    Words::new("problem.too_many_pixels.size")
                        .with("width", width.to_string())
                        .with("height", height.to_string())
                        .with("megapixels", megapixels(*width, *height))
                };
                words.with("most", *max_pixels / 1_000_000)
            }
            Self::TooSmall {
                width,
                height,
                min_side,
                model,
            } => match model {
                Some(name) => Words::new("problem.too_small").with("model", name.as_str()),
                None => Words::new("problem.too_small.any_model"),
            }
            .with("width", width.to_string())
            .with("height", height.to_string())
            .with("min_side", *min_side),
            Self::TooMuchMemory { .. } => Words::new("problem.too_much_memory"),
            Self::OutputTooLarge { max } => {
                Words::new("problem.output_too_large").with("max", *max)
            }
            Self::Read { reason } => match reason.as_str() {
                READ_FOLDER => Words::new("problem.read_failed.folder"),
                READ_MISSING => Words::new("problem.read_failed.missing"),
                READ_DENIED => Words::new("problem.read_failed.denied"),
                other => Words::new("problem.read_failed.os").with("reason", other),
            },
            Self::Internal { .. } => Words::new("problem.internal.picture"),
        }
    }

    /// Every code `code()` can return, for documentation and for the UI's exhaustiveness test.
    pub const CODES: &'static [&'static str] = &[
        "empty",
        "not_an_image",
        "heic",
        "heic_too_large",
        "avif",
        "unsupported_format",
        "truncated",
        "corrupt",
        "file_too_large",
        "too_many_pixels",
        "too_small",
        "too_much_memory",
        "output_too_large",
        "read_failed",
        "internal",
    ];

    /// Technical detail for logs (never shown as the main message).
    pub fn detail(&self) -> Option<&str> {
        match self {
            Self::Corrupt { detail }
            | Self::TooMuchMemory { detail }
            | Self::Internal { detail } => Some(detail),
            _ => None,
        }
    }

    pub(crate) fn corrupt(detail: impl std::fmt::Display) -> Self {
        Self::Corrupt {
            detail: detail.to_string(),
        }
    }
}

/// `{ "code": "...", "message": {"key", "params"}, "retryable": false }`, the shape the IPC layer sends.
impl Serialize for PreflightError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("PreflightError", 3)?;
        s.serialize_field("code", self.code())?;
        s.serialize_field("message", &self.words())?;
        // The same file will fail the same way; only a read error might be worth retrying.
        s.serialize_field("retryable", &matches!(self, Self::Read { .. }))?;
        s.end()
    }
}

/// English, for logs and the CLI.
impl std::fmt::Display for PreflightError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.words().english())
    }
}

impl std::error::Error for PreflightError {}

// What a file seems to be instead of a picture (`NotAnImage::looks_like`, for logs).
pub(crate) const TEXT: &str = "text";
pub(crate) const PDF: &str = "a PDF document";
pub(crate) const ZIP: &str = "a ZIP archive or office document";
pub(crate) const VIDEO: &str = "a video";
pub(crate) const SOUND: &str = "a sound file";

// Why a file could not be read, when the words have a wording of their own (`Read::reason`).
pub(crate) const READ_FOLDER: &str = "it is a folder, not a file";
pub(crate) const READ_MISSING: &str = "the file does not exist (was it moved or deleted?)";
pub(crate) const READ_DENIED: &str = "permission denied";

/// Megapixels as people read them: whole above 10, one decimal below.
fn megapixels(w: u64, h: u64) -> f64 {
    let mp = (w as f64) * (h as f64) / 1e6;
    if mp >= 10.0 {
        mp.round()
    } else {
        (mp * 10.0).round() / 10.0
    }
}

/// "412 KB", "3.4 MB" (decimal units, as file managers on macOS and in most UIs show them).
pub fn human_bytes(bytes: u64) -> String {
    if bytes >= 1_000_000 {
        let mb = bytes as f64 / 1e6;
        if mb >= 100.0 {
            format!("{mb:.0} MB")
        } else {
            format!("{mb:.1} MB")
        }
    } else if bytes >= 1_000 {
        format!("{} KB", (bytes + 500) / 1_000)
    } else {
        format!("{bytes} bytes")
    }
}
