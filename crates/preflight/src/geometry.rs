//! Orientation maps and crop/fit arithmetic. "Stored" coordinates are the pixels as encoded in
//! the file; "oriented" coordinates are what a viewer shows after applying EXIF orientation.

/// A rectangle in continuous pixel coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RectF {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// EXIF orientations 5..=8 swap width and height.
pub(crate) fn swaps_axes(orientation: u8) -> bool {
    matches!(orientation, 5..=8)
}

pub(crate) fn oriented_dims(w: u32, h: u32, orientation: u8) -> (u32, u32) {
    if swaps_axes(orientation) {
        (h, w)
    } else {
        (w, h)
    }
}

/// Map a rectangle from oriented coordinates back to stored coordinates of a `sw`x`sh` image.
pub(crate) fn oriented_to_stored(r: RectF, sw: f64, sh: f64, orientation: u8) -> RectF {
    let map = |u: f64, v: f64| -> (f64, f64) {
        match orientation {
            2 => (sw - u, v),
            3 => (sw - u, sh - v),
            4 => (u, sh - v),
            5 => (v, u),
            6 => (v, sh - u),
            7 => (sw - v, sh - u),
            8 => (sw - v, u),
            _ => (u, v),
        }
    };
    let (x0, y0) = map(r.x, r.y);
    let (x1, y1) = map(r.x + r.w, r.y + r.h);
    RectF {
        x: x0.min(x1),
        y: y0.min(y1),
        w: (x1 - x0).abs(),
        h: (y1 - y0).abs(),
    }
}

/// Apply EXIF orientation to a packed RGB8 buffer of `w`x`h` stored pixels.
/// Returns the oriented buffer and its dimensions.
pub(crate) fn orient_rgb(src: &[u8], w: u32, h: u32, orientation: u8) -> (Vec<u8>, u32, u32) {
    if !(2..=8).contains(&orientation) {
        return (src.to_vec(), w, h);
    }
    let (ow, oh) = oriented_dims(w, h, orientation);
    let (w, h) = (w as usize, h as usize);
    let mut out = vec![0u8; src.len()];
    for y in 0..h {
        for x in 0..w {
            let (ox, oy) = match orientation {
                2 => (w - 1 - x, y),
                3 => (w - 1 - x, h - 1 - y),
                4 => (x, h - 1 - y),
                5 => (y, x),
                6 => (h - 1 - y, x),
                7 => (h - 1 - y, w - 1 - x),
                _ => (y, w - 1 - x), // 8
            };
            let s = (y * w + x) * 3;
            let d = (oy * ow as usize + ox) * 3;
            out[d..d + 3].copy_from_slice(&src[s..s + 3]);
        }
    }
    (out, ow, oh)
}

/// The largest window of aspect `tw:th` inside `ow`x`oh`, centred on `focus` (0..1 each,
/// clamped so the window stays inside the picture).
pub(crate) fn fill_window(ow: f64, oh: f64, tw: f64, th: f64, focus: (f64, f64)) -> RectF {
    let aspect = tw / th;
    let (cw, ch) = if ow / oh > aspect {
        (oh * aspect, oh)
    } else {
        (ow, ow / aspect)
    };
    let fx = clamp01(focus.0) * ow;
    let fy = clamp01(focus.1) * oh;
    RectF {
        x: (fx - cw / 2.0).clamp(0.0, ow - cw),
        y: (fy - ch / 2.0).clamp(0.0, oh - ch),
        w: cw,
        h: ch,
    }
}

/// A caller's rectangle (fractions of the oriented picture), clamped into the picture and
/// trimmed about its centre to the target aspect.
pub(crate) fn rect_window(ow: f64, oh: f64, tw: f64, th: f64, r: RectF) -> RectF {
    trim_centred(clamp_rect(ow, oh, r), tw / th)
}

/// A caller's rectangle (fractions of the oriented picture) in pixels, clamped into the
/// picture, at least one pixel each way (a degenerate rectangle still means "around here").
pub(crate) fn clamp_rect(ow: f64, oh: f64, r: RectF) -> RectF {
    let x0 = clamp01(r.x) * ow;
    let y0 = clamp01(r.y) * oh;
    let x1 = clamp01(r.x + r.w) * ow;
    let y1 = clamp01(r.y + r.h) * oh;
    let (w, h) = ((x1 - x0).max(1.0).min(ow), (y1 - y0).max(1.0).min(oh));
    RectF {
        x: x0.min(ow - w),
        y: y0.min(oh - h),
        w,
        h,
    }
}

