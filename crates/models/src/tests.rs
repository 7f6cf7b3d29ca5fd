use super::*;

fn model(id: &str) -> &'static Model {
    manifest().model(id).unwrap()
}

fn settle(id: &str, choices: Choices, first: bool, last: bool) -> Result<Settled, Invalid> {
    model(id).settle(&choices, PictureRoles { first, last })
}

#[test]
fn the_manifest_lists_every_evolink_video_model_once() {
    let mut ids = manifest().api_ids();
    ids.sort();
    let mut expected = vec![
        "sora-2-preview",
        "sora-2-pro-preview",
        "veo-3.1-fast-generate-preview",
        "veo-3.1-generate-preview",
        "seedance-2.0-text-to-video",
        "seedance-2.0-image-to-video",
        "seedance-2.0-fast-text-to-video",
        "seedance-2.0-fast-image-to-video",
        "seedance-2.0-mini-text-to-video",
        "seedance-2.0-mini-image-to-video",
        "kling-v3-text-to-video",
        "kling-v3-image-to-video",
        "wan3.0-text-to-video",
        "wan3.0-image-to-video",
        "grok-imagine-video-1.0-t2v",
        "grok-imagine-video-1.0-i2v",
        "minimax-h3-text-to-video",
        "minimax-h3-image-to-video",
    ];
    expected.sort();
    assert_eq!(ids, expected);
    assert_eq!(manifest().families.len(), 7);
    assert_eq!(manifest().default_model().api_id(false), "sora-2-preview");
    for id in &expected {
        let (m, variant) = manifest().by_api_id(id).unwrap();
        assert_eq!(m.api_id(variant == Variant::Picture), *id);
    }
    assert!(manifest().by_api_id("sora-2").is_none());
}

/// (model, seconds, quality, sound, with a picture, credits).
type Case = (
    &'static str,
    i64,
    Option<&'static str>,
    Option<bool>,
    bool,
    f64,
);

#[test]
fn estimates_follow_the_published_prices() {
    // (model, seconds, quality, sound, pictures, credits): figures worked out by hand from
    // the price list (1 USD = 68 credits).
    let cases: &[Case] = &[
        ("sora-2-preview", 4, None, None, false, 23.04),
        ("sora-2-preview", 12, None, None, true, 69.12),
        ("sora-2-pro-preview", 4, Some("720p"), None, false, 68.0),
        ("sora-2-pro-preview", 4, Some("1080p"), None, false, 113.36),
        (
            "veo-3.1-fast-generate-preview",
            8,
            Some("720p"),
            Some(false),
            false,
            50.72,
        ),
        (
            "veo-3.1-fast-generate-preview",
            8,
            Some("720p"),
            Some(true),
            false,
            76.08,
        ),
        (
            "veo-3.1-fast-generate-preview",
            8,
            Some("4k"),
            Some(true),
            false,
            178.03,
        ),
        (
            "veo-3.1-generate-preview",
            4,
            Some("4k"),
            Some(false),
            false,
            101.44,
        ),
        (
            "veo-3.1-generate-preview",
            4,
            Some("1080p"),
            Some(true),
            false,
            101.44,
        ),
        ("seedance-2.0", 10, Some("1080p"), Some(true), false, 337.5),
        (
            "seedance-2.0-mini",
            6,
            Some("480p"),
            Some(false),
            false,
            7.53,
        ),
        ("kling-v3", 10, Some("1080p"), Some(true), true, 108.0),
        ("kling-v3", 10, Some("1080p"), Some(false), false, 72.04),
        ("wan3.0", 10, Some("1080p"), None, false, 102.0),
        ("wan3.0", -1, Some("480p"), None, false, 76.5),
        ("grok-imagine-video-1.0", 6, Some("720p"), None, true, 14.38),
        ("minimax-h3", 10, Some("2k"), None, false, 84.01),
    ];
    for &(id, duration, quality, audio, picture, credits) in cases {
        let s = settle(
            id,
            Choices {
                duration: Some(duration),
                quality: quality.map(str::to_string),
                audio,
                ..Choices::default()
            },
            picture,
            false,
        )
        .unwrap();
        assert_eq!(
            model(id).estimate(&s, picture as usize),
            credits,
            "{id} {duration} {quality:?}"
        );
    }
}

