//! The video models the fake serves and how EvoLink checks a create request for each.
//!
//! Written from `shared/evolink-models.md` on purpose, apart from the client's own model table
//! (`crates/evolink`): a fake that shared the client's table would agree with every mistake in
//! it. Where the document leaves something open, the fake refuses only what is surely wrong.

use serde_json::Value;

use crate::state::round2;

/// The seven families: prices and picture rules differ per family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    Sora,
    Veo,
    Seedance,
    Kling,
    Wan,
    Grok,
    MiniMax,
}

/// Where a model takes its input pictures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pictures {
    /// Text only: any picture field is refused.
    None,
    /// `image_urls`, an array of `min..=max` URLs.
    Urls { min: usize, max: usize },
    /// `image_start` / `image_end`, single URL strings. `start_required`: Kling and Wan need a
    /// first frame; MiniMax takes an end frame alone but needs at least one of the two.
    StartEnd { start_required: bool },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Durations {
    Set(&'static [i64]),
    /// Inclusive range; `auto` also accepts `-1` (the model chooses, `auto` seconds are held).
    Range {
        min: i64,
        max: i64,
        auto: Option<i64>,
    },
}

/// The model's audio switch, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Audio {
    /// No switch: `generate_audio` and `sound` are refused.
    None,
    /// `generate_audio`: a JSON bool, default true.
    Bool,
    /// `sound`: the string `"on"` or `"off"`, default off.
    OnOff,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PromptLimit {
    Chars(usize),
    /// A limit in tokens. Characters cannot say exactly how many tokens a prompt has, so the
    /// fake refuses only prompts surely over it: more than 4 characters per token allowed.
    Tokens(usize),
    /// The document gives none.
    Unknown,
}

/// What an input picture must be, for the families that take pictures of any size.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds {
    pub max_bytes: usize,
    /// Accepted MIME types of the uploaded file.
    pub formats: &'static [&'static str],
    /// Each side in pixels (0 = not said).
    pub min_side: u32,
    pub max_side: u32,
    /// Width / height (0 = not said).
    pub min_ratio: f64,
    pub max_ratio: f64,
    /// Wan refuses pictures with an alpha channel.
    pub no_alpha: bool,
}

const MB: usize = 1024 * 1024;

/// One model the fake accepts on create.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ModelRow {
    pub id: &'static str,
    pub family: Family,
    pub pictures: Pictures,
    pub durations: Durations,
    pub default_duration: i64,
    /// Accepted `quality` labels; empty = the field is refused.
    pub qualities: &'static [&'static str],
    pub default_quality: &'static str,
    pub aspect_ratios: &'static [&'static str],
    pub default_aspect: &'static str,
    pub audio: Audio,
    pub prompt_limit: PromptLimit,
    /// Credits per second at the base quality, silent where audio costs extra.
    pub price_per_second: f64,
    /// Scales the configured pending and generation times: Sora is 1 (its timing is the
    /// configured one, which the other tests rely on).
    pub time_factor: f64,
    pub can_cancel: bool,
    /// `None` for Sora, whose picture must match the output size exactly (checked apart).
    pub bounds: Option<Bounds>,
}

const SORA_ASPECTS: &[&str] = &["1280x720", "720x1280", "16:9", "9:16"];
const VEO_BOUNDS: Bounds = Bounds {
    max_bytes: 10 * MB,
    formats: &["image/jpeg", "image/png", "image/webp"],
    min_side: 0,
    max_side: 0,
    min_ratio: 0.0,
    max_ratio: 0.0,
    no_alpha: false,
};
const SEEDANCE_BOUNDS: Bounds = Bounds {
    max_bytes: 30 * MB,
    formats: &["image/jpeg", "image/png", "image/webp"],
    min_side: 300,
    max_side: 6000,
    min_ratio: 0.4,
    max_ratio: 2.5,
    no_alpha: false,
};
const KLING_BOUNDS: Bounds = Bounds {
    max_bytes: 10 * MB,
    formats: &["image/jpeg", "image/png"],
    min_side: 300,
    max_side: 0,
    min_ratio: 0.4,
    max_ratio: 2.5,
    no_alpha: false,
};
const WAN_BOUNDS: Bounds = Bounds {
    max_bytes: 20 * MB,
    formats: &["image/jpeg", "image/png", "image/bmp", "image/webp"],
    min_side: 240,
    max_side: 8000,
    min_ratio: 0.125,
    max_ratio: 8.0,
    no_alpha: true,
};
const GROK_BOUNDS: Bounds = Bounds {
    max_bytes: 10 * MB,
    formats: &["image/jpeg", "image/png", "image/webp"],
    ..VEO_BOUNDS
};
const MINIMAX_BOUNDS: Bounds = Bounds {
    max_bytes: 30 * MB,
    formats: &[
        "image/jpeg",
        "image/png",
        "image/webp",
        "image/heic",
        "image/heif",
    ],
    min_side: 256,
    max_side: 5760,
    min_ratio: 0.4,
    max_ratio: 2.5,
    no_alpha: false,
};

