//! The video models Sora Desk can use, described as data.
//!
//! `models.json` (beside this crate's `Cargo.toml`, embedded at build) is the one place that
//! says which models exist, what each accepts (picture fields and roles, lengths, qualities,
//! shapes, the sound switch, extra fields), what pictures it takes, how long a prompt may be
//! and what it costs. Adding a model is adding an entry there. Everything else (the client's
//! request body, picture preparation, the estimate, the compose panel, the CLI's help) is
//! derived from it through this crate.
//!
//! A "model" here is what a person picks ("Kling V3"). EvoLink often has two ids for it, one
//! for text only and one taking pictures; [`Model::api_id`] chooses between them.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
pub use sora_words::Words;

mod check;
mod settle;

pub use check::ManifestError;
pub use settle::{Choices, Invalid, PictureRoles, Settled};

/// The manifest as written in `models.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The model offered first (while the key may use it).
    pub default: String,
    pub families: Vec<Family>,
    pub models: Vec<Model>,
}

/// A maker's line of models ("Kling", "Veo 3.1"), for grouping the picker.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Family {
    pub id: String,
    pub name: String,
    pub maker: String,
}

/// One model as a person picks it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    /// Stable key of this entry (settings and the picker use it).
    pub id: String,
    /// [`Family::id`].
    pub family: String,
    /// Name to show people.
    pub name: String,
    /// Short name for file names, e.g. `kling-v3`.
    pub short: String,
    /// EvoLink's `model` value without and with input pictures (often the same).
    pub api_ids: ApiIds,
    /// Longest prompt; absent when EvoLink does not say.
    #[serde(default)]
    pub prompt: Option<PromptLimit>,
    pub duration: Duration,
    /// The `quality` field; absent when the model has none.
    #[serde(default)]
    pub quality: Option<Options>,
    pub aspect: Aspect,
    pub audio: Audio,
    pub pictures: Pictures,
    /// A field whose value follows from whether pictures are given (Veo's `generation_type`).
    #[serde(default)]
    pub mode_field: Option<ModeField>,
    /// The `seed` field and its range; absent when the model has none.
    #[serde(default)]
    pub seed: Option<SeedRange>,
    /// Whether `negative_prompt` (what to avoid) is accepted.
    #[serde(default)]
    pub negative_prompt: bool,
    /// Several videos from one paid call (Veo's `n`); absent: one video per call.
    #[serde(default)]
    pub videos_per_call: Option<VideosPerCall>,
    pub picture_rules: PictureRules,
    pub price: Price,
    /// A typical time to make a video, in seconds; EvoLink's own `estimated_time` wins.
    pub typical_seconds: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiIds {
    pub text: String,
    pub picture: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PromptUnit {
    Characters,
    /// A limit in tokens. A character is never less than one token's worth here: the app
    /// allows as many characters as the limit has tokens, which always stays under it.
    Tokens,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromptLimit {
    pub max: usize,
    pub unit: PromptUnit,
}

/// Lengths in seconds: a set (`values`) or a range (`min`..=`max`), maybe with an "auto" value.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Duration {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    pub default: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto: Option<AutoDuration>,
}

/// "Let the model choose": the value sent, and the seconds held (then partly refunded).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoDuration {
    pub value: i64,
    pub holds: i64,
}

