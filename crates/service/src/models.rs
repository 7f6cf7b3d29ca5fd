//! The models offered in Compose: the manifest as the page sees it, each model marked
//! available or not for the key in use, and the estimate of a request before it is made.

use std::time::{Duration, Instant};

use evolink::models::{
    manifest, unknown_model, Choices, Family, Invalid, Model, PictureRoles, Settled,
};
use serde::{Deserialize, Serialize};

use crate::problem::Words;
use crate::Problem;

/// How long the list of models a key may use is trusted before it is asked for again.
pub const MODELS_CHECK_TTL: Duration = Duration::from_secs(10 * 60);

/// Every model, as `list_models` answers.
#[derive(Debug, Clone, Serialize)]
pub struct ModelList {
    pub default: String,
    pub families: &'static [Family],
    pub models: Vec<ModelView>,
}

/// One model: its manifest entry as written, plus what only the running app knows.
#[derive(Debug, Clone, Serialize)]
pub struct ModelView {
    #[serde(flatten)]
    pub model: &'static Model,
    /// What it is good at (`model.<id>.good_at`).
    pub good_at: Words,
    pub available: bool,
    /// Why it cannot be used.
    pub unavailable_reason: Option<Words>,
    /// The cheapest rate it has, for "from N credits/s".
    pub from_credits_per_second: f64,
}

/// A request to price: a model (manifest id), the choices and which pictures are given.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EstimateInput {
    pub model: String,
    #[serde(default)]
    pub choices: Choices,
    #[serde(default)]
    pub pictures: PicturesGiven,
}

#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PicturesGiven {
    pub first: bool,
    pub last: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Estimate {
    pub credits: f64,
    pub api_id: String,
    pub settled: Settled,
}

/// How long a failed attempt to ask is remembered: offline, Generate and the picker do not wait
/// for EvoLink again and again.
pub const MODELS_RETRY_AFTER: Duration = Duration::from_secs(60);

/// What is known of the models the key in use may use.
#[derive(Debug, Clone, Default)]
pub struct Availability {
    /// When EvoLink was last asked, for which account, and the ids it listed (`None`: it could
    /// not be asked).
    pub asked: Option<(Instant, String, Option<Vec<String>>)>,
}

impl Availability {
    /// What the last answer for `account` said, while it is fresh: `Some(None)` when EvoLink
    /// could not be asked a moment ago, `None` when it is time to ask.
    pub fn fresh(&self, account: &str) -> Option<Option<&[String]>> {
        match &self.asked {
            Some((at, who, Some(ids))) if who == account && at.elapsed() < MODELS_CHECK_TTL => {
                Some(Some(ids))
            }
            Some((at, who, None)) if who == account && at.elapsed() < MODELS_RETRY_AFTER => {
                Some(None)
            }
            _ => None,
        }
    }
}

/// Why a model cannot be used, or `None` when it can (or when nothing says otherwise: with no
/// listing, the manifest is trusted). `refused` are EvoLink ids a create was recently refused
/// for as unavailable.
pub fn unavailable_reason(
    model: &Model,
    listed: Option<&[String]>,
    refused: &[String],
) -> Option<Words> {
    if model.is_among(refused) {
        return Some(
            Words::new("problem.model_unavailable.refused").with("model", model.name.as_str()),
        );
    }
    match listed {
        Some(listed) if !model.is_among(listed) => Some(
            Words::new("problem.model_unavailable.not_listed").with("model", model.name.as_str()),
        ),
        _ => None,
    }
}

pub fn list(listed: Option<&[String]>, refused: &[String]) -> ModelList {
    let m = manifest();
    ModelList {
        default: m.default.clone(),
        families: &m.families,
        models: m
            .models
            .iter()
            .map(|model| {
                let reason = unavailable_reason(model, listed, refused);
                ModelView {
                    model,
                    good_at: model.good_at(),
                    available: reason.is_none(),
                    unavailable_reason: reason,
                    from_credits_per_second: cheapest_rate(model),
                }
            })
            .collect(),
    }
}

/// The lowest credits per second over the model's qualities, with and without sound.
fn cheapest_rate(model: &Model) -> f64 {
    let qualities: Vec<Option<&str>> = match &model.quality {
        Some(q) => q.values.iter().map(|v| Some(v.as_str())).collect(),
        None => vec![None],
    };
    let sound: &[bool] = if model.has_sound_switch() {
        &[false, true]
    } else {
        &[true]
    };
    let rate = qualities
        .iter()
        .flat_map(|q| sound.iter().map(move |s| model.credits_per_second(*q, *s)))
        .fold(f64::INFINITY, f64::min);
    (rate * 100.0).round() / 100.0
}

/// The model of a manifest id, or a plain refusal.
pub fn model(id: &str) -> Result<&'static Model, Problem> {
    manifest()
        .model(id)
        .ok_or_else(|| from_invalid(unknown_model(id)))
}

pub fn from_invalid(e: Invalid) -> Problem {
    let mut p = Problem::new("invalid_input", e.message, false);
    p.field = Some(e.field);
    p
}