const SORA: ModelRow = ModelRow {
    id: "sora-2-preview",
    family: Family::Sora,
    pictures: Pictures::Urls { min: 0, max: 1 },
    durations: Durations::Set(&[4, 8, 12]),
    default_duration: 4,
    qualities: &[],
    default_quality: "",
    aspect_ratios: SORA_ASPECTS,
    default_aspect: "16:9",
    audio: Audio::None,
    prompt_limit: PromptLimit::Chars(5000),
    price_per_second: 5.76,
    time_factor: 1.0,
    can_cancel: true,
    bounds: None,
};

const VEO_FAST: ModelRow = ModelRow {
    id: "veo-3.1-fast-generate-preview",
    family: Family::Veo,
    pictures: Pictures::Urls { min: 0, max: 3 },
    durations: Durations::Set(&[4, 6, 8]),
    default_duration: 4,
    qualities: &["720p", "1080p", "4k"],
    default_quality: "720p",
    aspect_ratios: &["auto", "16:9", "9:16"],
    default_aspect: "auto",
    audio: Audio::Bool,
    prompt_limit: PromptLimit::Tokens(2000),
    price_per_second: 6.34,
    time_factor: 0.5,
    can_cancel: true,
    bounds: Some(VEO_BOUNDS),
};

const SEEDANCE_T2V: ModelRow = ModelRow {
    id: "seedance-2.0-text-to-video",
    family: Family::Seedance,
    pictures: Pictures::None,
    durations: Durations::Range {
        min: 4,
        max: 15,
        auto: None,
    },
    default_duration: 5,
    qualities: &["480p", "720p", "1080p"],
    default_quality: "720p",
    aspect_ratios: &["16:9", "9:16", "1:1", "4:3", "3:4", "21:9", "adaptive"],
    default_aspect: "adaptive",
    audio: Audio::Bool,
    prompt_limit: PromptLimit::Tokens(10000),
    price_per_second: 13.5,
    time_factor: 1.0,
    can_cancel: true,
    bounds: Some(SEEDANCE_BOUNDS),
};
const SEEDANCE_I2V: Pictures = Pictures::Urls { min: 1, max: 2 };
// 1080p is for the standard tier only.
const SEEDANCE_SMALL_QUALITIES: &[&str] = &["480p", "720p"];

const KLING_T2V: ModelRow = ModelRow {
    id: "kling-v3-text-to-video",
    family: Family::Kling,
    pictures: Pictures::None,
    durations: Durations::Range {
        min: 3,
        max: 15,
        auto: None,
    },
    default_duration: 5,
    qualities: &["720p", "1080p", "4k"],
    // [?] the document names no default quality: the fake bills the cheapest.
    default_quality: "720p",
    aspect_ratios: &["16:9", "9:16", "1:1"],
    default_aspect: "16:9",
    audio: Audio::OnOff,
    prompt_limit: PromptLimit::Chars(2500),
    price_per_second: 5.4,
    time_factor: 1.5,
    can_cancel: true,
    bounds: Some(KLING_BOUNDS),
};