/// The largest window of `aspect` (width / height) inside `r`, sharing its centre.
pub(crate) fn trim_centred(r: RectF, aspect: f64) -> RectF {
    let (cw, ch) = if r.w / r.h > aspect {
        (r.h * aspect, r.h)
    } else {
        (r.w, r.w / aspect)
    };
    RectF {
        x: r.x + (r.w - cw) / 2.0,
        y: r.y + (r.h - ch) / 2.0,
        w: cw,
        h: ch,
    }
}

/// Size of the whole picture scaled to fit inside the target, at least 1x1.
pub(crate) fn fit_size(ow: u32, oh: u32, tw: u32, th: u32) -> (u32, u32) {
    let s = (tw as f64 / ow as f64).min(th as f64 / oh as f64);
    let fw = ((ow as f64 * s).round() as u32).clamp(1, tw);
    let fh = ((oh as f64 * s).round() as u32).clamp(1, th);
    (fw, fh)
}

fn clamp01(v: f64) -> f64 {
    if v.is_nan() {
        0.5
    } else {
        v.clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 3x2 stored image with distinct pixels; orienting then mapping a one-pixel rectangle
    /// back must land on the pixel that moved there.
    #[test]
    fn pixel_and_rect_maps_agree_for_all_orientations() {
        let (w, h) = (3u32, 2u32);
        let src: Vec<u8> = (0..(w * h) as u8).flat_map(|i| [i, i, i]).collect();
        for o in 1..=8u8 {
            let (out, ow, oh) = orient_rgb(&src, w, h, o);
            assert_eq!((ow, oh), oriented_dims(w, h, o));
            for oy in 0..oh {
                for ox in 0..ow {
                    let v = out[((oy * ow + ox) * 3) as usize];
                    let r = oriented_to_stored(
                        RectF {
                            x: ox as f64,
                            y: oy as f64,
                            w: 1.0,
                            h: 1.0,
                        },
                        w as f64,
                        h as f64,
                        o,
                    );
                    let stored = (r.y as u32 * w + r.x as u32) as u8;
                    assert_eq!(v, stored, "orientation {o} at ({ox},{oy})");
                    assert_eq!((r.w, r.h), (1.0, 1.0));
                }
            }
        }
    }

    #[test]
    fn fill_window_centres_and_clamps() {
        let r = fill_window(4000.0, 3000.0, 1280.0, 720.0, (0.5, 0.5));
        assert!((r.w - 4000.0).abs() < 1e-9 && (r.h - 2250.0).abs() < 1e-9);
        assert!((r.y - 375.0).abs() < 1e-9);
        let top = fill_window(4000.0, 3000.0, 1280.0, 720.0, (0.5, 0.0));
        assert_eq!(top.y, 0.0);
        let bottom = fill_window(4000.0, 3000.0, 1280.0, 720.0, (0.5, 1.0));
        assert!((bottom.y - 750.0).abs() < 1e-9);
        let nan = fill_window(4000.0, 3000.0, 1280.0, 720.0, (f64::NAN, 0.5));
        assert_eq!(nan, r);
    }

    #[test]
    fn rect_window_trims_to_aspect_inside_the_rect() {
        let r = rect_window(
            1000.0,
            1000.0,
            1280.0,
            720.0,
            RectF {
                x: 0.1,
                y: 0.1,
                w: 0.5,
                h: 0.5,
            },
        );
        assert!((r.w / r.h - 16.0 / 9.0).abs() < 1e-9);
        assert!(r.x >= 100.0 && r.y >= 100.0 && r.x + r.w <= 600.0 + 1e-9);
    }

    #[test]
    fn fit_size_keeps_aspect() {
        assert_eq!(fit_size(2000, 200, 1280, 720), (1280, 128));
        assert_eq!(fit_size(1000, 1000, 1280, 720), (720, 720));
        assert_eq!(fit_size(1, 10000, 1280, 720), (1, 720));
    }
}