/// Checks a request against its model and prices it.
pub fn estimate(input: &EstimateInput) -> Result<Estimate, Problem> {
    let model = model(&input.model)?;
    let roles = PictureRoles {
        first: input.pictures.first,
        last: input.pictures.last,
    };
    let settled = model.settle(&input.choices, roles).map_err(from_invalid)?;
    Ok(Estimate {
        credits: model.estimate(&settled, roles.count()),
        api_id: settled.api_id.clone(),
        settled,
    })
}

/// Other models to offer when `model` cannot be used: available ones of the same family
/// first, then the rest, each able to take the pictures given.
pub fn alternatives(
    model: &Model,
    listed: Option<&[String]>,
    refused: &[String],
    pictures: PicturesGiven,
) -> Vec<String> {
    let roles = PictureRoles {
        first: pictures.first,
        last: pictures.last,
    };
    let mut others: Vec<&Model> = manifest()
        .models
        .iter()
        .filter(|m| m.id != model.id)
        .filter(|m| unavailable_reason(m, listed, refused).is_none())
        .filter(|m| m.settle(&Choices::default(), roles).is_ok())
        .collect();
    others.sort_by_key(|m| m.family != model.family);
    others.into_iter().map(|m| m.id.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_the_key_may_not_use_is_unavailable_with_the_reason() {
        let listed = vec![
            "sora-2-preview".to_string(),
            "kling-v3-image-to-video".to_string(),
        ];
        let all = list(Some(&listed), &[]);
        let find = |id: &str| all.models.iter().find(|m| m.model.id == id).unwrap();
        assert!(find("sora-2-preview").available);
        // One of its two ids is enough: the other shows up when it is used.
        assert!(find("kling-v3").available);
        let pro = find("sora-2-pro-preview");
        assert!(!pro.available);
        assert!(pro
            .unavailable_reason
            .as_ref()
            .unwrap()
            .english()
            .contains("Sora 2 Pro"));
        // Without a listing (offline), the manifest is trusted.
        assert!(list(None, &[]).models.iter().all(|m| m.available));
        // A recent refusal wins over the listing.
        let refused = vec!["sora-2-preview".to_string()];
        assert!(!list(Some(&listed), &refused).models[0].available);
    }

    #[test]
    fn what_evolink_said_is_kept_per_account_and_a_failure_only_briefly() {
        let ids = vec!["sora-2-preview".to_string()];
        let mut known = Availability {
            asked: Some((Instant::now(), "a".into(), Some(ids.clone()))),
        };
        assert_eq!(known.fresh("a"), Some(Some(ids.as_slice())));
        assert_eq!(
            known.fresh("b"),
            None,
            "another account is asked for itself"
        );
        known.asked = Some((Instant::now(), "a".into(), None));
        assert_eq!(
            known.fresh("a"),
            Some(None),
            "offline: not asked again at once"
        );
        let a_while_ago = Instant::now().checked_sub(MODELS_RETRY_AFTER + Duration::from_secs(1));
        if let Some(at) = a_while_ago {
            known.asked = Some((at, "a".into(), None));
            assert_eq!(known.fresh("a"), None, "asked again after a minute");
            known.asked = Some((at, "a".into(), Some(ids.clone())));
            assert!(known.fresh("a").is_some(), "a listing lasts longer");
        }
    }

    #[test]
    fn the_estimate_checks_and_prices_the_request() {
        let input = EstimateInput {
            model: "kling-v3".into(),
            choices: Choices {
                duration: Some(10),
                quality: Some("1080p".into()),
                audio: Some(true),
                ..Choices::default()
            },
            pictures: PicturesGiven {
                first: true,
                last: true,
            },
        };
        let e = estimate(&input).unwrap();
        assert_eq!(
            (e.credits, e.api_id.as_str()),
            (108.0, "kling-v3-image-to-video")
        );
        let too_long = EstimateInput {
            choices: Choices {
                duration: Some(20),
                ..Choices::default()
            },
            ..input
        };
        let p = estimate(&too_long).unwrap_err();
        assert_eq!((p.code, p.field), ("invalid_input", Some("duration")));
        assert_eq!(
            cheapest_rate(manifest().model("sora-2-preview").unwrap()),
            5.76
        );
        // Seedance 2.0 Mini: 2.7 credits/s at 480p (x0.465).
        assert_eq!(
            cheapest_rate(manifest().model("seedance-2.0-mini").unwrap()),
            1.26
        );
    }

    #[test]
    fn alternatives_take_the_same_pictures_and_start_with_the_family() {
        let sora = manifest().model("sora-2-preview").unwrap();
        let both = PicturesGiven {
            first: true,
            last: true,
        };
        let offered = alternatives(sora, None, &[], both);
        assert!(
            !offered.contains(&"sora-2-pro-preview".to_string()),
            "no last frame on Sora 2 Pro"
        );
        assert!(offered.contains(&"kling-v3".to_string()));
        let one = alternatives(
            sora,
            None,
            &[],
            PicturesGiven {
                first: true,
                last: false,
            },
        );
        assert_eq!(one[0], "sora-2-pro-preview");
    }
}