const WAN_T2V: ModelRow = ModelRow {
    id: "wan3.0-text-to-video",
    family: Family::Wan,
    pictures: Pictures::None,
    durations: Durations::Range {
        min: 2,
        max: 30,
        auto: Some(30),
    },
    // [?] the document names no default duration.
    default_duration: 5,
    qualities: &["480p", "720p", "1080p"],
    default_quality: "720p",
    aspect_ratios: &["adaptive", "16:9", "9:16", "1:1", "4:3", "3:4"],
    default_aspect: "adaptive",
    audio: Audio::Bool,
    prompt_limit: PromptLimit::Chars(20000),
    price_per_second: 2.55,
    time_factor: 1.5,
    can_cancel: true,
    bounds: Some(WAN_BOUNDS),
};

const GROK_T2V: ModelRow = ModelRow {
    id: "grok-imagine-video-1.0-t2v",
    family: Family::Grok,
    pictures: Pictures::None,
    durations: Durations::Range {
        min: 1,
        max: 15,
        auto: None,
    },
    default_duration: 6,
    qualities: &["480p", "720p"],
    default_quality: "720p",
    aspect_ratios: &["16:9", "9:16", "1:1", "3:2", "2:3", "4:3", "3:4"],
    default_aspect: "16:9",
    audio: Audio::None,
    prompt_limit: PromptLimit::Unknown,
    price_per_second: 2.38,
    time_factor: 0.5,
    can_cancel: true,
    bounds: Some(GROK_BOUNDS),
};

const MINIMAX_T2V: ModelRow = ModelRow {
    id: "minimax-h3-text-to-video",
    family: Family::MiniMax,
    pictures: Pictures::None,
    durations: Durations::Range {
        min: 4,
        max: 15,
        auto: None,
    },
    default_duration: 4,
    qualities: &["768p", "2k"],
    default_quality: "768p",
    aspect_ratios: &["16:9", "21:9", "4:3", "1:1", "3:4", "9:16"],
    default_aspect: "16:9",
    audio: Audio::None,
    prompt_limit: PromptLimit::Chars(7000),
    price_per_second: 5.17,
    time_factor: 1.2,
    can_cancel: false,
    bounds: Some(MINIMAX_BOUNDS),
};

/// Every model of `evolink-models.md` (7 families; its lists name 18 ids).
pub(crate) const MODELS: &[ModelRow] = &[
    SORA,
    ModelRow {
        id: "sora-2-pro-preview",
        aspect_ratios: &["16:9", "9:16"],
        qualities: &["720p", "1080p"],
        default_quality: "720p",
        price_per_second: 17.0,
        ..SORA
    },
    VEO_FAST,
    ModelRow {
        id: "veo-3.1-generate-preview",
        price_per_second: 12.68,
        time_factor: 1.0,
        ..VEO_FAST
    },
    SEEDANCE_T2V,
    ModelRow {
        id: "seedance-2.0-image-to-video",
        pictures: SEEDANCE_I2V,
        ..SEEDANCE_T2V
    },
    ModelRow {
        id: "seedance-2.0-fast-text-to-video",
        qualities: SEEDANCE_SMALL_QUALITIES,
        price_per_second: 8.2,
        time_factor: 0.6,
        ..SEEDANCE_T2V
    },
    ModelRow {
        id: "seedance-2.0-fast-image-to-video",
        pictures: SEEDANCE_I2V,
        qualities: SEEDANCE_SMALL_QUALITIES,
        price_per_second: 8.2,
        time_factor: 0.6,
        ..SEEDANCE_T2V
    },
    ModelRow {
        id: "seedance-2.0-mini-text-to-video",
        qualities: SEEDANCE_SMALL_QUALITIES,
        price_per_second: 2.7,
        time_factor: 0.5,
        ..SEEDANCE_T2V
    },
    ModelRow {
        id: "seedance-2.0-mini-image-to-video",
        pictures: SEEDANCE_I2V,
        qualities: SEEDANCE_SMALL_QUALITIES,
        price_per_second: 2.7,
        time_factor: 0.5,
        ..SEEDANCE_T2V
    },
    KLING_T2V,
    ModelRow {
        id: "kling-v3-image-to-video",
        pictures: Pictures::StartEnd {
            start_required: true,
        },
        ..KLING_T2V
    },
    WAN_T2V,
    ModelRow {
        id: "wan3.0-image-to-video",
        pictures: Pictures::StartEnd {
            start_required: true,
        },
        ..WAN_T2V
    },
    GROK_T2V,
    ModelRow {
        id: "grok-imagine-video-1.0-i2v",
        pictures: Pictures::Urls { min: 1, max: 7 },
        ..GROK_T2V
    },
    MINIMAX_T2V,
    ModelRow {
        id: "minimax-h3-image-to-video",
        pictures: Pictures::StartEnd {
            start_required: false,
        },
        ..MINIMAX_T2V
    },
];

