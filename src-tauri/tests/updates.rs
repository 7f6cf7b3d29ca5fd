//! Updates against a local update server on loopback, with the app's real updater plugin and
//! commands on the mock runtime. Packages are signed here with a test key the app is configured
//! to trust, as the release workflow signs them with the real one.

mod common;

use std::io::Cursor;
use std::sync::{Arc, Mutex};

use common::*;
use serde_json::{json, Value};
use tauri::Manager;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const NEWER: &str = "9.9.9";
const NOTES: &str = "Videos open faster.\nA new model: Veo 3.1 Fast.";

/// A signing key pair, as `tauri signer generate` makes them.
struct Signer {
    public: minisign::PublicKey,
    secret: minisign::SecretKey,
}

impl Signer {
    fn new() -> Signer {
        let pair = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
        Signer {
            public: pair.pk,
            secret: pair.sk,
        }
    }

    /// The public key as tauri.conf.json holds it: the key file's text, in base64.
    fn public_for_config(&self) -> String {
        base64(&self.public.to_box().unwrap().to_string())
    }

    /// The signature as `latest.json` holds it, bound to `version` as `tauri signer sign
    /// --app-version` binds it (a tab-separated `version:` field in the trusted comment).
    fn sign(&self, bytes: &[u8], version: &str) -> String {
        let trusted = format!("timestamp:1764590400\tfile:sora-desk.deb\tversion:{version}");
        let signature = minisign::sign(
            Some(&self.public),
            &self.secret,
            Cursor::new(bytes),
            Some(&trusted),
            Some("signature from tauri secret key"),
        )
        .unwrap();
        base64(&signature.to_string())
    }
}

fn base64(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// What the update server answers, and what it was asked.
#[derive(Default)]
struct Served {
    manifest: Value,
    package: Vec<u8>,
    requests: Vec<String>,
}

/// An HTTP server on loopback with two routes: `/latest.json` and `/package`.
struct UpdateServer {
    port: u16,
    served: Arc<Mutex<Served>>,
}

impl UpdateServer {
    fn start() -> UpdateServer {
        let listener =
            tauri::async_runtime::block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let port = listener.local_addr().unwrap().port();
        let served = Arc::new(Mutex::new(Served::default()));
        let state = served.clone();
        tauri::async_runtime::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let state = state.clone();
                tauri::async_runtime::spawn(async move {
                    let mut request = Vec::new();
                    let mut buf = [0u8; 4096];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buf[..n]),
                        }
                    }
                    let line = String::from_utf8_lossy(&request);
                    let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
                    let (status, body) = {
                        let mut served = state.lock().unwrap();
                        served.requests.push(path.clone());
                        match path.as_str() {
                            "/latest.json" => ("200 OK", served.manifest.to_string().into_bytes()),
                            "/package" => ("200 OK", served.package.clone()),
                            _ => ("404 Not Found", Vec::new()),
                        }
                    };
                    let head = format!(
                        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = stream.write_all(head.as_bytes()).await;
                    let _ = stream.write_all(&body).await;
                });
            }
        });
        UpdateServer { port, served }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Announces `version` with `package` and `signature` for every system the suite runs on.
    fn offer(&self, version: &str, package: &[u8], signature: &str) {
        let entry = json!({ "url": self.url("/package"), "signature": signature });
        let platforms: serde_json::Map<String, Value> = [
            "linux-x86_64",
            "linux-aarch64",
            "darwin-x86_64",
            "darwin-aarch64",
            "windows-x86_64",
        ]
        .iter()
        .map(|target| (target.to_string(), entry.clone()))
        .collect();
        let mut served = self.served.lock().unwrap();
        served.manifest = json!({
            "version": version,
            "notes": NOTES,
            "pub_date": "2026-12-01T10:00:00Z",
            "platforms": platforms,
        });
        served.package = package.to_vec();
    }

    fn requests(&self) -> Vec<String> {
        self.served.lock().unwrap().requests.clone()
    }
}

/// The app trusting `signer` and asking `endpoint` for updates.
fn app_trusting(signer: &Signer, endpoint: &str) -> Rig {
    let pubkey = signer.public_for_config();
    let endpoint = endpoint.to_string();
    Rig::start_configured(None, move |config| {
        config.plugins.0.insert(
            "updater".into(),
            json!({
                "pubkey": pubkey,
                "endpoints": [endpoint],
                "requireSignedVersion": true,
                "dangerousInsecureTransportProtocol": true,
            }),
        );
    })
}

