//! From what a person chose to what is sent: every choice checked against the model, every
//! missing one filled with the model's default, so the store and the recipe name them all.

use serde::{Deserialize, Serialize};
use sora_words::Words;

use crate::{Audio, Model, Variant};

/// What a person chose for a video; `None` means "the model's default".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Choices {
    /// Seconds (or the model's "auto" value).
    pub duration: Option<i64>,
    pub quality: Option<String>,
    /// As sent, e.g. `16:9`.
    pub aspect: Option<String>,
    /// Sound on or off.
    pub audio: Option<bool>,
    pub seed: Option<u64>,
    /// What to keep out of the video.
    pub negative_prompt: Option<String>,
    /// Videos from this one call (only models with `videos_per_call`); `None` means one.
    pub videos: Option<u32>,
}

/// A request's parameters, complete and checked against its model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settled {
    /// EvoLink's `model` value.
    pub api_id: String,
    pub duration: i64,
    pub quality: Option<String>,
    pub aspect: String,
    /// `Some(true)` for sound, `Some(false)` for silent, `None` where EvoLink does not say.
    pub audio: Option<bool>,
    pub seed: Option<u64>,
    pub negative_prompt: Option<String>,
    /// Videos this one call makes (1 unless the model makes several per call).
    pub videos: u32,
}

/// A choice the model cannot take: which one, and why, as words for people (their code is
/// `invalid_input`).
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    /// The choice at fault: `duration`, `quality`, `aspect`, `audio`, `seed`,
    /// `negative_prompt`, `videos`, `prompt`, `pictures` or `model`.
    pub field: &'static str,
    pub message: Words,
}

/// English, for logs and the CLI.
impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message.english())
    }
}

impl std::error::Error for Invalid {}

fn invalid(field: &'static str, message: Words) -> Invalid {
    Invalid { field, message }
}

/// Input pictures of a request, by role.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PictureRoles {
    pub first: bool,
    pub last: bool,
}

impl PictureRoles {
    pub fn any(self) -> bool {
        self.first || self.last
    }
    pub fn count(self) -> usize {
        self.first as usize + self.last as usize
    }
}