pub(crate) fn find(id: &str) -> Option<&'static ModelRow> {
    MODELS.iter().find(|m| m.id == id)
}

/// A request that passed the model's checks.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Checked {
    /// Seconds billed and reported (`-1` on Wan becomes the seconds held).
    pub duration: u64,
    pub aspect: String,
    pub quality: String,
    pub audio: bool,
    /// Videos per call (Veo's `n`; 1 elsewhere).
    pub n: u32,
    /// Input picture URLs in order (first frame first).
    pub pictures: Vec<String>,
    pub cost: f64,
}

/// The 400 code EvoLink gives a refused parameter. The Sora rows keep `invalid_parameters`,
/// which the fake always answered for them and other tests rely on; the other families answer
/// `invalid_request`, the code of the current API. Clients read both the same way.
pub(crate) fn refusal_code(row: &ModelRow) -> &'static str {
    if row.family == Family::Sora {
        "invalid_parameters"
    } else {
        "invalid_request"
    }
}

fn one_of(field: &str, allowed: &[&str]) -> String {
    format!("{field} must be one of {}", allowed.join(", "))
}

fn as_int(v: &Value) -> Option<i64> {
    // A JSON integer only: "4" and 4.5 are refused, as the real API does.
    v.as_i64()
}

fn present(v: &Value, field: &str) -> Option<Value> {
    match v.get(field) {
        None | Some(Value::Null) => None,
        Some(x) => Some(x.clone()),
    }
}

