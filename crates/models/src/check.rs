//! The manifest's own consistency: every default is on offer, every price factor names a
//! quality the model has, every exact frame exists for each shape, ids are unique.

use crate::{Audio, Manifest, Model};

/// What is wrong with a manifest, in words for whoever edits `models.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError(pub String);

impl std::fmt::Display for ManifestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "models.json: {}", self.0)
    }
}

impl std::error::Error for ManifestError {}

impl Manifest {
    pub(crate) fn check(&self) -> Result<(), ManifestError> {
        let fail = |m: &Model, what: String| Err(ManifestError(format!("{}: {what}", m.id)));
        if self.model(&self.default).is_none() {
            return Err(ManifestError(format!(
                "default {} is not a model",
                self.default
            )));
        }
        for (i, m) in self.models.iter().enumerate() {
            if self.models[..i]
                .iter()
                .any(|o| o.id == m.id || o.short == m.short)
            {
                return fail(m, "its id or short name is used twice".into());
            }
            if self.family(&m.family).is_none() {
                return fail(m, format!("unknown family {}", m.family));
            }
            if !m
                .short
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
            {
                return fail(
                    m,
                    "short names are lowercase letters, digits, dots and dashes".into(),
                );
            }
            for other in &self.models {
                let shared = [&m.api_ids.text, &m.api_ids.picture]
                    .iter()
                    .any(|id| *id == &other.api_ids.text || *id == &other.api_ids.picture);
                if other.id != m.id && shared {
                    return fail(m, format!("shares an EvoLink id with {}", other.id));
                }
            }
            let d = &m.duration;
            let shape_ok = match (&d.values, d.min, d.max) {
                (Some(v), None, None) => !v.is_empty(),
                (None, Some(min), Some(max)) => 0 < min && min <= max,
                _ => false,
            };
            if !shape_ok {
                return fail(m, "duration is either values or min and max".into());
            }
            if !m.accepts_duration(d.default) || d.auto.is_some_and(|a| a.value == d.default) {
                return fail(m, format!("default duration {} is not on offer", d.default));
            }
            if let Some(q) = &m.quality {
                if !q.values.contains(&q.default) {
                    return fail(m, format!("default quality {} is not on offer", q.default));
                }
            }
            if !m.aspect.values.contains(&m.aspect.default) {
                return fail(
                    m,
                    format!("default aspect {} is not on offer", m.aspect.default),
                );
            }
            let qualities: Vec<&str> = m
                .quality
                .iter()
                .flat_map(|q| q.values.iter().map(String::as_str))
                .collect();
            for table in [&m.price.quality_factor, &m.price.sound_factor] {
                for q in table.keys() {
                    if !qualities.contains(&q.as_str()) {
                        return fail(m, format!("price names quality {q} the model lacks"));
                    }
                }
                if !table.is_empty() && table.len() != qualities.len() {
                    return fail(m, "a price factor table names every quality".into());
                }
            }
            if !m.price.sound_factor.is_empty() && !matches!(m.audio, Audio::Switch { .. }) {
                return fail(m, "a sound price needs a sound switch".into());
            }
            if m.price.per_second <= 0.0 {
                return fail(m, "price per second must be positive".into());
            }
            let rules = &m.picture_rules;
            if !rules.exact.is_empty() {
                for aspect in &m.aspect.values {
                    let with_quality: Vec<Option<&str>> = if qualities.is_empty() {
                        vec![None]
                    } else {
                        qualities.iter().map(|q| Some(*q)).collect()
                    };
                    for q in with_quality {
                        if m.exact_frame(aspect, q).is_none() {
                            return fail(m, format!("no exact frame for {aspect} {q:?}"));
                        }
                    }
                }
            }
            if let (Some(lo), Some(hi)) = (rules.min_ratio, rules.max_ratio) {
                if !(0.0 < lo && lo < 1.0 && 1.0 < hi) {
                    return fail(m, "picture ratios must include a square".into());
                }
            }
            if rules.formats.is_empty() || rules.max_bytes == 0 {
                return fail(m, "pictures need formats and a byte limit".into());
            }
            if m.pictures.last_alone && !m.pictures.last {
                return fail(m, "a last frame alone needs a last frame".into());
            }
            if let Some(s) = m.seed {
                if s.min > s.max {
                    return fail(m, "seed range is empty".into());
                }
            }
            if let Some(v) = &m.videos_per_call {
                if v.field.is_empty() || v.max < 2 {
                    return fail(
                        m,
                        "several videos per call needs a field and at most 2 or more".into(),
                    );
                }
            }
        }
        Ok(())
    }
}