fn package() -> Vec<u8> {
    (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect()
}

/// The page's `checkForUpdate({ automatic })`.
fn look(rig: &Rig, automatic: bool) -> Result<Value, Value> {
    rig.invoke("check_for_update", json!({ "automatic": automatic }))
}

fn download(rig: &Rig) -> Result<Vec<u8>, Value> {
    let handle = rig.app.app_handle().clone();
    tauri::async_runtime::block_on(sora_desk::updates::download_and_verify(&handle))
        .map(|(_, bytes)| bytes)
        .map_err(|problem| serde_json::to_value(problem).unwrap())
}

#[test]
fn a_newer_signed_version_is_found_downloaded_and_verified() {
    let signer = Signer::new();
    let server = UpdateServer::start();
    let package = package();
    server.offer(NEWER, &package, &signer.sign(&package, NEWER));
    let rig = app_trusting(&signer, &server.url("/latest.json"));

    let offer = look(&rig, false).expect("the check answers");
    assert_eq!(offer["version"], NEWER);
    assert_eq!(offer["current_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(offer["notes"], NOTES);
    assert_eq!(offer["date"], "2026-12-01T10:00:00Z");
    assert_eq!(
        server.requests(),
        ["/latest.json"],
        "looking downloads nothing"
    );

    let bytes = download(&rig).expect("a package signed with the trusted key is accepted");
    assert_eq!(bytes, package);
    let progress = rig.events("update-progress");
    let last = progress.last().expect("the download's progress is told");
    assert_eq!(last["stage"], "downloading");
    assert_eq!(last["done"], package.len() as u64);
    assert_eq!(last["total"], package.len() as u64);
}

#[test]
fn a_tampered_package_or_a_wrong_signature_is_refused_and_never_installed() {
    let signer = Signer::new();
    let server = UpdateServer::start();
    let package = package();
    let rig = app_trusting(&signer, &server.url("/latest.json"));
    let mut tampered = package.clone();
    tampered[1000] ^= 1;
    let stranger = Signer::new();
    let cases = [
        ("a changed byte", tampered, signer.sign(&package, NEWER)),
        (
            "another key's signature",
            package.clone(),
            stranger.sign(&package, NEWER),
        ),
        (
            "an older release's signature announced as newer",
            package.clone(),
            signer.sign(&package, "0.0.9"),
        ),
        ("no signature", package.clone(), String::new()),
    ];
    for (what, served, signature) in cases {
        server.offer(NEWER, &served, &signature);
        let offer = look(&rig, false).unwrap();
        assert_eq!(offer["version"], NEWER, "{what}");
        // Through the command the person's button calls: refused before anything is installed.
        let problem = rig.invoke("install_update", json!({})).unwrap_err();
        assert_eq!(problem["code"], "update_unverified", "{what}: {problem}");
        assert_eq!(problem["message"]["key"], "problem.update_unverified");
        assert_eq!(
            sora_service::problem::Words::new("problem.update_unverified").english(),
            "The downloaded update is not signed by Sora Desk's makers, so it was not installed. Try again later; if this keeps happening, download Sora Desk from where you got it.",
        );
        let stages: Vec<Value> = rig
            .events("update-progress")
            .iter()
            .map(|p| p["stage"].clone())
            .collect();
        assert!(
            stages.iter().all(|s| s == "downloading"),
            "{what}: nothing goes past the download: {stages:?}"
        );
        // The same update can be tried again (and is refused again), without a new look.
        assert_eq!(download(&rig).unwrap_err()["code"], "update_unverified");
    }
}

#[test]
fn the_newest_version_offers_nothing_to_install() {
    let signer = Signer::new();
    let server = UpdateServer::start();
    let package = package();
    let current = env!("CARGO_PKG_VERSION");
    server.offer(current, &package, &signer.sign(&package, current));
    let rig = app_trusting(&signer, &server.url("/latest.json"));
    let offer = look(&rig, false).unwrap();
    assert_eq!(offer, Value::Null);
    let problem = rig.invoke("install_update", json!({})).unwrap_err();
    assert_eq!(problem["code"], "update_not_found");
    assert_eq!(server.requests(), ["/latest.json"]);
}

#[test]
fn the_automatic_check_runs_at_most_once_a_day_and_not_at_all_when_turned_off() {
    let signer = Signer::new();
    let server = UpdateServer::start();
    let package = package();
    server.offer(NEWER, &package, &signer.sign(&package, NEWER));
    let rig = app_trusting(&signer, &server.url("/latest.json"));

    rig.invoke(
        "set_settings",
        json!({ "changes": { "auto_update_check": false } }),
    )
    .unwrap();
    let settings = rig.invoke("get_settings", json!({})).unwrap();
    assert_eq!(settings["auto_update_check"], false);
    let offer = look(&rig, true).unwrap();
    assert_eq!(offer, Value::Null);
    assert!(server.requests().is_empty(), "turned off: nothing is asked");

    rig.invoke(
        "set_settings",
        json!({ "changes": { "auto_update_check": true } }),
    )
    .unwrap();
    let offer = look(&rig, true).unwrap();
    assert_eq!(offer["version"], NEWER);
    for _ in 0..3 {
        let again = look(&rig, true).unwrap();
        assert_eq!(again, Value::Null);
    }
    assert_eq!(
        server.requests().len(),
        1,
        "once a day: {:?}",
        server.requests()
    );
    // Asked for by the person, it always looks.
    look(&rig, false).unwrap();
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn without_an_update_address_or_a_server_the_person_is_told_what_happened() {
    // The configuration as committed: a public key, no address (the release build adds it).
    let rig = Rig::start(None);
    let problem = look(&rig, false).unwrap_err();
    assert_eq!(problem["code"], "updates_not_built_in", "{problem}");

    // A server that is not there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let rig = app_trusting(
        &Signer::new(),
        &format!("http://127.0.0.1:{port}/latest.json"),
    );
    let problem = look(&rig, false).unwrap_err();
    assert_eq!(problem["code"], "update_unreachable", "{problem}");
    assert_eq!(problem["retryable"], true);
}

#[test]
fn the_shipped_configuration_trusts_one_key_and_takes_updates_over_https_only() {
    let context = sora_desk::context::<tauri::test::MockRuntime>();
    let updater = &context.config().plugins.0["updater"];
    let pubkey = updater["pubkey"].as_str().expect("a public key");
    use base64::Engine;
    let text = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(pubkey)
            .unwrap(),
    )
    .unwrap();
    assert!(
        text.starts_with("untrusted comment: minisign public key"),
        "{text}"
    );
    assert_eq!(updater["requireSignedVersion"], true);
    assert!(updater.get("dangerousInsecureTransportProtocol").is_none());
    assert!(updater.get("dangerousAcceptInvalidCerts").is_none());
}
