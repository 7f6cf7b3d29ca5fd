//! Errors a creator can read. Every variant has a stable `code()` for the UI to switch on;
//! the `Display` text is the plain-words message shown to the person.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

/// Why a picture could not be prepared.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PreflightError {
    /// Zero bytes.
    #[error("This file is empty (0 bytes). Pick the picture again, or export it again from the app it came from.")]
    Empty,

    /// Something else entirely (text, a PDF, a video, ...).
    #[error("This file is not a picture{}. Choose a JPEG, PNG or WebP image.", looks_like_text(.looks_like))]
    NotAnImage {
        /// What it seems to be instead, in plain words ("text", "a PDF document"), if known.
        looks_like: Option<&'static str>,
    },

    /// HEIC / HEIF, the iPhone's default photo format, for a model that does not take it.
    #[error("This is a HEIC photo (the iPhone's usual format), which Sora Desk cannot read yet. Convert it to JPEG or PNG and try again (on an iPhone: Settings > Camera > Formats > Most Compatible).")]
    Heic,

    /// A HEIC photo for a model that takes HEIC, but over its byte limit (a HEIC file cannot
    /// be made smaller here).
    #[error("This HEIC photo is {} and {} takes at most {}; Sora Desk cannot make HEIC photos smaller. Convert it to JPEG or PNG and try again.", human_bytes(*.bytes), model_or_generic(.model), human_bytes(*.max))]
    HeicTooLarge {
        /// Size of the file.
        bytes: u64,
        /// The model's limit.
        max: u64,
        /// The model's name, if known.
        model: Option<String>,
    },

    /// AVIF.
    #[error("This is an AVIF picture, which Sora Desk cannot read yet. Save it as JPEG, PNG or WebP and try again.")]
    Avif,

    /// A picture format we recognise but do not read (JPEG XL, JPEG 2000, Photoshop, SVG, ...).
    #[error("This picture is in {format} format, which Sora Desk cannot read. Save it as JPEG, PNG or WebP and try again.")]
    Unsupported {
        /// The format's everyday name.
        format: &'static str,
    },

    /// The file stops before the picture does.
    #[error("This picture file is incomplete: it ends before the picture does (often a download or copy that was cut short). Get the file again and retry.")]
    Truncated,

    /// The file is damaged.
    #[error("This picture file is damaged and cannot be read. Try opening it in another app and saving a new copy.")]
    Corrupt {
        /// Technical detail for logs, not for the person.
        detail: String,
    },

    /// The file itself is too big to be worth opening.
    #[error("This file is {} and pictures up to {} are accepted. Save a smaller copy and try again.", human_bytes(*.bytes), human_bytes(*.max))]
    FileTooLarge {
        /// Size of the file.
        bytes: u64,
        /// The limit.
        max: u64,
    },

    /// Too many pixels (or a header claiming so).
    #[error("{}; the limit is {} megapixels. Save a smaller copy and try again.", claimed_size(*.width, *.height), *.max_pixels / 1_000_000)]
    TooManyPixels {
        /// Width claimed by the file.
        width: u64,
        /// Height claimed by the file.
        height: u64,
        /// The limit.
        max_pixels: u64,
    },

    /// Smaller than the model accepts (shorter side under its minimum).
    #[error("This picture is {width}x{height} pixels; {} needs at least {min_side} pixels on each side. Use a larger picture.", model_or_generic(.model))]
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
    #[error("This picture would need too much memory to open. Save a smaller copy and try again.")]
    TooMuchMemory {
        /// Technical detail for logs.
        detail: String,
    },

    /// Even at the lowest acceptable quality (and, where the model allows, the smallest size)
    /// the output is over the model's byte limit (not expected for real pictures, but the rule
    /// is checked rather than assumed).
    #[error("The prepared picture is still larger than {} after compression.", human_bytes(*.max))]
    OutputTooLarge {
        /// The limit.
        max: u64,
    },

    /// The file could not be read from disk.
    #[error("Sora Desk could not open this file: {reason}.")]
    Read {
        /// The operating system's reason, e.g. "No such file or directory".
        reason: String,
    },

    /// A bug, caught before it could crash the app.
    #[error("Something went wrong while preparing this picture. Please try another picture, and report this one if it keeps happening.")]
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

/// `{ "code": "...", "message": "...", "retryable": false }`, the shape the IPC layer sends.
impl Serialize for PreflightError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("PreflightError", 3)?;
        s.serialize_field("code", self.code())?;
        s.serialize_field("message", &self.to_string())?;
        // The same file will fail the same way; only a read error might be worth retrying.
        s.serialize_field("retryable", &matches!(self, Self::Read { .. }))?;
        s.end()
    }
}

fn looks_like_text(what: &Option<&'static str>) -> String {
    match what {
        Some(w) => format!(" (it looks like {w})"),
        None => String::new(),
    }
}

fn model_or_generic(model: &Option<String>) -> &str {
    model.as_deref().unwrap_or("this model")
}

fn claimed_size(w: u64, h: u64) -> String {
    if w == 0 || h == 0 {
        "This picture is too large".to_string()
    } else {
        format!(
            "This picture is {w}x{h} pixels ({} megapixels)",
            megapixels(w, h)
        )
    }
}

fn megapixels(w: u64, h: u64) -> String {
    let mp = (w as f64) * (h as f64) / 1e6;
    if mp >= 10.0 {
        format!("{mp:.0}")
    } else {
        format!("{mp:.1}")
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
