//! Runs the real `sora-desk-cli` binary.

use std::path::PathBuf;
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sora-desk-cli"))
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../preflight/tests/fixtures")
        .join(name)
}

fn temp_out(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sora-desk-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn preflight(args: &[&str]) -> Output {
    bin().arg("preflight").args(args).output().unwrap()
}

#[test]
fn prepares_a_rotated_photo_and_prints_json() {
    let out = temp_out("rotated.jpg");
    let input = fixture("orient-6.jpg");
    let o = preflight(&[input.to_str().unwrap(), out.to_str().unwrap()]);
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["output"]["width"], 1280);
    assert_eq!(json["output"]["height"], 720);
    assert_eq!(json["source"]["exif_orientation"], 6);
    assert!(json["actions"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("rotated")));
    assert!(json.get("preview").is_none(), "preview only on request");
    let written = std::fs::read(&out).unwrap();
    assert_eq!(
        written.len() as u64,
        json["output"]["bytes"].as_u64().unwrap()
    );
    assert_eq!(&written[..3], &[0xFF, 0xD8, 0xFF]);
}

#[test]
fn options_are_passed_on() {
    let out = temp_out("portrait.png");
    let input = fixture("panorama.jpg");
    let o = preflight(&[
        input.to_str().unwrap(),
        out.to_str().unwrap(),
        "--orientation",
        "portrait",
        "--fit",
        "fit",
        "--format",
        "png",
        "--preview",
        "--compact",
    ]);
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = String::from_utf8(o.stdout).unwrap();
    assert_eq!(
        text.trim_end().lines().count(),
        1,
        "compact JSON is one line"
    );
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["output"]["width"], 720);
    assert_eq!(json["output"]["format"], "png");
    assert!(json["actions"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("padded")));
    assert!(json["preview"]["jpeg_base64"].is_string());

    let o = preflight(&[
        input.to_str().unwrap(),
        out.to_str().unwrap(),
        "--focus",
        "0,0.5",
    ]);
    assert!(o.status.success());
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["region"]["x"], 0);
}

#[test]
fn bad_input_gives_one_plain_line_and_exit_1() {
    for (name, words) in [
        ("text.jpg", "not a picture"),
        ("photo.heic", "HEIC"),
        ("truncated.jpg", "incomplete"),
        ("empty.jpg", "empty"),
    ] {
        let out = temp_out(&format!("{name}.out"));
        let o = preflight(&[fixture(name).to_str().unwrap(), out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{name}");
        let err = String::from_utf8(o.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
        assert!(err.contains(words), "{name}: {err}");
        assert!(o.stdout.is_empty(), "{name}");
        assert!(!out.exists(), "{name}: nothing written on failure");
    }
}

#[test]
fn missing_file_is_exit_3_and_bad_arguments_exit_2() {
    let out = temp_out("never.jpg");
    let o = preflight(&["/no/such/picture.jpg", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stderr).contains("does not exist"));

    let input = fixture("orient-1.jpg");
    let o = preflight(&[
        input.to_str().unwrap(),
        out.to_str().unwrap(),
        "--focus",
        "2,0",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = preflight(&[
        input.to_str().unwrap(),
        out.to_str().unwrap(),
        "--fit",
        "stretch",
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn help_documents_exit_codes() {
    let o = bin().args(["preflight", "--help"]).output().unwrap();
    let help = String::from_utf8(o.stdout).unwrap();
    assert!(help.contains("Exit codes"), "{help}");
    assert!(help.contains("--orientation") && help.contains("--focus"));
}