impl Model {
    /// Checks `choices` and the pictures against this model and fills in its defaults.
    pub fn settle(&self, choices: &Choices, pictures: PictureRoles) -> Result<Settled, Invalid> {
        let name = &self.name;
        if pictures.last && !self.pictures.last {
            return Err(invalid(
                "pictures",
                Words::new("problem.invalid_input.no_last_frame").with("model", name.as_str()),
            ));
        }
        if pictures.last && !pictures.first && !self.pictures.last_alone {
            return Err(invalid(
                "pictures",
                Words::new("problem.invalid_input.last_frame_alone").with("model", name.as_str()),
            ));
        }
        let duration = choices.duration.unwrap_or(self.duration.default);
        if !self.accepts_duration(duration) {
            return Err(invalid(
                "duration",
                self.lengths_words()
                    .with("model", name.as_str())
                    .with("duration", duration),
            ));
        }
        let quality = match (&self.quality, &choices.quality) {
            (None, None) => None,
            (None, Some(_)) => {
                return Err(invalid(
                    "quality",
                    Words::new("problem.invalid_input.no_quality").with("model", name.as_str()),
                ))
            }
            (Some(q), None) => Some(q.default.clone()),
            (Some(q), Some(v)) if q.values.contains(v) => Some(v.clone()),
            (Some(q), Some(v)) => {
                return Err(invalid(
                    "quality",
                    Words::new("problem.invalid_input.quality")
                        .with("model", name.as_str())
                        .with("offered", q.values.join(", "))
                        .with("value", v.as_str()),
                ))
            }
        };
        let aspect = match &choices.aspect {
            None => self.aspect.default.clone(),
            Some(a) if self.aspect.values.contains(a) => a.clone(),
            Some(a) => {
                return Err(invalid(
                    "aspect",
                    Words::new("problem.invalid_input.aspect")
                        .with("model", name.as_str())
                        .with("offered", self.aspect.values.join(", "))
                        .with("value", a.as_str()),
                ))
            }
        };
        let audio = match (&self.audio, choices.audio) {
            (Audio::Always, Some(false)) => {
                return Err(invalid(
                    "audio",
                    Words::new("problem.invalid_input.always_sound").with("model", name.as_str()),
                ))
            }
            (Audio::Always, _) => Some(true),
            (Audio::None, Some(_)) => {
                return Err(invalid(
                    "audio",
                    Words::new("problem.invalid_input.no_sound").with("model", name.as_str()),
                ))
            }
            (Audio::None, None) => None,
            (Audio::Switch { default, .. }, choice) => Some(choice.unwrap_or(*default)),
        };
        let seed = match (self.seed, choices.seed) {
            (_, None) => None,
            (None, Some(_)) => {
                return Err(invalid(
                    "seed",
                    Words::new("problem.invalid_input.no_seed").with("model", name.as_str()),
                ))
            }
            (Some(r), Some(s)) if (r.min..=r.max).contains(&s) => Some(s),
            (Some(r), Some(s)) => {
                return Err(invalid(
                    "seed",
                    Words::new("problem.invalid_input.seed")
                        .with("model", name.as_str())
                        .with("min", r.min.to_string())
                        .with("max", r.max.to_string())
                        .with("value", s.to_string()),
                ))
            }
        };
        let negative_prompt = match choices.negative_prompt.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(_) if !self.negative_prompt => {
                return Err(invalid(
                    "negative_prompt",
                    Words::new("problem.invalid_input.no_negative_prompt")
                        .with("model", name.as_str()),
                ))
            }
            Some(text) => Some(text.to_string()),
        };
        let most = self.max_videos_per_call();
        let videos = match choices.videos {
            None => 1,
            Some(n) if (1..=most).contains(&n) => n,
            Some(n) if most == 1 => {
                return Err(invalid(
                    "videos",
                    Words::new("problem.invalid_input.one_video")
                        .with("model", name.as_str())
                        .with("value", n),
                ))
            }
            Some(n) => {
                return Err(invalid(
                    "videos",
                    Words::new("problem.invalid_input.videos")
                        .with("model", name.as_str())
                        .with("most", most)
                        .with("value", n),
                ))
            }
        };
        Ok(Settled {
            api_id: self.api_id(pictures.any()).to_string(),
            duration,
            quality,
            aspect,
            audio,
            seed,
            negative_prompt,
            videos,
        })
    }

    /// The lengths on offer in English words (the CLI's): "4, 8 or 12 s", "3 to 15 s".
    pub fn lengths_in_words(&self) -> String {
        let d = &self.duration;
        let mut text = match (&d.values, d.min, d.max) {
            (Some(values), _, _) => {
                let list: Vec<String> = values.iter().map(i64::to_string).collect();
                match list.split_last() {
                    Some((last, rest)) if !rest.is_empty() => {
                        format!("{} or {last} s", rest.join(", "))
                    }
                    _ => format!("{} s", list.join("")),
                }
            }
            (None, Some(min), Some(max)) => format!("{min} to {max} s"),
            _ => String::new(),
        };
        if d.auto.is_some() {
            text.push_str(", or lets the model choose");
        }
        text
    }

    /// The refusal of a length this model does not make, without the model's name and the
    /// length asked for (the caller adds `model` and `duration`): the lengths on offer as
    /// parameters, in the wording for a list, a single length or a range.
    fn lengths_words(&self) -> Words {
        let d = &self.duration;
        let words = match (&d.values, d.min, d.max) {
            (Some(values), _, _) => match values.split_last() {
                Some((last, rest)) if !rest.is_empty() => {
                    let list: Vec<String> = rest.iter().map(i64::to_string).collect();
                    Words::new("problem.invalid_input.duration_list")
                        .with("lengths", list.join(", "))
                        .with("last", *last)
                }
                _ => Words::new("problem.invalid_input.duration_one")
                    .with("last", values.first().copied().unwrap_or_default()),
            },
            (None, min, max) => Words::new("problem.invalid_input.duration_range")
                .with("min", min.unwrap_or_default())
                .with("max", max.unwrap_or_default()),
        };
        words.with("auto", u8::from(d.auto.is_some()))
    }

    /// Checks that `prompt` fits this model.
    pub fn check_prompt(&self, prompt: &str) -> Result<(), Invalid> {
        if prompt.trim().is_empty() {
            return Err(invalid(
                "prompt",
                Words::new("problem.invalid_input.empty_prompt"),
            ));
        }
        if let Some(max) = self.prompt_max_chars() {
            let n = prompt.chars().count();
            if n > max {
                return Err(invalid(
                    "prompt",
                    Words::new("problem.invalid_input.long_prompt")
                        .with("length", n)
                        .with("model", self.name.as_str())
                        .with("max", max),
                ));
            }
        }
        Ok(())
    }

    /// The JSON body fields this model takes for a settled request, pictures aside (their
    /// field names come from [`Model::picture_fields`]).
    pub fn body_fields(&self, s: &Settled, variant: Variant) -> Vec<(String, serde_json::Value)> {
        use serde_json::json;
        let with_pictures = variant == Variant::Picture;
        let mut fields = vec![("duration".to_string(), json!(s.duration))];
        if let Some(q) = &s.quality {
            fields.push(("quality".into(), json!(q)));
        }
        if self.sends_aspect(with_pictures) {
            fields.push(("aspect_ratio".into(), json!(s.aspect)));
        }
        if let (Audio::Switch { field, on, off, .. }, Some(audio)) = (&self.audio, s.audio) {
            fields.push((field.clone(), if audio { on.clone() } else { off.clone() }));
        }
        if let Some(mode) = &self.mode_field {
            let value = if with_pictures {
                &mode.pictures
            } else {
                &mode.text
            };
            fields.push((mode.field.clone(), json!(value)));
        }
        if let Some(seed) = s.seed {
            fields.push(("seed".into(), json!(seed)));
        }
        if let Some(n) = &s.negative_prompt {
            fields.push(("negative_prompt".into(), json!(n)));
        }
        if let (Some(per_call), true) = (&self.videos_per_call, s.videos > 1) {
            fields.push((per_call.field.clone(), json!(s.videos)));
        }
        fields
    }
}

impl Model {
    /// The picture fields of the body: `image_urls` (first, then last) or `image_start` /
    /// `image_end`, as this model takes them. `first` and `last` are uploaded URLs.
    pub fn picture_fields(
        &self,
        first: Option<&str>,
        last: Option<&str>,
    ) -> Vec<(String, serde_json::Value)> {
        use serde_json::json;
        match self.pictures.style {
            crate::PictureStyle::Urls => {
                let urls: Vec<&str> = first.into_iter().chain(last).collect();
                if urls.is_empty() {
                    Vec::new()
                } else {
                    vec![("image_urls".to_string(), json!(urls))]
                }
            }
            crate::PictureStyle::StartEnd => first
                .map(|u| ("image_start".to_string(), json!(u)))
                .into_iter()
                .chain(last.map(|u| ("image_end".to_string(), json!(u))))
                .collect(),
        }
    }
}