/// A closed list of values with a default.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    pub values: Vec<String>,
    pub default: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Aspect {
    pub values: Vec<String>,
    pub default: String,
    /// Whether `aspect_ratio` is sent when pictures are given, or the picture decides.
    pub with_pictures: WithPictures,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WithPictures {
    Sent,
    Omitted,
}

/// The sound of the video.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Audio {
    /// Always with sound; no field.
    Always,
    /// No field, and EvoLink does not say whether there is sound.
    None,
    /// A field with the values sent for on and off.
    Switch {
        field: String,
        on: serde_json::Value,
        off: serde_json::Value,
        default: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PictureStyle {
    /// `image_urls`: an array, first frame then last frame.
    Urls,
    /// `image_start` and `image_end`: single URLs.
    StartEnd,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pictures {
    pub style: PictureStyle,
    /// A last frame can be given besides the first.
    pub last: bool,
    /// A last frame can be given without a first.
    pub last_alone: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModeField {
    pub field: String,
    /// Value without pictures.
    pub text: String,
    /// Value with pictures.
    pub pictures: String,
}

/// The field that asks for several videos in one call, and the most it may ask for.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VideosPerCall {
    pub field: String,
    pub max: u32,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedRange {
    pub min: u64,
    pub max: u64,
}

/// Picture formats, as the upload must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PictureFormat {
    Jpeg,
    Png,
    Webp,
    Bmp,
    Heic,
}

/// What an input picture must be.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PictureRules {
    /// Exact pixel sizes, per shape (and quality): the picture must equal the output frame.
    /// Empty for models that take pictures of any size within the bounds below.
    #[serde(default)]
    pub exact: Vec<Frame>,
    pub max_bytes: u64,
    pub formats: Vec<PictureFormat>,
    #[serde(default)]
    pub min_side: Option<u32>,
    #[serde(default)]
    pub max_side: Option<u32>,
    /// Width / height.
    #[serde(default)]
    pub min_ratio: Option<f64>,
    #[serde(default)]
    pub max_ratio: Option<f64>,
    /// Whether transparency is accepted (Wan refuses it).
    pub alpha: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Frame {
    pub aspect: String,
    #[serde(default)]
    pub quality: Option<String>,
    pub size: [u32; 2],
}

/// The price formula: `per_second` × the quality's factor (the sound factor instead when
/// sound is on and the model charges for it) × seconds, plus `per_picture` per input picture.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub per_second: f64,
    #[serde(default)]
    pub quality_factor: BTreeMap<String, f64>,
    #[serde(default)]
    pub sound_factor: BTreeMap<String, f64>,
    #[serde(default)]
    pub per_picture: f64,
}

/// Which of a model's EvoLink ids a request uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Text,
    Picture,
}

/// The refusal of a model id the manifest does not have, in the person's words.
pub fn unknown_model(id: &str) -> Invalid {
    Invalid {
        field: "model",
        message: Words::new("problem.invalid_input.unknown_model").with("model", id),
    }
}

/// The manifest embedded in the app. Checked by this crate's tests; a broken file fails them.
pub fn manifest() -> &'static Manifest {
    static MANIFEST: OnceLock<Manifest> = OnceLock::new();
    MANIFEST.get_or_init(|| {
        Manifest::parse(include_str!("../models.json")).expect("models.json is valid")
    })
}

impl Manifest {
    /// Reads and checks a manifest.
    pub fn parse(text: &str) -> Result<Manifest, ManifestError> {
        let manifest: Manifest =
            serde_json::from_str(text).map_err(|e| ManifestError(e.to_string()))?;
        manifest.check()?;
        Ok(manifest)
    }

    /// A model by its entry id.
    pub fn model(&self, id: &str) -> Option<&Model> {
        self.models.iter().find(|m| m.id == id)
    }

    /// The model and variant behind one of EvoLink's ids (`kling-v3-image-to-video`).
    pub fn by_api_id(&self, api_id: &str) -> Option<(&Model, Variant)> {
        self.models.iter().find_map(|m| {
            if m.api_ids.picture == api_id && m.api_ids.text != api_id {
                Some((m, Variant::Picture))
            } else if m.api_ids.text == api_id {
                Some((m, Variant::Text))
            } else {
                None
            }
        })
    }

    /// A model by its entry id (`kling-v3`) or one of its EvoLink ids, or why there is none.
    pub fn find(&self, id: &str) -> Result<&Model, Invalid> {
        self.model(id)
            .or_else(|| self.by_api_id(id).map(|(m, _)| m))
            .ok_or_else(|| unknown_model(id))
    }

    /// Every EvoLink id, each once.
    pub fn api_ids(&self) -> Vec<&str> {
        let mut ids = Vec::new();
        for m in &self.models {
            for id in [&m.api_ids.text, &m.api_ids.picture] {
                if !ids.contains(&id.as_str()) {
                    ids.push(id.as_str());
                }
            }
        }
        ids
    }

    pub fn family(&self, id: &str) -> Option<&Family> {
        self.families.iter().find(|f| f.id == id)
    }

    /// The default model.
    pub fn default_model(&self) -> &Model {
        self.model(&self.default)
            .expect("checked: the default model exists")
    }
}

impl Model {
    /// One line on what it is good at: the catalogue's `model.<id>.good_at` (every model has
    /// one: tested).
    pub fn good_at(&self) -> Words {
        Words::new(format!("model.{}.good_at", self.id))
    }

