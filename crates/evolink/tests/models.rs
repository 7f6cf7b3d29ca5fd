//! Every model of the manifest, against the fake EvoLink: the exact body the client sends for a
//! text task and a picture task, accepted by the fake (whose rules are written from EvoLink's
//! documentation, apart from the manifest), and impossible requests refused before any call.
//!
//! The expected bodies are written out by hand from the documentation on purpose: deriving
//! them from the manifest would agree with any mistake in it.

mod common;

use common::*;
use evolink::models::{manifest, Choices};
use evolink::{ErrorKind, VideoRequest};
use serde_json::{json, Value};

const PROMPT: &str = "A paper boat drifting down a rainy street";

/// (EvoLink id, with pictures, expected body without `model` and `prompt`). `U1` and `U2`
/// stand for the uploaded first and last frames.
fn expected() -> Vec<(&'static str, bool, Value)> {
    vec![
        (
            "sora-2-preview",
            false,
            json!({"duration": 4, "aspect_ratio": "16:9"}),
        ),
        (
            "sora-2-preview",
            true,
            json!({"duration": 4, "aspect_ratio": "16:9", "image_urls": ["U1"]}),
        ),
        (
            "sora-2-pro-preview",
            false,
            json!({"duration": 4, "quality": "720p", "aspect_ratio": "16:9"}),
        ),
        (
            "sora-2-pro-preview",
            true,
            json!({"duration": 4, "quality": "720p", "aspect_ratio": "16:9", "image_urls": ["U1"]}),
        ),
        (
            "veo-3.1-fast-generate-preview",
            false,
            json!({"duration": 4, "quality": "720p", "aspect_ratio": "16:9", "generate_audio": true, "generation_type": "TEXT"}),
        ),
        (
            "veo-3.1-fast-generate-preview",
            true,
            json!({"duration": 4, "quality": "720p", "aspect_ratio": "16:9", "generate_audio": true, "generation_type": "FIRST&LAST", "image_urls": ["U1", "U2"]}),
        ),
        (
            "veo-3.1-generate-preview",
            false,
            json!({"duration": 4, "quality": "720p", "aspect_ratio": "16:9", "generate_audio": true, "generation_type": "TEXT"}),
        ),
        (
            "veo-3.1-generate-preview",
            true,
            json!({"duration": 4, "quality": "720p", "aspect_ratio": "16:9", "generate_audio": true, "generation_type": "FIRST&LAST", "image_urls": ["U1", "U2"]}),
        ),
        (
            "seedance-2.0-text-to-video",
            false,
            json!({"duration": 5, "quality": "720p", "aspect_ratio": "adaptive", "generate_audio": true}),
        ),
        (
            "seedance-2.0-image-to-video",
            true,
            json!({"duration": 5, "quality": "720p", "aspect_ratio": "adaptive", "generate_audio": true, "image_urls": ["U1", "U2"]}),
        ),
        (
            "seedance-2.0-fast-text-to-video",
            false,
            json!({"duration": 5, "quality": "720p", "aspect_ratio": "adaptive", "generate_audio": true}),
        ),
        (
            "seedance-2.0-fast-image-to-video",
            true,
            json!({"duration": 5, "quality": "720p", "aspect_ratio": "adaptive", "generate_audio": true, "image_urls": ["U1", "U2"]}),
        ),
        (
            "seedance-2.0-mini-text-to-video",
            false,
            json!({"duration": 5, "quality": "720p", "aspect_ratio": "adaptive", "generate_audio": true}),
        ),
        (
            "seedance-2.0-mini-image-to-video",
            true,
            json!({"duration": 5, "quality": "720p", "aspect_ratio": "adaptive", "generate_audio": true, "image_urls": ["U1", "U2"]}),
        ),
        (
            "kling-v3-text-to-video",
            false,
            json!({"duration": 5, "quality": "720p", "aspect_ratio": "16:9", "sound": "off"}),
        ),
        (
            "kling-v3-image-to-video",
            true,
            json!({"duration": 5, "quality": "720p", "sound": "off", "image_start": "U1", "image_end": "U2"}),
        ),
        (
            "wan3.0-text-to-video",
            false,
            json!({"duration": 5, "quality": "720p", "aspect_ratio": "adaptive", "generate_audio": true}),
        ),
        (
            "wan3.0-image-to-video",
            true,
            json!({"duration": 5, "quality": "720p", "aspect_ratio": "adaptive", "generate_audio": true, "image_start": "U1", "image_end": "U2"}),
        ),
        (
            "grok-imagine-video-1.0-t2v",
            false,
            json!({"duration": 6, "quality": "720p", "aspect_ratio": "16:9"}),
        ),
        (
            "grok-imagine-video-1.0-i2v",
            true,
            json!({"duration": 6, "quality": "720p", "image_urls": ["U1"]}),
        ),
        (
            "minimax-h3-text-to-video",
            false,
            json!({"duration": 4, "quality": "768p", "aspect_ratio": "16:9"}),
        ),
        (
            "minimax-h3-image-to-video",
            true,
            json!({"duration": 4, "quality": "768p", "image_start": "U1", "image_end": "U2"}),
        ),
    ]
}

/// Replaces the `U1` / `U2` stand-ins and adds `model` and `prompt`.
fn full_body(api_id: &str, fields: &Value, first: &str, last: &str) -> Value {
    let text = fields
        .to_string()
        .replace("\"U1\"", &format!("\"{first}\""))
        .replace("\"U2\"", &format!("\"{last}\""));
    let mut body: serde_json::Map<String, Value> = serde_json::from_str(&text).unwrap();
    body.insert("model".into(), json!(api_id));
    body.insert("prompt".into(), json!(PROMPT));
    Value::Object(body)
}