#[test]
fn impossible_choices_are_refused_with_the_reason() {
    let long = |id, d| {
        settle(
            id,
            Choices {
                duration: Some(d),
                ..Choices::default()
            },
            false,
            false,
        )
    };
    assert_eq!(long("kling-v3", 20).unwrap_err().field, "duration");
    assert!(long("kling-v3", 20)
        .unwrap_err()
        .message
        .english()
        .contains("3 to 15 s"));
    assert!(long("veo-3.1-generate-preview", 5)
        .unwrap_err()
        .message
        .english()
        .contains("4, 6 or 8 s"));
    assert!(long("sora-2-preview", 10).is_err());
    assert!(long("wan3.0", -1).is_ok());
    assert!(long("kling-v3", -1).is_err());
    let quality = |id: &str, q: &str| {
        settle(
            id,
            Choices {
                quality: Some(q.into()),
                ..Choices::default()
            },
            false,
            false,
        )
    };
    assert_eq!(quality("wan3.0", "4k").unwrap_err().field, "quality");
    assert!(quality("sora-2-preview", "1080p")
        .unwrap_err()
        .message
        .english()
        .contains("no quality"));
    assert!(quality("seedance-2.0-fast", "1080p").is_err());
    assert!(quality("sora-2-pro-preview", "1080p").is_ok());
    let aspect = |id: &str, a: &str| {
        settle(
            id,
            Choices {
                aspect: Some(a.into()),
                ..Choices::default()
            },
            false,
            false,
        )
    };
    assert!(aspect("sora-2-preview", "1:1").is_err());
    assert!(aspect("minimax-h3", "21:9").is_ok());
    let audio = |id: &str, on| {
        settle(
            id,
            Choices {
                audio: Some(on),
                ..Choices::default()
            },
            false,
            false,
        )
    };
    assert!(audio("sora-2-preview", false).is_err());
    assert!(audio("grok-imagine-video-1.0", true).is_err());
    assert_eq!(audio("kling-v3", true).unwrap().audio, Some(true));
    // Pictures: a last frame only where the model takes one, alone only on MiniMax.
    let none = Choices::default();
    assert_eq!(
        model("sora-2-preview")
            .settle(
                &none,
                PictureRoles {
                    first: true,
                    last: true
                }
            )
            .unwrap_err()
            .field,
        "pictures"
    );
    assert!(model("kling-v3")
        .settle(
            &none,
            PictureRoles {
                first: false,
                last: true
            }
        )
        .is_err());
    assert_eq!(
        model("minimax-h3")
            .settle(
                &none,
                PictureRoles {
                    first: false,
                    last: true
                }
            )
            .unwrap()
            .api_id,
        "minimax-h3-image-to-video"
    );
    let seed = |id: &str, s| {
        settle(
            id,
            Choices {
                seed: Some(s),
                ..Choices::default()
            },
            false,
            false,
        )
    };
    assert!(seed("veo-3.1-generate-preview", 0).is_err());
    assert!(seed("veo-3.1-generate-preview", 4_294_967_295).is_ok());
    assert!(seed("kling-v3", 7).is_err());
    let avoid = Choices {
        negative_prompt: Some("blur".into()),
        ..Choices::default()
    };
    assert!(model("kling-v3")
        .settle(&avoid, PictureRoles::default())
        .is_ok());
    assert!(model("sora-2-preview")
        .settle(&avoid, PictureRoles::default())
        .is_err());
}

#[test]
fn defaults_fill_every_choice_and_pictures_pick_the_evolink_id() {
    let s = settle("kling-v3", Choices::default(), false, false).unwrap();
    assert_eq!(
        s,
        Settled {
            api_id: "kling-v3-text-to-video".into(),
            duration: 5,
            quality: Some("720p".into()),
            aspect: "16:9".into(),
            audio: Some(false),
            seed: None,
            negative_prompt: None,
            videos: 1,
        }
    );
    let s = settle("kling-v3", Choices::default(), true, true).unwrap();
    assert_eq!(s.api_id, "kling-v3-image-to-video");
    let sora = settle("sora-2-preview", Choices::default(), true, false).unwrap();
    assert_eq!(
        (sora.api_id.as_str(), sora.duration, sora.audio),
        ("sora-2-preview", 4, Some(true))
    );
}

#[test]
fn body_fields_follow_each_model_s_shape() {
    let fields = |id: &str, choices: Choices, variant: Variant| {
        let m = model(id);
        let s = m
            .settle(
                &choices,
                PictureRoles {
                    first: variant == Variant::Picture,
                    last: false,
                },
            )
            .unwrap();
        serde_json::Value::Object(m.body_fields(&s, variant).into_iter().collect())
    };
    use serde_json::json;
    assert_eq!(
        fields(
            "kling-v3",
            Choices {
                audio: Some(true),
                ..Choices::default()
            },
            Variant::Picture
        ),
        json!({"duration": 5, "quality": "720p", "sound": "on"})
    );
    assert_eq!(
        fields(
            "veo-3.1-fast-generate-preview",
            Choices::default(),
            Variant::Text
        ),
        json!({"duration": 4, "quality": "720p", "aspect_ratio": "16:9", "generate_audio": true, "generation_type": "TEXT"})
    );
    assert_eq!(
        fields("sora-2-preview", Choices::default(), Variant::Picture),
        json!({"duration": 4, "aspect_ratio": "16:9"})
    );
    let m = model("kling-v3");
    assert_eq!(
        m.picture_fields(Some("https://f/a.png"), Some("https://f/b.png")),
        vec![
            ("image_start".to_string(), json!("https://f/a.png")),
            ("image_end".to_string(), json!("https://f/b.png"))
        ]
    );
    assert_eq!(
        model("veo-3.1-generate-preview")
            .picture_fields(Some("https://f/a.png"), Some("https://f/b.png")),
        vec![(
            "image_urls".to_string(),
            json!(["https://f/a.png", "https://f/b.png"])
        )]
    );
}