/// Checks `v` (a create body) against `row`, in the order the fake has always checked Sora:
/// prompt, aspect ratio, duration, quality, pictures; then the other families' fields.
pub(crate) fn validate(row: &ModelRow, v: &Value) -> Result<Checked, String> {
    let id = row.id;
    let prompt = match v.get("prompt") {
        Some(Value::String(s)) if !s.trim().is_empty() => s,
        _ => return Err("prompt is required".into()),
    };
    let chars = prompt.chars().count();
    match row.prompt_limit {
        PromptLimit::Chars(max) if chars > max => {
            return Err(format!("prompt must be at most {max} characters"))
        }
        PromptLimit::Tokens(max) if chars > max * 4 => {
            return Err(format!("prompt must be at most {max} tokens"))
        }
        _ => {}
    }
    let generation_type = match (row.family, present(v, "generation_type")) {
        (_, None) => None,
        (Family::Veo, Some(Value::String(g)))
            if ["TEXT", "FIRST&LAST", "REFERENCE"].contains(&g.as_str()) =>
        {
            Some(g)
        }
        (Family::Veo, Some(_)) => {
            return Err(one_of(
                "generation_type",
                &["TEXT", "FIRST&LAST", "REFERENCE"],
            ))
        }
        // Not a parameter of the other models: ignored like any unknown field.
        (_, Some(_)) => None,
    };
    let reference = generation_type.as_deref() == Some("REFERENCE");
    let mut aspect = match present(v, "aspect_ratio") {
        None => row.default_aspect.to_string(),
        Some(Value::String(s)) if row.aspect_ratios.contains(&s.as_str()) => s,
        _ => return Err(one_of("aspect_ratio", row.aspect_ratios)),
    };
    if reference {
        if present(v, "aspect_ratio").is_some() && aspect != "16:9" {
            return Err("generation_type REFERENCE requires aspect_ratio 16:9".into());
        }
        aspect = "16:9".into();
    }
    let duration = match present(v, "duration") {
        None if reference => 8,
        None => row.default_duration,
        Some(d) => {
            let ok = as_int(&d).filter(|d| match row.durations {
                Durations::Set(set) => set.contains(d),
                Durations::Range { min, max, auto } => {
                    (min..=max).contains(d) || (*d == -1 && auto.is_some())
                }
            });
            match ok {
                Some(d) => d,
                None => {
                    return Err(match row.durations {
                        Durations::Set(set) => format!(
                            "duration must be one of {}",
                            set.iter()
                                .map(|d| d.to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        Durations::Range { min, max, auto } => format!(
                            "duration must be an integer from {min} to {max}{}",
                            if auto.is_some() { " or -1" } else { "" }
                        ),
                    })
                }
            }
        }
    };
    if reference && duration != 8 {
        return Err("generation_type REFERENCE requires duration 8".into());
    }
    let billed = match row.durations {
        Durations::Range {
            auto: Some(held), ..
        } if duration == -1 => held,
        _ => duration,
    };
    let quality = match present(v, "quality") {
        None => row.default_quality.to_string(),
        Some(Value::String(q)) if row.qualities.contains(&q.as_str()) => q,
        _ if row.qualities.is_empty() => {
            return Err("quality is not supported for this model".into())
        }
        _ => {
            return Err(format!(
                "quality must be one of {} for {id}",
                row.qualities.join(", ")
            ))
        }
    };
    let pictures = pictures(row, v)?;
    if let Some(g) = generation_type.as_deref() {
        let n = pictures.len();
        match g {
            "TEXT" if n > 0 => {
                return Err("generation_type TEXT takes no image_urls".into());
            }
            "FIRST&LAST" if !(1..=2).contains(&n) => {
                return Err("generation_type FIRST&LAST needs 1 or 2 image_urls".into());
            }
            _ => {}
        }
    }
    let audio = match row.audio {
        Audio::None => {
            for f in ["generate_audio", "sound"] {
                if v.get(f).is_some() {
                    return Err(format!("{id} takes no {f} parameter"));
                }
            }
            // Sora always has sound; the document says nothing of audio for Grok and MiniMax.
            row.family == Family::Sora
        }
        Audio::Bool => {
            if v.get("sound").is_some() {
                return Err(format!("{id} takes generate_audio (true/false), not sound"));
            }
            match present(v, "generate_audio") {
                None => true,
                Some(Value::Bool(b)) => b,
                Some(_) => return Err("generate_audio must be true or false".into()),
            }
        }
        Audio::OnOff => {
            if v.get("generate_audio").is_some() {
                return Err(format!(
                    "{id} takes sound (\"on\"/\"off\"), not generate_audio"
                ));
            }
            match present(v, "sound") {
                None => false,
                Some(Value::String(s)) if s == "on" => true,
                Some(Value::String(s)) if s == "off" => false,
                Some(_) => return Err("sound must be \"on\" or \"off\"".into()),
            }
        }
    };
    let mut n = 1;
    if row.family == Family::Veo {
        if let Some(x) = present(v, "n") {
            match as_int(&x).filter(|n| (1..=4).contains(n)) {
                Some(x) => n = x as u32,
                None => return Err("n must be an integer from 1 to 4".into()),
            }
        }
        if let Some(x) = present(v, "resize_mode") {
            if !matches!(x.as_str(), Some("pad" | "crop")) {
                return Err(one_of("resize_mode", &["pad", "crop"]));
            }
        }
        if let Some(x) = present(v, "person_generation") {
            if !matches!(x.as_str(), Some("allow_adult" | "dont_allow")) {
                return Err(one_of("person_generation", &["allow_adult", "dont_allow"]));
            }
        }
    }
    // Veo documents 1-4294967295. [?] Wan's range is not in the document: only what cannot be
    // a seed at all (not an integer, negative, over 32 bits) is refused there.
    let seed_range = match row.family {
        Family::Veo => Some(1..=4_294_967_295_i64),
        Family::Wan => Some(0..=4_294_967_295_i64),
        _ => None,
    };
    if let (Some(range), Some(s)) = (seed_range, present(v, "seed")) {
        if !as_int(&s).is_some_and(|s| range.contains(&s)) {
            return Err(format!(
                "seed must be an integer from {} to {}",
                range.start(),
                range.end()
            ));
        }
    }
    if matches!(row.family, Family::Veo | Family::Kling) {
        if let Some(x) = present(v, "negative_prompt") {
            if !x.is_string() {
                return Err("negative_prompt must be a string".into());
            }
        }
    }
    let cost = price(row, billed as f64, &quality, audio, n, pictures.len());
    Ok(Checked {
        duration: billed as u64,
        aspect,
        quality,
        audio,
        n,
        pictures,
        cost,
    })
}

/// The input pictures of the request, from the field the model takes; a picture under the
/// other family's field is refused rather than ignored, since the real service would make a
/// video without it and still charge for it.
fn pictures(row: &ModelRow, v: &Value) -> Result<Vec<String>, String> {
    let id = row.id;
    let urls = present(v, "image_urls");
    let start = present(v, "image_start");
    let end = present(v, "image_end");
    match row.pictures {
        Pictures::None => {
            for (f, x) in [
                ("image_urls", &urls),
                ("image_start", &start),
                ("image_end", &end),
            ] {
                if x.is_some() {
                    return Err(format!("{id} is text-to-video and takes no {f}"));
                }
            }
            Ok(Vec::new())
        }
        Pictures::Urls { min, max } => {
            for (f, x) in [("image_start", &start), ("image_end", &end)] {
                if x.is_some() {
                    return Err(format!("{id} takes its pictures in image_urls, not {f}"));
                }
            }
            let list: Vec<String> = match urls {
                None => Vec::new(),
                Some(Value::Array(a)) if a.iter().all(Value::is_string) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
                Some(_) => return Err("image_urls must be an array of URLs".into()),
            };
            if list.len() > max {
                let unit = if max == 1 { "image" } else { "images" };
                return Err(format!("image_urls supports at most {max} {unit}"));
            }
            if list.len() < min {
                return Err(format!("{id} needs {min} to {max} image_urls"));
            }
            Ok(list)
        }
        Pictures::StartEnd { start_required } => {
            if urls.is_some() {
                return Err(format!(
                    "{id} takes image_start and image_end (single URLs), not image_urls"
                ));
            }
            let mut list = Vec::new();
            for (f, x) in [("image_start", start), ("image_end", end)] {
                match x {
                    None => {}
                    Some(Value::String(s)) => list.push(s),
                    Some(_) => return Err(format!("{f} must be a single URL string")),
                }
            }
            if start_required && present(v, "image_start").is_none() {
                return Err(format!("{id} needs image_start"));
            }
            if list.is_empty() {
                return Err(format!("{id} needs image_start or image_end"));
            }
            Ok(list)
        }
    }
}

/// Credits reserved for a request, from the prices of `evolink-models.md` (1 USD = 68 credits).
pub(crate) fn price(
    row: &ModelRow,
    seconds: f64,
    quality: &str,
    audio: bool,
    n: u32,
    pictures: usize,
) -> f64 {
    let base = row.price_per_second * seconds;
    let factor = match row.family {
        // sora-2-pro-preview at 1080p: x1.667, as the document says.
        Family::Sora if quality == "1080p" => 1.667,
        Family::Sora => 1.0,
        Family::Veo => {
            let fast = row.id.contains("fast");
            match (fast, quality == "4k", audio) {
                (true, false, false) => 1.0,
                (true, false, true) => 1.5,
                (true, true, false) => 3.0,
                (true, true, true) => 3.51,
                (false, false, false) => 1.0,
                (false, false, true) => 2.0,
                (false, true, false) => 2.0,
                (false, true, true) => 3.0,
            }
        }
        Family::Seedance => match quality {
            "480p" => 0.465,
            "1080p" => 2.5,
            _ => 1.0,
        },
        Family::Kling => match (quality, audio) {
            ("1080p", false) => 1.334,
            ("1080p", true) => 2.0,
            ("4k", _) => 5.0,
            (_, false) => 1.0,
            (_, true) => 1.5,
        },
        Family::Wan => match quality {
            "1080p" => 4.0,
            "720p" => 2.0,
            _ => 1.0,
        },
        Family::Grok => 1.0,
        // 2k has its own per-second price rather than a factor.
        Family::MiniMax if quality == "2k" => 8.4 / 5.17,
        Family::MiniMax => 1.0,
    };
    let per_picture = if row.family == Family::Grok {
        0.095 * pictures as f64
    } else {
        0.0
    };
    round2(base * factor * n as f64 + per_picture)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(id: &str) -> &'static ModelRow {
        find(id).unwrap()
    }

    #[test]
    fn every_listed_id_once() {
        // The document's headline says 17 ids, but its lists name 18 (2 Sora, 2 Veo, 6
        // Seedance, 2 each for Kling, Wan, Grok and MiniMax): the fake serves all 18.
        assert_eq!(MODELS.len(), 18);
        let mut ids: Vec<&str> = MODELS.iter().map(|m| m.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 18);
    }

    #[test]
    fn prices_follow_the_document() {
        let p = |id: &str, body: Value| validate(row(id), &body).unwrap().cost;
        assert_eq!(
            p("sora-2-preview", json!({"prompt": "x", "duration": 8})),
            46.08
        );
        assert_eq!(
            p(
                "veo-3.1-fast-generate-preview",
                json!({"prompt": "x", "duration": 8, "n": 2})
            ),
            round2(6.34 * 8.0 * 1.5 * 2.0)
        );
        assert_eq!(
            p(
                "veo-3.1-generate-preview",
                json!({"prompt": "x", "quality": "4k", "generate_audio": false})
            ),
            round2(12.68 * 4.0 * 2.0)
        );
        assert_eq!(
            p(
                "kling-v3-text-to-video",
                json!({"prompt": "x", "quality": "1080p", "sound": "on"})
            ),
            round2(5.4 * 5.0 * 2.0)
        );
        assert_eq!(
            p(
                "wan3.0-text-to-video",
                json!({"prompt": "x", "duration": -1})
            ),
            round2(2.55 * 30.0 * 2.0),
            "-1 holds 30 s"
        );
        assert_eq!(
            p(
                "minimax-h3-text-to-video",
                json!({"prompt": "x", "quality": "2k"})
            ),
            round2(8.4 * 4.0)
        );
        assert_eq!(
            p(
                "grok-imagine-video-1.0-i2v",
                json!({"prompt": "x", "image_urls": ["a", "b"]})
            ),
            round2(2.38 * 6.0 + 0.19)
        );
    }

    #[test]
    fn token_limits_refuse_only_the_surely_too_long() {
        let veo = row("veo-3.1-fast-generate-preview");
        assert!(validate(veo, &json!({"prompt": "a".repeat(8000)})).is_ok());
        assert!(validate(veo, &json!({"prompt": "a".repeat(8001)})).is_err());
    }

    #[test]
    fn veo_reference_fixes_duration_and_aspect() {
        let veo = row("veo-3.1-generate-preview");
        let c = validate(
            veo,
            &json!({"prompt": "x", "generation_type": "REFERENCE", "image_urls": ["a"]}),
        )
        .unwrap();
        assert_eq!((c.duration, c.aspect.as_str()), (8, "16:9"));
        for bad in [
            json!({"prompt": "x", "generation_type": "REFERENCE", "duration": 4}),
            json!({"prompt": "x", "generation_type": "REFERENCE", "aspect_ratio": "9:16"}),
            json!({"prompt": "x", "generation_type": "REFERENCE", "image_urls": ["a", "b", "c", "d"]}),
            json!({"prompt": "x", "generation_type": "FIRST&LAST"}),
            json!({"prompt": "x", "generation_type": "FIRST&LAST", "image_urls": ["a", "b", "c"]}),
            json!({"prompt": "x", "generation_type": "TEXT", "image_urls": ["a"]}),
            json!({"prompt": "x", "generation_type": "VIDEO"}),
        ] {
            assert!(validate(veo, &bad).is_err(), "{bad}");
        }
    }
}
