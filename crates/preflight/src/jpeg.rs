//! JPEG structure without decoding: header facts, metadata segments, completeness, and a
//! lossless metadata strip (segments are dropped, entropy-coded data is copied verbatim).

use crate::error::PreflightError;
use crate::exif;

/// What the marker walk found.
#[derive(Debug, Default)]
pub(crate) struct JpegInfo {
    pub width: u16,
    pub height: u16,
    pub components: u8,
    /// SOF marker byte (0xC0 baseline, 0xC2 progressive, ...).
    pub sof: u8,
    /// EXIF orientation (1 if none).
    pub orientation: u8,
    /// The EXIF block carries a GPS section.
    pub has_gps: bool,
    /// Any segment or trailer the strip would remove.
    pub has_metadata: bool,
    /// Byte ranges of segments to keep before the first SOS, and the start of SOS.
    keep: Vec<(usize, usize)>,
    sos_start: usize,
    /// One past the EOI marker.
    end: usize,
}

impl JpegInfo {
    /// Progressive (and lossless/hierarchical progressive) frames.
    pub fn progressive(&self) -> bool {
        matches!(self.sof, 0xC2 | 0xC6 | 0xCA | 0xCE)
    }
}

/// Walk the markers. Errors: `Truncated` when the data ends before EOI, `Corrupt` when the
/// structure is broken, `Unsupported` for JPEG variants the decoder cannot read.
pub(crate) fn scan(data: &[u8]) -> Result<JpegInfo, PreflightError> {
    let mut info = JpegInfo {
        orientation: 1,
        ..Default::default()
    };
    let mut pos = 2; // after SOI
    let mut seen_sof = false;
    let mut in_scan = false;
    let mut seen_exif = false;
    loop {
        // Find the next marker: 0xFF followed by a non-zero, non-0xFF byte.
        if in_scan {
            // Entropy-coded data: 0xFF00 is a stuffed byte, 0xFFD0..D7 are restart markers.
            loop {
                let Some(off) = memchr::memchr(0xFF, &data[pos..]) else {
                    return Err(PreflightError::Truncated);
                };
                pos += off;
                match data.get(pos + 1) {
                    None => return Err(PreflightError::Truncated),
                    Some(0x00) | Some(0xD0..=0xD7) => pos += 2,
                    Some(0xFF) => pos += 1,
                    Some(_) => break,
                }
            }
        } else {
            if data.get(pos) != Some(&0xFF) {
                if pos >= data.len() {
                    return Err(PreflightError::Truncated);
                }
                return Err(PreflightError::corrupt(format!(
                    "expected a JPEG marker at byte {pos}"
                )));
            }
            while data.get(pos + 1) == Some(&0xFF) {
                pos += 1;
            }
        }
        let Some(&marker) = data.get(pos + 1) else {
            return Err(PreflightError::Truncated);
        };
        let seg_start = pos;
        pos += 2;
        match marker {
            0xD9 => {
                info.end = pos;
                break;
            }
            0xD0..=0xD7 | 0x01 => continue,
            0xD8 => return Err(PreflightError::corrupt("second start-of-image marker")),
            _ => {}
        }
        let Some(len_bytes) = data.get(pos..pos + 2) else {
            return Err(PreflightError::Truncated);
        };
        let len = u16::from_be_bytes([len_bytes[0], len_bytes[1]]) as usize;
        if len < 2 {
            return Err(PreflightError::corrupt("JPEG segment with a bad length"));
        }
        let seg_end = pos + len;
        if seg_end > data.len() {
            return Err(PreflightError::Truncated);
        }
        let payload = &data[pos + 2..seg_end];
        pos = seg_end;
        if in_scan {
            // Tables and further scans of a progressive JPEG: copied verbatim with the
            // entropy-coded data.
            continue;
        }
        let keep = match marker {
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                if seen_sof {
                    return Err(PreflightError::corrupt("two frame headers"));
                }
                seen_sof = true;
                if payload.len() < 6 {
                    return Err(PreflightError::corrupt("short frame header"));
                }
                info.sof = marker;
                info.height = u16::from_be_bytes([payload[1], payload[2]]);
                info.width = u16::from_be_bytes([payload[3], payload[4]]);
                info.components = payload[5];
                match marker {
                    0xC9..=0xCB | 0xCD..=0xCF => {
                        return Err(PreflightError::Unsupported {
                            format: "arithmetic-coded JPEG",
                        })
                    }
                    0xC5..=0xC7 => {
                        return Err(PreflightError::Unsupported {
                            format: "hierarchical JPEG",
                        })
                    }
                    _ => {}
                }
                true
            }
            0xDA => {
                if !seen_sof {
                    return Err(PreflightError::corrupt("scan before frame header"));
                }
                info.sos_start = seg_start;
                in_scan = true;
                continue;
            }
            0xE1 => {
                if let Some(tiff) = payload.strip_prefix(b"Exif\0\0") {
                    // The first EXIF block is the one readers honour.
                    if !seen_exif {
                        seen_exif = true;
                        let e = exif::parse(tiff);
                        info.orientation = e.orientation;
                        info.has_gps = e.has_gps;
                    }
                }
                false // EXIF and XMP
            }
            0xE2 => payload.starts_with(b"ICC_PROFILE\0"), // keep colour, drop MPF/FlashPix
            0xE0 | 0xEE => true,                           // JFIF/JFXX, Adobe (colour transform)
            0xE3..=0xED | 0xEF | 0xFE => false,            // APPn (IPTC, Photoshop...), comments
            _ => true,                                     // tables, restart interval, ...
        };
        if keep {
            info.keep.push((seg_start, seg_end));
        } else {
            info.has_metadata = true;
        }
    }
    if !seen_sof || info.sos_start == 0 {
        return Err(PreflightError::corrupt("no image data in JPEG"));
    }
    if data[info.end..].iter().any(|&b| b != 0) {
        // Trailers: maker notes, embedded second pictures (with their own EXIF), ...
        info.has_metadata = true;
    }
    Ok(info)
}

/// Rebuild the file without metadata segments and trailers; pixels untouched.
pub(crate) fn strip(data: &[u8], info: &JpegInfo) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    for &(a, b) in &info.keep {
        out.extend_from_slice(&data[a..b]);
    }
    out.extend_from_slice(&data[info.sos_start..info.end]);
    out
}
