//! The video a finished task serves: the scene its prompt's words ask for, in the shape of the
//! video asked for. Downloads are compared with the files of `assets/` read here, and their
//! pixel size read from the MP4 itself, so a wrong row of the fake's table fails a test.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use base64::Engine as _;
use common::http;
use evolink_mock::{MockConfig, MockServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

const KEY: &str = "sk-mock-clips-key-000000000000";

async fn server() -> MockServer {
    MockServer::start(MockConfig {
        seed: 5,
        ..MockConfig::fast(KEY)
    })
    .await
    .unwrap()
}

fn asset(name: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("assets")
            .join(name),
    )
    .unwrap()
}

/// Width and height of the first `avc1` sample entry of an MP4 (inside `stsd`).
fn mp4_size(b: &[u8]) -> (u16, u16) {
    let stsd = b
        .windows(4)
        .position(|w| w == b"stsd")
        .expect("an stsd box");
    let i = stsd
        + b[stsd..]
            .windows(4)
            .position(|w| w == b"avc1")
            .expect("an avc1 entry");
    (
        u16::from_be_bytes([b[i + 28], b[i + 29]]),
        u16::from_be_bytes([b[i + 30], b[i + 31]]),
    )
}

/// `got` is the clip `file` of `assets/`, and its video is `size` pixels (as its MP4 says).
fn assert_clip(got: &[u8], size: (u16, u16), file: &str, context: &str) {
    assert_eq!(mp4_size(got), size, "{context}");
    assert!(got == asset(file), "{context}: not {file}");
}

/// Creates a task with `body`, waits for it to complete and downloads its video.
async fn video(s: &MockServer, body: Value) -> Vec<u8> {
    let (st, v) = common::post(s, KEY, "/v1/videos/generations", &body).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(30);
    let url = loop {
        let v = common::get(s, KEY, &format!("/v1/tasks/{id}")).await;
        if v["status"] == "completed" {
            break v["results"][0].as_str().unwrap().to_string();
        }
        assert_ne!(v["status"], "failed", "{v}");
        assert!(Instant::now() < deadline, "{v}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let r = http().get(&url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{url}");
    r.bytes().await.unwrap().to_vec()
}

/// Uploads a grey PNG of `w`x`h` through the fake's file API and returns its `file_url`.
async fn upload(s: &MockServer, w: u32, h: u32) -> String {
    let picture =
        image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(w, h, image::Rgb([0x80; 3])));
    let mut png = std::io::Cursor::new(Vec::new());
    picture.write_to(&mut png, image::ImageFormat::Png).unwrap();
    let data = base64::engine::general_purpose::STANDARD.encode(png.into_inner());
    let (st, v) = common::post(
        s,
        KEY,
        "/api/v1/files/upload/base64",
        &json!({ "base64_data": format!("data:image/png;base64,{data}"), "file_name": "p.png" }),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v["data"]["file_url"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_sea_word_in_a_landscape_prompt_gets_the_sea_clip() {
    let s = server().await;
    assert_ne!(asset("sea-landscape.mp4"), asset("landscape.mp4"));
    for prompt in [
        "Sunset over a calm sea",
        "A quiet SEA, seen from the cliffs",
        "gulls over the ocean.",
    ] {
        let got = video(
            &s,
            json!({"model": "sora-2-preview", "prompt": prompt, "aspect_ratio": "16:9"}),
        )
        .await;
        assert_clip(&got, (1280, 720), "sea-landscape.mp4", prompt);
    }
}

#[tokio::test]
async fn a_portrait_request_gets_a_portrait_clip() {
    let s = server().await;
    let got = video(
        &s,
        json!({"model": "sora-2-preview", "prompt": "A cat playing piano", "aspect_ratio": "9:16"}),
    )
    .await;
    assert_clip(&got, (720, 1280), "portrait.mp4", "");
    // A scene word keeps the shape.
    let got = video(
        &s,
        json!({"model": "veo-3.1-fast-generate-preview", "prompt": "A starry sky over the hills", "aspect_ratio": "9:16"}),
    )
    .await;
    assert_clip(&got, (720, 1280), "night-portrait.mp4", "");
}

#[tokio::test]
async fn a_square_request_gets_a_square_clip() {
    let s = server().await;
    let got = video(
        &s,
        json!({"model": "kling-v3-text-to-video", "prompt": "A cat playing piano", "aspect_ratio": "1:1"}),
    )
    .await;
    assert_clip(&got, (720, 720), "square.mp4", "");
    let got = video(
        &s,
        json!({"model": "seedance-2.0-mini-text-to-video", "prompt": "Neon signs downtown", "aspect_ratio": "1:1"}),
    )
    .await;
    assert_clip(&got, (720, 720), "city-square.mp4", "");
    // Where the picture decides the shape, a square picture makes a square video.
    let picture = upload(&s, 1024, 1024).await;
    let got = video(
        &s,
        json!({"model": "kling-v3-image-to-video", "prompt": "Light through the trees", "image_start": picture}),
    )
    .await;
    assert_clip(&got, (720, 720), "forest-square.mp4", "");
}

#[tokio::test]
async fn a_prompt_without_a_scene_word_gets_the_default_clip() {
    let s = server().await;
    for prompt in [
        "A cat playing piano",
        // Scene words inside other words do not count.
        "A seashell and a starfish on the sand",
    ] {
        let got = video(
            &s,
            json!({"model": "sora-2-preview", "prompt": prompt, "aspect_ratio": "16:9"}),
        )
        .await;
        assert_clip(&got, (1280, 720), "landscape.mp4", prompt);
    }
    // Without an aspect ratio, too.
    let got = video(
        &s,
        json!({"model": "sora-2-preview", "prompt": "A red kite"}),
    )
    .await;
    assert_clip(&got, (1280, 720), "landscape.mp4", "no aspect ratio");
}
