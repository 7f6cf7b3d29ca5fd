//! Embedded ICC profiles: pixels are converted to sRGB (what Sora and the web assume), using
//! the pure-Rust `moxcms` colour engine.

use moxcms::{ColorProfile, DataColorSpace, Layout, TransformOptions};

/// Outcome of honouring a profile.
pub(crate) enum ColourOutcome {
    /// Pixels changed noticeably: the profile was not sRGB.
    Converted,
    /// The profile is sRGB or equivalent: nothing visible changed.
    AlreadySrgb,
    /// Not an RGB profile (grey, CMYK, ...), or unreadable: pixels left as they are.
    Ignored,
}

fn transform(icc: &[u8]) -> Result<std::sync::Arc<moxcms::Transform8BitExecutor>, String> {
    let profile = ColorProfile::new_from_slice(icc).map_err(|e| format!("{e:?}"))?;
    if profile.color_space != DataColorSpace::Rgb {
        return Err(format!("{:?} profile", profile.color_space));
    }
    let srgb = ColorProfile::new_srgb();
    profile
        .create_transform_8bit(Layout::Rgb, &srgb, Layout::Rgb, TransformOptions::default())
        .map_err(|e| format!("{e:?}"))
}

/// Convert packed RGB8 pixels from the profile's space to sRGB, in place.
pub(crate) fn to_srgb(icc: &[u8], rgb: &mut [u8]) -> ColourOutcome {
    let t = match transform(icc) {
        Ok(t) => t,
        Err(_) => return ColourOutcome::Ignored,
    };
    let mut out = vec![0u8; rgb.len()];
    if t.transform(rgb, &mut out).is_err() {
        return ColourOutcome::Ignored;
    }
    let changed = rgb
        .iter()
        .zip(&out)
        .any(|(&a, &b)| (a as i16 - b as i16).abs() > 2);
    rgb.copy_from_slice(&out);
    if changed {
        ColourOutcome::Converted
    } else {
        ColourOutcome::AlreadySrgb
    }
}

/// True when converting through the profile leaves colours as they are (an sRGB profile, or
/// one that can't be read and would be ignored anyway by most viewers is *not* counted).
pub(crate) fn is_srgb_equivalent(icc: &[u8]) -> bool {
    let Ok(t) = transform(icc) else {
        return false;
    };
    let probe: Vec<u8> = [
        [255, 0, 0],
        [0, 255, 0],
        [0, 0, 255],
        [255, 255, 0],
        [0, 255, 255],
        [255, 0, 255],
        [128, 128, 128],
        [200, 100, 50],
        [20, 40, 80],
    ]
    .concat();
    let mut out = vec![0u8; probe.len()];
    if t.transform(&probe, &mut out).is_err() {
        return false;
    }
    probe
        .iter()
        .zip(&out)
        .all(|(&a, &b)| (a as i16 - b as i16).abs() <= 2)
}
