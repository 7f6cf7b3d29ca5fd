//! PNG and WebP container walks: facts before decoding, completeness, and lossless removal of
//! metadata chunks (pixels and all other chunks copied byte for byte).

use crate::error::PreflightError;
use crate::exif;

#[derive(Debug, Default)]
pub(crate) struct ContainerInfo {
    pub width: u32,
    pub height: u32,
    /// Metadata chunks present (text, EXIF, XMP, time).
    pub has_metadata: bool,
    pub has_gps: bool,
    /// EXIF orientation stored in the container (1 if none).
    pub orientation: u8,
    /// More than one frame (APNG, animated WebP).
    pub animated: bool,
    /// The format can carry transparency in this file (alpha channel or tRNS / ALPH).
    pub may_have_alpha: bool,
    /// Lossless coding (PNG, WebP VP8L): decides the default output format.
    pub lossless: bool,
    /// Chunks to keep, as byte ranges.
    keep: Vec<(usize, usize)>,
}

/// PNG: signature, then `length type data crc` chunks until IEND.
pub(crate) fn png_scan(data: &[u8]) -> Result<ContainerInfo, PreflightError> {
    let mut info = ContainerInfo {
        orientation: 1,
        lossless: true,
        ..Default::default()
    };
    let mut pos = 8;
    let mut seen_ihdr = false;
    loop {
        let Some(head) = data.get(pos..pos + 8) else {
            return Err(PreflightError::Truncated);
        };
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let kind: [u8; 4] = [head[4], head[5], head[6], head[7]];
        if len > i32::MAX as usize {
            return Err(PreflightError::corrupt("PNG chunk length out of range"));
        }
        let end = pos + 12 + len;
        if end > data.len() {
            return Err(PreflightError::Truncated);
        }
        let body = &data[pos + 8..pos + 8 + len];
        if !seen_ihdr {
            if &kind != b"IHDR" || len < 13 {
                return Err(PreflightError::corrupt("PNG without a header chunk"));
            }
            seen_ihdr = true;
            info.width = u32::from_be_bytes([body[0], body[1], body[2], body[3]]);
            info.height = u32::from_be_bytes([body[4], body[5], body[6], body[7]]);
            info.may_have_alpha = matches!(body[9], 4 | 6);
        }
        let keep = match &kind {
            b"tEXt" | b"zTXt" | b"iTXt" | b"tIME" => false,
            b"eXIf" => {
                let e = exif::parse(body);
                info.orientation = e.orientation;
                info.has_gps |= e.has_gps;
                false
            }
            b"tRNS" => {
                info.may_have_alpha = true;
                true
            }
            b"acTL" => {
                info.animated = true;
                true
            }
            _ => true,
        };
        if keep {
            info.keep.push((pos, end));
        } else {
            info.has_metadata = true;
        }
        pos = end;
        if &kind == b"IEND" {
            break;
        }
    }
    if data.len() > pos {
        info.has_metadata = true; // trailing bytes after IEND
    }
    Ok(info)
}

pub(crate) fn png_strip(data: &[u8], info: &ContainerInfo) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    out.extend_from_slice(&data[..8]);
    for &(a, b) in &info.keep {
        out.extend_from_slice(&data[a..b]);
    }
    out
}

/// WebP: `RIFF size WEBP` then chunks `fourcc size data [pad]`.
pub(crate) fn webp_scan(data: &[u8]) -> Result<ContainerInfo, PreflightError> {
    let mut info = ContainerInfo {
        orientation: 1,
        ..Default::default()
    };
    let riff_size = u32::from_le_bytes([data[4], data[5], data[6], data[7]]) as usize;
    let riff_end = riff_size
        .checked_add(8)
        .ok_or_else(|| PreflightError::corrupt("RIFF size overflow"))?;
    if riff_end > data.len() {
        return Err(PreflightError::Truncated);
    }
    if riff_end < 12 + 8 {
        return Err(PreflightError::corrupt("WebP without chunks"));
    }
    let mut pos = 12;
    let mut first = true;
    while pos + 8 <= riff_end {
        let kind: [u8; 4] = [data[pos], data[pos + 1], data[pos + 2], data[pos + 3]];
        let len = u32::from_le_bytes([data[pos + 4], data[pos + 5], data[pos + 6], data[pos + 7]])
            as usize;
        let body_end = pos + 8 + len;
        let end = body_end + (len & 1);
        if body_end > riff_end {
            return Err(PreflightError::Truncated);
        }
        let body = &data[pos + 8..body_end];
        let keep = match &kind {
            b"VP8X" if first && len >= 10 => {
                let flags = body[0];
                info.may_have_alpha = flags & 0x10 != 0;
                info.animated = flags & 0x02 != 0;
                info.width = 1 + u32::from_le_bytes([body[4], body[5], body[6], 0]);
                info.height = 1 + u32::from_le_bytes([body[7], body[8], body[9], 0]);
                true
            }
            b"VP8 " if len >= 10 => {
                if first {
                    info.width = (u16::from_le_bytes([body[6], body[7]]) & 0x3FFF) as u32;
                    info.height = (u16::from_le_bytes([body[8], body[9]]) & 0x3FFF) as u32;
                }
                true
            }
            b"VP8L" if len >= 5 => {
                info.lossless = true;
                if first {
                    let b = u32::from_le_bytes([body[1], body[2], body[3], body[4]]);
                    info.width = (b & 0x3FFF) + 1;
                    info.height = ((b >> 14) & 0x3FFF) + 1;
                    info.may_have_alpha = (b >> 28) & 1 == 1;
                }
                true
            }
            b"EXIF" => {
                let e = exif::parse(body);
                info.orientation = e.orientation;
                info.has_gps |= e.has_gps;
                false
            }
            b"XMP " => false,
            _ => true,
        };
        first = false;
        if keep {
            info.keep.push((pos, end.min(riff_end)));
        } else {
            info.has_metadata = true;
        }
        pos = end;
    }
    if data.len() > riff_end {
        info.has_metadata = true;
    }
    Ok(info)
}

pub(crate) fn webp_strip(data: &[u8], info: &ContainerInfo) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    out.extend_from_slice(b"RIFF\0\0\0\0WEBP");
    for &(a, b) in &info.keep {
        let start = out.len();
        out.extend_from_slice(&data[a..b]);
        if &data[a..a + 4] == b"VP8X" {
            // Clear the EXIF (0x08) and XMP (0x04) flags: those chunks are gone.
            out[start + 8] &= !0x0C;
        }
    }
    let size = (out.len() - 8) as u32;
    out[4..8].copy_from_slice(&size.to_le_bytes());
    out
}