#[test]
fn sora_pictures_must_equal_the_frame_and_pro_has_1080p_frames() {
    let sora = model("sora-2-preview");
    assert_eq!(sora.exact_frame("16:9", None), Some((1280, 720)));
    assert_eq!(sora.exact_frame("9:16", None), Some((720, 1280)));
    let pro = model("sora-2-pro-preview");
    assert_eq!(pro.exact_frame("16:9", Some("1080p")), Some((1920, 1080)));
    assert_eq!(pro.exact_frame("9:16", Some("720p")), Some((720, 1280)));
    assert_eq!(model("kling-v3").exact_frame("16:9", Some("720p")), None);
}

#[test]
fn a_broken_manifest_is_refused_with_the_reason() {
    let good = include_str!("../models.json");
    assert!(Manifest::parse(good).is_ok());
    let bad_default = good.replacen("\"default\": 4 }", "\"default\": 5 }", 1);
    let e = Manifest::parse(&bad_default).unwrap_err();
    assert!(e.0.contains("sora-2-preview: default duration 5"), "{e}");
    let typo = good.replacen("\"short\"", "\"shrt\"", 1);
    assert!(Manifest::parse(&typo).is_err());
    let no_frame = good
        .replacen("{ \"aspect\": \"9:16\", \"size\": [720, 1280] }", "", 1)
        .replacen("[1280, 720] },\n", "[1280, 720] }\n", 1);
    assert!(Manifest::parse(&no_frame)
        .unwrap_err()
        .0
        .contains("no exact frame"));
}

#[test]
fn lengths_read_naturally() {
    assert_eq!(model("sora-2-preview").lengths_in_words(), "4, 8 or 12 s");
    assert_eq!(model("kling-v3").lengths_in_words(), "3 to 15 s");
    assert_eq!(
        model("wan3.0").lengths_in_words(),
        "2 to 30 s, or lets the model choose"
    );
    assert_eq!(model("kling-v3").longest(), 15);
    assert_eq!(model("wan3.0").longest(), 30);
}

#[test]
fn several_videos_per_call_only_where_the_model_makes_them_and_each_is_paid() {
    let two = Choices {
        videos: Some(2),
        ..Choices::default()
    };
    let veo = settle("veo-3.1-fast-generate-preview", two.clone(), false, false).unwrap();
    assert_eq!(veo.videos, 2);
    let model = model("veo-3.1-fast-generate-preview");
    let fields = model.body_fields(&veo, crate::Variant::Text);
    assert!(
        fields.contains(&("n".to_string(), serde_json::json!(2))),
        "{fields:?}"
    );
    let one = settle(
        "veo-3.1-fast-generate-preview",
        Choices::default(),
        false,
        false,
    )
    .unwrap();
    assert!(!model
        .body_fields(&one, crate::Variant::Text)
        .iter()
        .any(|(k, _)| k == "n"));
    assert_eq!(model.estimate(&veo, 0), model.estimate(&one, 0) * 2.0);

    let five = Choices {
        videos: Some(5),
        ..Choices::default()
    };
    let e = settle("veo-3.1-fast-generate-preview", five, false, false).unwrap_err();
    assert_eq!(e.field, "videos");
    assert!(e.message.english().contains("1 to 4"), "{}", e.message);
    let e = settle("sora-2-preview", two, false, false).unwrap_err();
    assert_eq!(e.field, "videos");
    assert!(
        e.message.english().contains("one video per request"),
        "{}",
        e.message
    );
}

#[test]
fn every_model_has_its_words_and_every_good_at_key_a_model() {
    use sora_words::{catalogue, Lang};
    for lang in Lang::ALL {
        for m in &manifest().models {
            let words = m.good_at();
            assert_eq!(words.key, format!("model.{}.good_at", m.id));
            assert!(
                catalogue(lang).contains_key(&words.key),
                "{} lacks {}",
                lang.tag(),
                words.key
            );
            assert_ne!(words.render(lang), words.key);
        }
        for key in catalogue(lang).keys().filter(|k| k.starts_with("model.")) {
            assert!(
                manifest()
                    .models
                    .iter()
                    .any(|m| key == &format!("model.{}.good_at", m.id)),
                "{key} names no model of the manifest"
            );
        }
    }
    assert_eq!(
        model("sora-2-preview").good_at().english(),
        "Realistic scenes with sound, up to 12 seconds."
    );
}

#[test]
fn a_length_refused_names_the_lengths_on_offer() {
    let refused = |id: &str, seconds: i64| {
        model(id)
            .settle(
                &Choices {
                    duration: Some(seconds),
                    ..Choices::default()
                },
                crate::PictureRoles::default(),
            )
            .unwrap_err()
            .message
    };
    assert_eq!(
        refused("sora-2-preview", 10).english(),
        "Sora 2 makes 4, 8 or 12 s, not 10 s."
    );
    assert_eq!(
        refused("kling-v3", 20).english(),
        "Kling V3 makes 3 to 15 s, not 20 s."
    );
    assert_eq!(
        refused("wan3.0", 40).english(),
        "Wan 3.0 makes 2 to 30 s, or lets the model choose, not 40 s."
    );
}
