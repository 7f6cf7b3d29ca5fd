//! Every video model of the model document, through the fake's HTTP API: a valid request per
//! model is accepted at the document's price, impossible ones are refused with a 400, pictures
//! outside a model's bounds fail the task, and Veo's `n` gives `n` playable results.
//!
//! The expected prices are worked out here by hand from the document's numbers (1 USD = 68
//! credits), not taken from the fake's table, so a wrong factor in the table fails a test.

mod common;

use std::time::{Duration, Instant};

use base64::Engine as _;
use common::http;
use evolink_mock::{MockConfig, MockServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

const KEY: &str = "sk-mock-models-key-00000000000";
const START_BALANCE: f64 = 10_000.0;

async fn server() -> MockServer {
    MockServer::start(MockConfig {
        seed: 3,
        balance: START_BALANCE,
        ..MockConfig::fast(KEY)
    })
    .await
    .unwrap()
}

async fn post(s: &MockServer, path: &str, body: &Value) -> (StatusCode, Value) {
    common::post(s, KEY, path, body).await
}

async fn create(s: &MockServer, body: &Value) -> (StatusCode, Value) {
    post(s, "/v1/videos/generations", body).await
}

/// A PNG of `w`x`h`, RGB or (with `alpha`) RGBA, one grey colour.
fn png(w: u32, h: u32, alpha: bool) -> Vec<u8> {
    let grey =
        image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(w, h, image::Rgb([0x80; 3])));
    let picture = if alpha {
        image::DynamicImage::ImageRgba8(grey.to_rgba8())
    } else {
        grey
    };
    let mut out = std::io::Cursor::new(Vec::new());
    picture.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Uploads a picture through the fake's file API and returns its `file_url`.
async fn upload(s: &MockServer, w: u32, h: u32, alpha: bool) -> String {
    let data = base64::engine::general_purpose::STANDARD.encode(png(w, h, alpha));
    let (st, v) = post(
        s,
        "/api/v1/files/upload/base64",
        &json!({ "base64_data": format!("data:image/png;base64,{data}"), "file_name": "p.png" }),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["success"], true, "{v}");
    v["data"]["file_url"].as_str().unwrap().to_string()
}

async fn task(s: &MockServer, id: &str) -> Value {
    common::get(s, KEY, &format!("/v1/tasks/{id}")).await
}

async fn finished(s: &MockServer, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let v = task(s, id).await;
        if ["completed", "failed", "cancelled"].contains(&v["status"].as_str().unwrap_or("")) {
            return v;
        }
        assert!(Instant::now() < deadline, "{v}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn media(url: &str) -> (StatusCode, Vec<u8>) {
    let r = http().get(url).send().await.unwrap();
    (r.status(), r.bytes().await.unwrap().to_vec())
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 0.005
}

#[tokio::test]
async fn every_model_accepts_a_valid_request_at_its_price() {
    let s = server().await;
    let land = upload(&s, 1280, 720, false).await;
    let second = upload(&s, 1024, 1024, false).await;
    // (body, credits worked out from the document)
    let cases: Vec<(Value, f64)> = vec![
        // Sora: 5.76/s; pro 17/s, 1080p x1.667. The preview takes its exact-size picture.
        (
            json!({"model": "sora-2-preview", "prompt": "x", "duration": 8}),
            46.08,
        ),
        (
            json!({"model": "sora-2-preview", "prompt": "x", "aspect_ratio": "16:9", "image_urls": [land]}),
            23.04,
        ),
        (
            json!({"model": "sora-2-pro-preview", "prompt": "x", "quality": "1080p"}),
            113.36,
        ),
        // Veo: fast 6.34/s x1.5 with audio (the default); standard 12.68/s, silent x1.
        (
            json!({"model": "veo-3.1-fast-generate-preview", "prompt": "x"}),
            38.04,
        ),
        (
            json!({"model": "veo-3.1-fast-generate-preview", "prompt": "x", "quality": "4k", "duration": 6}),
            133.52, // 6.34 * 6 * 3.51 = 133.5204
        ),
        (
            json!({"model": "veo-3.1-generate-preview", "prompt": "x", "duration": 8, "quality": "1080p",
                   "generate_audio": false, "generation_type": "FIRST&LAST", "image_urls": [land, second],
                   "resize_mode": "crop", "seed": 42, "negative_prompt": "blur"}),
            101.44,
        ),
        (
            json!({"model": "veo-3.1-generate-preview", "prompt": "x", "generation_type": "REFERENCE",
                   "image_urls": [land, second, land]}),
            202.88, // fixed at 8 s: 12.68 * 8 * 2 with audio
        ),
        // Seedance: 13.5 / 8.2 / 2.7 per second, 480p x0.465, 1080p x2.5, audio free.
        (
            json!({"model": "seedance-2.0-text-to-video", "prompt": "x"}),
            67.5,
        ),
        (
            json!({"model": "seedance-2.0-fast-text-to-video", "prompt": "x", "duration": 10, "quality": "480p"}),
            38.13,
        ),
        (
            json!({"model": "seedance-2.0-mini-text-to-video", "prompt": "x", "duration": 4, "generate_audio": false}),
            10.8,
        ),
        (
            json!({"model": "seedance-2.0-image-to-video", "prompt": "x", "quality": "1080p", "image_urls": [land, second]}),
            168.75,
        ),
        (
            json!({"model": "seedance-2.0-fast-image-to-video", "prompt": "x", "image_urls": [land]}),
            41.0,
        ),
        (
            json!({"model": "seedance-2.0-mini-image-to-video", "prompt": "x", "aspect_ratio": "21:9", "image_urls": [second]}),
            13.5,
        ),
        // Kling: 5.4/s, 4k x5; with sound 720p x1.5.
        (
            json!({"model": "kling-v3-text-to-video", "prompt": "x", "duration": 10, "quality": "4k"}),
            270.0,
        ),
        (
            json!({"model": "kling-v3-image-to-video", "prompt": "x", "sound": "on", "image_start": land, "image_end": second}),
            40.5,
        ),
        // Wan: 2.55/s at 480p, 720p (default) x2, 1080p x4; -1 holds 30 s.
        (
            json!({"model": "wan3.0-text-to-video", "prompt": "x", "duration": 10, "quality": "1080p"}),
            102.0,
        ),
        (
            json!({"model": "wan3.0-text-to-video", "prompt": "x", "duration": -1, "seed": 7}),
            153.0,
        ),
        (
            json!({"model": "wan3.0-image-to-video", "prompt": "x", "image_start": land}),
            25.5,
        ),
        // Grok: 2.38/s plus 0.095 per picture.
        (
            json!({"model": "grok-imagine-video-1.0-t2v", "prompt": "x"}),
            14.28,
        ),
        (
            json!({"model": "grok-imagine-video-1.0-i2v", "prompt": "x", "duration": 10, "image_urls": [land, second]}),
            23.99,
        ),
        // MiniMax: 5.17/s at 768p, 8.4/s at 2k; an end frame alone is fine.
        (
            json!({"model": "minimax-h3-text-to-video", "prompt": "x", "duration": 6, "quality": "2k"}),
            50.4,
        ),
        (
            json!({"model": "minimax-h3-image-to-video", "prompt": "x", "image_end": second}),
            20.68,
        ),
    ];
    let mut seen = std::collections::BTreeSet::new();
    let mut total = 0.0;
    let mut ids = Vec::new();
    for (body, credits) in &cases {
        let (st, v) = create(&s, body).await;
        assert_eq!(st, StatusCode::OK, "{body}: {v}");
        let got = v["usage"]["credits_reserved"].as_f64().unwrap();
        assert!(
            close(got, *credits),
            "{body}: reserved {got}, want {credits}"
        );
        assert_eq!(v["model"], body["model"]);
        seen.insert(body["model"].as_str().unwrap().to_string());
        total += credits;
        ids.push(v["id"].as_str().unwrap().to_string());
    }
    assert_eq!(seen.len(), 18, "every model id of the document: {seen:?}");
    assert!(
        close(s.balance(), START_BALANCE - total),
        "each reservation is taken from the balance: {} vs {}",
        s.balance(),
        START_BALANCE - total
    );
    // The pictures are within every model's bounds: every task completes.
    for id in &ids {
        let v = finished(&s, id).await;
        assert_eq!(v["status"], "completed", "{v}");
    }
}

#[tokio::test]
async fn impossible_requests_are_refused_per_model() {
    let s = server().await;
    let pic = upload(&s, 1280, 720, false).await;
    let (kling, kling_i, veo, wan, wan_i) = (
        "kling-v3-text-to-video",
        "kling-v3-image-to-video",
        "veo-3.1-fast-generate-preview",
        "wan3.0-text-to-video",
        "wan3.0-image-to-video",
    );
    let (sd, sd_i, sd_fast, grok, grok_i, mm, mm_i) = (
        "seedance-2.0-text-to-video",
        "seedance-2.0-image-to-video",
        "seedance-2.0-fast-text-to-video",
        "grok-imagine-video-1.0-t2v",
        "grok-imagine-video-1.0-i2v",
        "minimax-h3-text-to-video",
        "minimax-h3-image-to-video",
    );
    let p = |model: &str, extra: Value| {
        let mut b = json!({"model": model, "prompt": "a boat"});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    let cases: Vec<(Value, &str)> = vec![
        // Sora
        (p("sora-2-preview", json!({"quality": "1080p"})), "quality"),
        (
            p("sora-2-preview", json!({"image_start": pic})),
            "image_urls",
        ),
        (
            p("sora-2-preview", json!({"generate_audio": false})),
            "generate_audio",
        ),
        (
            p("sora-2-pro-preview", json!({"aspect_ratio": "1280x720"})),
            "aspect_ratio",
        ),
        (p("sora-2-pro-preview", json!({"quality": "4k"})), "quality"),
        // Veo
        (p(veo, json!({"duration": 5})), "duration"),
        (p(veo, json!({"sound": "on"})), "generate_audio"),
        (p(veo, json!({"generate_audio": "true"})), "generate_audio"),
        (p(veo, json!({"n": 5})), "n must"),
        (p(veo, json!({"n": 0})), "n must"),
        (p(veo, json!({"seed": 0})), "seed"),
        (p(veo, json!({"seed": 4_294_967_296_u64})), "seed"),
        (p(veo, json!({"aspect_ratio": "1:1"})), "aspect_ratio"),
        (p(veo, json!({"quality": "480p"})), "quality"),
        (
            p(veo, json!({"image_urls": [pic, pic, pic, pic]})),
            "at most 3",
        ),
        (p(veo, json!({"image_start": pic})), "image_urls"),
        (
            p(veo, json!({"generation_type": "REFERENCE", "duration": 4})),
            "duration 8",
        ),
        (
            p(
                veo,
                json!({"generation_type": "REFERENCE", "aspect_ratio": "9:16"}),
            ),
            "16:9",
        ),
        (
            p(
                veo,
                json!({"generation_type": "REFERENCE", "image_urls": [pic, pic, pic, pic]}),
            ),
            "at most 3",
        ),
        (
            p(veo, json!({"generation_type": "FIRST&LAST"})),
            "FIRST&LAST",
        ),
        (
            p(veo, json!({"generation_type": "TEXT", "image_urls": [pic]})),
            "TEXT",
        ),
        (p(veo, json!({"resize_mode": "stretch"})), "resize_mode"),
        (p(veo, json!({"prompt": "a".repeat(8001)})), "2000 tokens"),
        // Seedance
        (p(sd_fast, json!({"quality": "1080p"})), "quality"),
        (
            p(
                "seedance-2.0-mini-image-to-video",
                json!({"quality": "1080p", "image_urls": [pic]}),
            ),
            "quality",
        ),
        (p(sd, json!({"duration": 3})), "duration"),
        (p(sd, json!({"duration": 16})), "duration"),
        (p(sd, json!({"aspect_ratio": "5:4"})), "aspect_ratio"),
        (p(sd, json!({"image_urls": [pic]})), "text-to-video"),
        (p(sd, json!({"generate_audio": 1})), "generate_audio"),
        (p(sd_i, json!({})), "image_urls"),
        (p(sd_i, json!({"image_urls": [pic, pic, pic]})), "at most 2"),
        (p(sd_i, json!({"image_start": pic})), "image_urls"),
        // Kling
        (p(kling, json!({"duration": 20})), "duration"),
        (p(kling, json!({"duration": 2})), "duration"),
        (p(kling, json!({"duration": 5.5})), "duration"),
        (p(kling, json!({"sound": true})), "sound"),
        (p(kling, json!({"sound": "yes"})), "sound"),
        (p(kling, json!({"generate_audio": true})), "sound"),
        (p(kling, json!({"aspect_ratio": "4:3"})), "aspect_ratio"),
        (p(kling, json!({"quality": "480p"})), "quality"),
        (p(kling, json!({"prompt": "é".repeat(2501)})), "2500"),
        (p(kling_i, json!({"image_urls": [pic]})), "image_start"),
        (p(kling_i, json!({"image_end": pic})), "image_start"),
        (p(kling_i, json!({})), "image_start"),
        (p(kling_i, json!({"image_start": [pic]})), "single URL"),
        // Wan
        (p(wan, json!({"quality": "4k"})), "quality"),
        (p(wan, json!({"duration": 31})), "duration"),
        (p(wan, json!({"duration": 1})), "duration"),
        (p(wan, json!({"duration": -2})), "duration"),
        (p(wan, json!({"seed": -1})), "seed"),
        (p(wan, json!({"sound": "on"})), "generate_audio"),
        (p(wan, json!({"aspect_ratio": "21:9"})), "aspect_ratio"),
        (p(wan, json!({"prompt": "a".repeat(20_001)})), "20000"),
        (p(wan_i, json!({"image_urls": [pic]})), "image_start"),
        (p(wan_i, json!({})), "image_start"),
        // Grok
        (p(grok, json!({"duration": 16})), "duration"),
        (p(grok, json!({"duration": 0})), "duration"),
        (p(grok, json!({"quality": "1080p"})), "quality"),
        (p(grok, json!({"aspect_ratio": "21:9"})), "aspect_ratio"),
        (p(grok, json!({"generate_audio": true})), "generate_audio"),
        (p(grok_i, json!({})), "image_urls"),
        (
            p(
                grok_i,
                json!({"image_urls": [pic, pic, pic, pic, pic, pic, pic, pic]}),
            ),
            "at most 7",
        ),
        (p(grok_i, json!({"image_start": pic})), "image_urls"),
        // MiniMax
        (p(mm, json!({"quality": "1080p"})), "quality"),
        (p(mm, json!({"duration": 3})), "duration"),
        (p(mm, json!({"aspect_ratio": "adaptive"})), "aspect_ratio"),
        (p(mm, json!({"prompt": "a".repeat(7001)})), "7000"),
        (p(mm, json!({"image_start": pic})), "text-to-video"),
        (p(mm_i, json!({})), "image_start or image_end"),
        (p(mm_i, json!({"image_urls": [pic]})), "image_start"),
    ];
    let before = s.balance();
    for (body, needle) in &cases {
        let (st, v) = create(&s, body).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{body}: {v}");
        // The Sora models keep the code the fake always gave them; see README.
        let code = if body["model"].as_str().unwrap().starts_with("sora") {
            "invalid_parameters"
        } else {
            "invalid_request"
        };
        assert_eq!(v["error"]["code"], code, "{body}: {v}");
        assert_eq!(v["error"]["type"], "invalid_request_error", "{body}: {v}");
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(msg.contains(needle), "{body}: {msg:?} lacks {needle:?}");
    }
    assert_eq!(s.counters().tasks_created, 0, "nothing refused was created");
    assert_eq!(s.balance(), before, "nor charged");
    // Fields no model knows are ignored like the real API ignores them, and `n` only
    // means something to Veo.
    let (st, v) = create(
        &s,
        &p(kling, json!({"colour_grade": "warm", "n": 3, "model_params": {"watermark_info": {"enabled": false}}})),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert!(close(
        v["usage"]["credits_reserved"].as_f64().unwrap(),
        27.0
    ));
}

#[tokio::test]
async fn pictures_outside_a_models_bounds_fail_the_task_and_are_refunded() {
    let s = server().await;
    let small = upload(&s, 200, 200, false).await;
    let wide = upload(&s, 1500, 300, false).await;
    let with_alpha = upload(&s, 800, 600, true).await;
    let square = upload(&s, 1000, 1000, false).await;
    let cases = [
        // Kling wants 300 px or more.
        json!({"model": "kling-v3-image-to-video", "prompt": "x", "image_start": small}),
        // Seedance wants width/height 0.4 to 2.5 (this one is 5).
        json!({"model": "seedance-2.0-image-to-video", "prompt": "x", "image_urls": [wide]}),
        // The last frame is checked as well as the first.
        json!({"model": "minimax-h3-image-to-video", "prompt": "x", "image_start": square, "image_end": wide}),
        // Wan refuses transparency.
        json!({"model": "wan3.0-image-to-video", "prompt": "x", "image_start": with_alpha}),
        // Not one of the fake's files: EvoLink cannot fetch it.
        json!({"model": "grok-imagine-video-1.0-i2v", "prompt": "x", "image_urls": ["https://nowhere.example/p.png"]}),
    ];
    let before = s.balance();
    for body in &cases {
        let (st, v) = create(&s, body).await;
        assert_eq!(st, StatusCode::OK, "accepted first, as EvoLink does: {v}");
        let done = finished(&s, v["id"].as_str().unwrap()).await;
        assert_eq!(done["status"], "failed", "{body}: {done}");
        assert_eq!(done["error"]["code"], "image_processing_error", "{done}");
    }
    assert!(close(s.balance(), before), "failed tasks are refunded");
    // Veo sets no pixel bounds: the same small and wide pictures are fine there.
    let (_, v) = create(
        &s,
        &json!({"model": "veo-3.1-fast-generate-preview", "prompt": "x", "image_urls": [small, wide]}),
    )
    .await;
    let done = finished(&s, v["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "completed", "{done}");
    // Sora keeps its exact-size rule and its own failure code.
    let (_, v) = create(
        &s,
        &json!({"model": "sora-2-preview", "prompt": "x", "image_urls": [square]}),
    )
    .await;
    let done = finished(&s, v["id"].as_str().unwrap()).await;
    assert_eq!(done["error"]["code"], "image_dimension_mismatch", "{done}");
}

#[tokio::test]
async fn veo_n_gives_n_playable_results_in_the_asked_shape() {
    let s = server().await;
    let (st, v) = create(
        &s,
        &json!({"model": "veo-3.1-fast-generate-preview", "prompt": "x", "aspect_ratio": "9:16", "n": 3}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert!(close(
        v["usage"]["credits_reserved"].as_f64().unwrap(),
        6.34 * 4.0 * 1.5 * 3.0
    ));
    let id = v["id"].as_str().unwrap().to_string();
    let done = finished(&s, &id).await;
    assert_eq!(done["status"], "completed", "{done}");
    let urls: Vec<String> = done["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap().to_string())
        .collect();
    assert_eq!(urls.len(), 3, "{done}");
    let mut clips = Vec::new();
    for u in &urls {
        let (st, body) = media(u).await;
        assert_eq!(st, StatusCode::OK, "{u}");
        clips.push(body);
    }
    assert!(clips.windows(2).all(|w| w[0] == w[1] && !w[0].is_empty()));
    // A landscape task of another family, for comparison: other clip.
    let (_, v) = create(
        &s,
        &json!({"model": "grok-imagine-video-1.0-t2v", "prompt": "x", "aspect_ratio": "3:2"}),
    )
    .await;
    let land = finished(&s, v["id"].as_str().unwrap()).await;
    let (_, land_clip) = media(land["results"][0].as_str().unwrap()).await;
    assert_ne!(
        land_clip, clips[0],
        "9:16 serves the portrait clip, 3:2 the landscape one"
    );
    // 3:4 is portrait too.
    let (_, v) = create(
        &s,
        &json!({"model": "seedance-2.0-mini-text-to-video", "prompt": "x", "aspect_ratio": "3:4"}),
    )
    .await;
    let tall = finished(&s, v["id"].as_str().unwrap()).await;
    assert_eq!(
        media(tall["results"][0].as_str().unwrap()).await.1,
        clips[0]
    );
    // No fourth video, and the first has one name only.
    let base = s.base_url();
    for name in [format!("{id}_4"), format!("{id}_1"), format!("{id}_x")] {
        let (st, _) = media(&format!("{base}/media/{name}.mp4")).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{name}");
    }
}

#[tokio::test]
async fn timing_cancelling_and_the_model_list_follow_the_model() {
    let s = MockServer::start(MockConfig {
        unavailable_models: vec!["sora-2-pro-preview".into()],
        ..MockConfig::fast(KEY)
    })
    .await
    .unwrap();
    let eta = |v: &Value| v["task_info"]["estimated_time"].as_i64().unwrap();
    let (_, sora) = create(&s, &json!({"model": "sora-2-preview", "prompt": "x"})).await;
    assert_eq!(eta(&sora), 135, "Sora keeps the configured 15 + 120 s");
    let (_, fast) = create(
        &s,
        &json!({"model": "veo-3.1-fast-generate-preview", "prompt": "x", "generate_audio": false}),
    )
    .await;
    let (_, kling) = create(
        &s,
        &json!({"model": "kling-v3-text-to-video", "prompt": "x"}),
    )
    .await;
    let (_, wan) = create(&s, &json!({"model": "wan3.0-text-to-video", "prompt": "x"})).await;
    assert!(eta(&fast) < eta(&sora), "{fast}");
    assert!(eta(&kling) > eta(&sora) && eta(&wan) > eta(&sora));
    let (_, mm) = create(
        &s,
        &json!({"model": "minimax-h3-text-to-video", "prompt": "x"}),
    )
    .await;
    assert_eq!(
        mm["task_info"]["can_cancel"], false,
        "MiniMax tasks cannot be cancelled"
    );
    assert_eq!(
        task(&s, mm["id"].as_str().unwrap()).await["task_info"]["can_cancel"],
        false
    );
    assert_eq!(sora["task_info"]["can_cancel"], true);
    // The list: every model of the document, minus the retired one.
    let v = common::get(&s, KEY, "/v1/models").await;
    let ids: Vec<&str> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    for id in [
        "sora-2-preview",
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
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    assert!(
        !ids.contains(&"sora-2-pro-preview"),
        "unavailable models are not listed"
    );
    let (st, v) = create(&s, &json!({"model": "sora-2-pro-preview", "prompt": "x"})).await;
    assert_eq!(st, StatusCode::SERVICE_UNAVAILABLE, "{v}");
}

/// The fake keeps what the client sent for the last creates only: the app's demo runs it for
/// as long as the app runs.
#[tokio::test]
async fn the_create_bodies_kept_are_the_newest_and_bounded() {
    let s = server().await;
    let n = evolink_mock::KEPT_CREATE_BODIES + 6;
    for i in 0..n {
        let (status, _) = create(
            &s,
            &json!({"model": "sora-2-preview", "prompt": format!("scene {i}"), "aspect_ratio": "16:9", "duration": 4}),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }
    let bodies = s.counters().create_bodies;
    assert_eq!(bodies.len(), evolink_mock::KEPT_CREATE_BODIES);
    assert_eq!(bodies.last().unwrap()["prompt"], format!("scene {}", n - 1));
    assert_eq!(bodies[0]["prompt"], "scene 6");
}