#[tokio::test]
async fn every_model_gets_its_exact_body_and_the_fake_accepts_it() {
    let server = start(mock_config()).await;
    let c = client(&server);
    let dir = tempfile::tempdir().unwrap();
    let picture = dir.path().join("frame.png");
    std::fs::write(&picture, png(1280, 720)).unwrap();
    let first = c.upload_image(&picture).await.unwrap().file_url;
    let last = c.upload_image(&picture).await.unwrap().file_url;

    let table = expected();
    // Every EvoLink id of the manifest is covered, text ids without pictures and picture ids
    // with them.
    for id in manifest().api_ids() {
        let (model, _) = manifest().by_api_id(id).unwrap();
        for with_pictures in [false, true] {
            if model.api_id(with_pictures) == id {
                assert!(
                    table
                        .iter()
                        .any(|(i, p, _)| *i == id && *p == with_pictures),
                    "no expected body for {id} (pictures: {with_pictures})"
                );
            }
        }
    }
    for (api_id, with_pictures, fields) in table {
        let (model, _) = manifest().by_api_id(api_id).unwrap();
        let mut request = VideoRequest::new(api_id, PROMPT);
        if with_pictures {
            request = request.with_image(first.clone());
            if model.pictures.last {
                request = request.with_last_image(last.clone());
            }
        }
        let created = c.create_video(&request, &idem()).await;
        assert!(created.is_ok(), "{api_id}: {created:?}");
        let sent = server.counters().create_bodies.last().cloned().unwrap();
        assert_eq!(sent, full_body(api_id, &fields, &first, &last), "{api_id}");
    }
}

#[tokio::test]
async fn kling_with_both_frames_ten_seconds_1080p_and_sound() {
    let server = start(mock_config()).await;
    let c = client(&server);
    let dir = tempfile::tempdir().unwrap();
    let picture = dir.path().join("frame.png");
    std::fs::write(&picture, png(900, 900)).unwrap();
    let url = c.upload_image(&picture).await.unwrap().file_url;
    let request = VideoRequest::new("kling-v3-image-to-video", PROMPT)
        .with_choices(Choices {
            duration: Some(10),
            quality: Some("1080p".into()),
            audio: Some(true),
            negative_prompt: Some("blur, text".into()),
            ..Choices::default()
        })
        .with_image(url.clone())
        .with_last_image(url.clone());
    let created = c.create_video(&request, &idem()).await.unwrap();
    // The fake prices it as EvoLink does: 5.4 credits/s x 2 (1080p with sound) x 10 s.
    assert_eq!(created.task.credits(), Some(108.0));
    assert_eq!(
        server.counters().create_bodies.last().unwrap(),
        &json!({
            "model": "kling-v3-image-to-video", "prompt": PROMPT, "duration": 10,
            "quality": "1080p", "sound": "on", "negative_prompt": "blur, text",
            "image_start": url, "image_end": url,
        })
    );
    // Wan's "let the model choose" length, and a Veo seed.
    let wan = VideoRequest::new("wan3.0-text-to-video", PROMPT).with_choices(Choices {
        duration: Some(-1),
        quality: Some("480p".into()),
        ..Choices::default()
    });
    c.create_video(&wan, &idem()).await.unwrap();
    assert_eq!(
        server.counters().create_bodies.last().unwrap()["duration"],
        -1
    );
    let veo = VideoRequest::new("veo-3.1-generate-preview", PROMPT).with_choices(Choices {
        seed: Some(4_294_967_295),
        audio: Some(false),
        aspect: Some("9:16".into()),
        ..Choices::default()
    });
    c.create_video(&veo, &idem()).await.unwrap();
    let sent = server.counters().create_bodies.last().cloned().unwrap();
    assert_eq!(
        (
            sent["seed"].clone(),
            sent["generate_audio"].clone(),
            sent["aspect_ratio"].clone()
        ),
        (json!(4_294_967_295u64), json!(false), json!("9:16"))
    );
}

#[tokio::test]
async fn impossible_requests_are_refused_before_any_call() {
    let server = start(mock_config()).await;
    let c = client(&server);
    let choices = |duration: Option<i64>, quality: Option<&str>| Choices {
        duration,
        quality: quality.map(str::to_string),
        ..Choices::default()
    };
    let impossible = [
        VideoRequest::new("kling-v3-text-to-video", PROMPT).with_choices(choices(Some(20), None)),
        VideoRequest::new("veo-3.1-generate-preview", PROMPT).with_choices(choices(Some(5), None)),
        VideoRequest::new("wan3.0-text-to-video", PROMPT).with_choices(choices(None, Some("4k"))),
        VideoRequest::new("sora-2-preview", PROMPT).with_choices(choices(None, Some("1080p"))),
        VideoRequest::new("seedance-2.0-fast-text-to-video", PROMPT)
            .with_choices(choices(None, Some("1080p"))),
        VideoRequest::new("grok-imagine-video-1.0-t2v", PROMPT).with_choices(Choices {
            audio: Some(true),
            ..Choices::default()
        }),
        VideoRequest::new("kling-v3-image-to-video", PROMPT),
        VideoRequest::new("kling-v3-text-to-video", PROMPT)
            .with_image("https://files.example/a.png"),
        VideoRequest::new("sora-2-preview", PROMPT)
            .with_image("https://files.example/a.png")
            .with_last_image("https://files.example/b.png"),
        VideoRequest::new("kling-v3-text-to-video", "x".repeat(2501)),
        VideoRequest::new("no-such-model", PROMPT),
    ];
    for request in &impossible {
        let e = c.create_video(request, &idem()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{request:?}");
    }
    assert_eq!(server.counters().create_calls, 0);
    assert!(server.counters().requests.is_empty());
}
