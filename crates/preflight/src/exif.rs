//! The two EXIF facts preflight needs: orientation and whether a GPS section exists.
//! A tiny, bounds-checked reader of IFD0 in a TIFF structure; anything odd reads as "none".

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ExifFacts {
    /// 1..=8, 1 when absent or invalid.
    pub orientation: u8,
    pub has_gps: bool,
}

/// `tiff` starts at the TIFF header ("II*\0" or "MM\0*"); a leading "Exif\0\0" is skipped.
pub(crate) fn parse(tiff: &[u8]) -> ExifFacts {
    let tiff = tiff.strip_prefix(b"Exif\0\0").unwrap_or(tiff);
    let mut facts = ExifFacts {
        orientation: 1,
        has_gps: false,
    };
    let le = match tiff.get(0..4) {
        Some(b"II*\0") => true,
        Some(b"MM\0*") => false,
        _ => return facts,
    };
    let u16_at = |o: usize| -> Option<u16> {
        let b = tiff.get(o..o + 2)?;
        Some(if le {
            u16::from_le_bytes([b[0], b[1]])
        } else {
            u16::from_be_bytes([b[0], b[1]])
        })
    };
    let u32_at = |o: usize| -> Option<u32> {
        let b = tiff.get(o..o + 4)?;
        Some(if le {
            u32::from_le_bytes([b[0], b[1], b[2], b[3]])
        } else {
            u32::from_be_bytes([b[0], b[1], b[2], b[3]])
        })
    };
    let Some(ifd0) = u32_at(4) else { return facts };
    let ifd0 = ifd0 as usize;
    let Some(count) = u16_at(ifd0) else {
        return facts;
    };
    for i in 0..count as usize {
        let entry = ifd0 + 2 + i * 12;
        let (Some(tag), Some(kind)) = (u16_at(entry), u16_at(entry + 2)) else {
            break;
        };
        match tag {
            0x0112 if kind == 3 => {
                if let Some(v) = u16_at(entry + 8) {
                    if (1..=8).contains(&v) {
                        facts.orientation = v as u8;
                    }
                }
            }
            0x8825 => facts.has_gps = true,
            _ => {}
        }
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exif(le: bool, entries: &[(u16, u16, u32)]) -> Vec<u8> {
        let mut v = Vec::new();
        let p16 = |v: &mut Vec<u8>, x: u16| {
            v.extend_from_slice(&if le { x.to_le_bytes() } else { x.to_be_bytes() })
        };
        let p32 = |v: &mut Vec<u8>, x: u32| {
            v.extend_from_slice(&if le { x.to_le_bytes() } else { x.to_be_bytes() })
        };
        v.extend_from_slice(if le { b"II*\0" } else { b"MM\0*" });
        p32(&mut v, 8);
        p16(&mut v, entries.len() as u16);
        for &(tag, kind, value) in entries {
            p16(&mut v, tag);
            p16(&mut v, kind);
            p32(&mut v, 1);
            if kind == 3 {
                p16(&mut v, value as u16);
                p16(&mut v, 0);
            } else {
                p32(&mut v, value);
            }
        }
        p32(&mut v, 0);
        v
    }

    #[test]
    fn reads_orientation_and_gps_in_both_byte_orders() {
        for le in [true, false] {
            let e = exif(le, &[(0x0112, 3, 6), (0x8825, 4, 100)]);
            assert_eq!(
                parse(&e),
                ExifFacts {
                    orientation: 6,
                    has_gps: true
                }
            );
            let e = exif(le, &[(0x0112, 3, 8)]);
            assert_eq!(parse(&e).orientation, 8);
            assert!(!parse(&e).has_gps);
        }
    }

    #[test]
    fn nonsense_reads_as_none() {
        assert_eq!(parse(b"").orientation, 1);
        assert_eq!(parse(b"II*\0\xff\xff\xff\xff").orientation, 1);
        let e = exif(true, &[(0x0112, 3, 9)]);
        assert_eq!(parse(&e).orientation, 1);
        let mut cut = exif(true, &[(0x0112, 3, 3)]);
        cut.truncate(12);
        assert_eq!(parse(&cut).orientation, 1);
    }
}