    /// EvoLink's id for a request with or without input pictures.
    pub fn api_id(&self, with_pictures: bool) -> &str {
        if with_pictures {
            &self.api_ids.picture
        } else {
            &self.api_ids.text
        }
    }

    /// Most characters a prompt may have (see [`PromptUnit::Tokens`]), if there is a limit.
    pub fn prompt_max_chars(&self) -> Option<usize> {
        self.prompt.as_ref().map(|p| p.max)
    }

    /// Whether `seconds` is a length this model makes (the "auto" value included).
    pub fn accepts_duration(&self, seconds: i64) -> bool {
        let d = &self.duration;
        if d.auto.is_some_and(|a| a.value == seconds) {
            return true;
        }
        match (&d.values, d.min, d.max) {
            (Some(values), _, _) => values.contains(&seconds),
            (None, Some(min), Some(max)) => (min..=max).contains(&seconds),
            _ => false,
        }
    }

    /// Longest video this model makes, in seconds.
    pub fn longest(&self) -> i64 {
        let d = &self.duration;
        d.values
            .as_ref()
            .and_then(|v| v.iter().max().copied())
            .or(d.max)
            .unwrap_or(d.default)
    }

    /// Seconds billed for a length (the "auto" value holds its maximum).
    pub fn billed_seconds(&self, seconds: i64) -> i64 {
        match self.duration.auto {
            Some(a) if a.value == seconds => a.holds,
            _ => seconds,
        }
    }

    /// Whether one of this model's EvoLink ids is among `ids` (a listing, or refusals).
    pub fn is_among(&self, ids: &[String]) -> bool {
        ids.contains(&self.api_ids.text) || ids.contains(&self.api_ids.picture)
    }

    /// Whether `aspect_ratio` is sent: always without pictures; with pictures only when the
    /// model does not take its shape from them.
    pub fn sends_aspect(&self, with_pictures: bool) -> bool {
        !with_pictures || self.aspect.with_pictures == WithPictures::Sent
    }

    /// Whether a person can switch sound on and off.
    pub fn has_sound_switch(&self) -> bool {
        matches!(self.audio, Audio::Switch { .. })
    }

    /// The exact pixel size a picture must have for this shape and quality, for models that
    /// need one (Sora).
    pub fn exact_frame(&self, aspect: &str, quality: Option<&str>) -> Option<(u32, u32)> {
        self.picture_rules
            .exact
            .iter()
            .find(|f| {
                f.aspect == aspect && (f.quality.is_none() || f.quality.as_deref() == quality)
            })
            .map(|f| (f.size[0], f.size[1]))
    }

    /// Credits per second of video at this quality, with or without sound.
    pub fn credits_per_second(&self, quality: Option<&str>, sound: bool) -> f64 {
        let p = &self.price;
        let factor = |table: &BTreeMap<String, f64>| quality.and_then(|q| table.get(q)).copied();
        let f = if sound {
            factor(&p.sound_factor).or_else(|| factor(&p.quality_factor))
        } else {
            factor(&p.quality_factor)
        };
        p.per_second * f.unwrap_or(1.0)
    }

    /// The most videos one paid call can make (1 unless the model has `videos_per_call`).
    pub fn max_videos_per_call(&self) -> u32 {
        self.videos_per_call.as_ref().map_or(1, |v| v.max)
    }

    /// How `takes` versions of one prompt are asked for: `Some(n)` when one paid call makes
    /// them all (`videos` = n), `None` when each is a call of its own.
    pub fn one_call_for(&self, takes: u32) -> Option<u32> {
        (takes > 1 && self.max_videos_per_call() >= takes).then_some(takes)
    }

    /// Estimated credits for a settled request with `pictures` input pictures, rounded to
    /// cents: every video of the call is paid for. An estimate shown before Generate:
    /// EvoLink's `credits_reserved` always wins.
    pub fn estimate(&self, settled: &Settled, pictures: usize) -> f64 {
        let seconds = self.billed_seconds(settled.duration) as f64;
        let per_s =
            self.credits_per_second(settled.quality.as_deref(), settled.audio == Some(true));
        let credits =
            per_s * seconds * settled.videos as f64 + self.price.per_picture * pictures as f64;
        (credits * 100.0).round() / 100.0
    }
}

#[cfg(test)]
mod tests;
