//! Format detection from the first bytes of the content (never from the file name).

use crate::error::PreflightError;
use crate::SourceFormat;

/// Identify a readable format, or explain in plain words why the bytes cannot be used.
pub(crate) fn sniff(data: &[u8]) -> Result<SourceFormat, PreflightError> {
    if data.is_empty() {
        return Err(PreflightError::Empty);
    }
    let starts = |sig: &[u8]| data.starts_with(sig);

    if starts(&[0xFF, 0xD8, 0xFF]) {
        return Ok(SourceFormat::Jpeg);
    }
    if starts(b"\x89PNG\r\n\x1a\n") {
        return Ok(SourceFormat::Png);
    }
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return Ok(SourceFormat::Gif);
    }
    if data.len() >= 12 && starts(b"RIFF") {
        return match &data[8..12] {
            b"WEBP" => Ok(SourceFormat::Webp),
            b"AVI " => Err(PreflightError::NotAnImage {
                looks_like: Some(crate::error::VIDEO),
            }),
            b"WAVE" => Err(PreflightError::NotAnImage {
                looks_like: Some(crate::error::SOUND),
            }),
            _ => Err(PreflightError::NotAnImage { looks_like: None }),
        };
    }
    if starts(b"II*\0") || starts(b"MM\0*") || starts(b"II+\0") || starts(b"MM\0+") {
        return Ok(SourceFormat::Tiff);
    }
    if data.len() >= 18 && starts(b"BM") {
        let dib = u32::from_le_bytes([data[14], data[15], data[16], data[17]]);
        if matches!(dib, 12 | 16 | 40 | 52 | 56 | 64 | 108 | 124) {
            return Ok(SourceFormat::Bmp);
        }
    }
    if let Some(err) = iso_bmff(data) {
        return Err(err);
    }
    if starts(&[0xFF, 0x0A]) || starts(b"\0\0\0\x0cJXL \r\n\x87\n") {
        return Err(PreflightError::Unsupported { format: "JPEG XL" });
    }
    if starts(b"\0\0\0\x0cjP  \r\n\x87\n") || starts(&[0xFF, 0x4F, 0xFF, 0x51]) {
        return Err(PreflightError::Unsupported {
            format: "JPEG 2000",
        });
    }
    if starts(b"8BPS") {
        return Err(PreflightError::Unsupported {
            format: "Photoshop (PSD)",
        });
    }
    if starts(b"\0\0\x01\0") && data.len() >= 6 && data[4] != 0 {
        return Err(PreflightError::Unsupported {
            format: "icon (ICO)",
        });
    }
    if starts(b"%PDF") {
        return Err(PreflightError::NotAnImage {
            looks_like: Some(crate::error::PDF),
        });
    }
    if starts(b"PK\x03\x04") {
        return Err(PreflightError::NotAnImage {
            looks_like: Some(crate::error::ZIP),
        });
    }
    if starts(b"\x1aE\xdf\xa3") {
        return Err(PreflightError::NotAnImage {
            looks_like: Some(crate::error::VIDEO),
        });
    }
    let head = &data[..data.len().min(1024)];
    if let Ok(text) = std::str::from_utf8(trim_partial_utf8(head)) {
        let lower = text.to_ascii_lowercase();
        if lower.contains("<svg") {
            return Err(PreflightError::Unsupported {
                format: "SVG (a drawing, not a photo)",
            });
        }
        if text
            .chars()
            .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
        {
            return Err(PreflightError::NotAnImage {
                looks_like: Some(crate::error::TEXT),
            });
        }
    }
    Err(PreflightError::NotAnImage { looks_like: None })
}

/// A UTF-8 sequence may be cut at the 1024-byte boundary; drop up to 3 trailing bytes of it.
fn trim_partial_utf8(b: &[u8]) -> &[u8] {
    for cut in 0..4.min(b.len() + 1) {
        if std::str::from_utf8(&b[..b.len() - cut]).is_ok() {
            return &b[..b.len() - cut];
        }
    }
    b
}

/// HEIC, AVIF and videos share the ISO base media file format: an `ftyp` box with brands.
fn iso_bmff(data: &[u8]) -> Option<PreflightError> {
    if data.len() < 12 || &data[4..8] != b"ftyp" {
        return None;
    }
    let size = u32::from_be_bytes([data[0], data[1], data[2], data[3]]) as usize;
    let end = size.clamp(12, 256).min(data.len());
    let major = &data[8..12];
    // Compatible brands follow the 4-byte minor version.
    let compatible = data.get(16..end).unwrap_or(&[]);
    let brands = std::iter::once(major).chain(compatible.chunks_exact(4));
    let mut heif = false;
    let mut avif = false;
    let mut video = false;
    for b in brands {
        match b {
            b"avif" | b"avis" => avif = true,
            b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" | b"mif1" | b"msf1" => {
                heif = true
            }
            b"isom" | b"iso2" | b"mp41" | b"mp42" | b"M4V " | b"qt  " | b"3gp4" | b"3gp5"
            | b"avc1" | b"dash" => video = true,
            _ => {}
        }
    }
    // AVIF files also list `mif1`; the AV1 brand decides. A major brand wins over compatibles.
    Some(
        if major == b"avif" || major == b"avis" || (avif && !matches!(major, b"heic" | b"heix")) {
            PreflightError::Avif
        } else if heif {
            PreflightError::Heic
        } else if video {
            PreflightError::NotAnImage {
                looks_like: Some(crate::error::VIDEO),
            }
        } else {
            PreflightError::Unsupported {
                format: "an unknown ISO media",
            }
        },
    )
}
