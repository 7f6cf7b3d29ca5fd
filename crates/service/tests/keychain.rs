//! The key's life through the app's service against a real Secret Service (gnome-keyring in a
//! private D-Bus session; `scripts/test-all` runs these with `--include-ignored` inside one).

use std::time::Duration;

use evolink_mock::{MockConfig, MockServer};
use sora_core::AppPaths;
use sora_keychain::KeyVault;
use sora_service::*;

const FIRST: &str = "sk-keychain-distinctive-first-4a1f";
const SECOND: &str = "sk-keychain-distinctive-second-77c2";

fn config(dir: &std::path::Path, server: &MockServer, service_name: &str) -> ServiceConfig {
    ServiceConfig {
        version: "0.0.0-test",
        paths: AppPaths {
            data_dir: dir.join("data"),
            library_dir: dir.join("Videos"),
        },
        library_from_env: false,
        api_base_from_env: Some(server.base_url()),
        files_base_from_env: Some(server.base_url()),
        env_key: None,
        vault: KeyVault::new(service_name),
        engine: sora_engine::EngineConfig {
            lock_wait: Duration::from_secs(2),
            ..Default::default()
        },
        demo: DemoConfig::default(),
        client_tuning: |c| c,
        media_listener: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service session (scripts/test-all provides one)"]
async fn set_status_replace_and_clear_in_the_real_keychain() {
    let server = MockServer::start(MockConfig {
        keys: vec![FIRST.into(), SECOND.into()],
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let name = format!("sora-desk-service-test-{}", std::process::id());
    let service = Service::start(config(dir.path(), &server, &name))
        .await
        .unwrap();
    assert!(!service.key_status().await.set);

    let saved = service.set_key(FIRST.into(), false).await.unwrap();
    assert_eq!(saved.status.storage, "keychain");
    assert!(saved.status.hint.as_deref().unwrap().ends_with("4a1f"));
    assert_eq!(saved.credits, Some(1000.0));

    let replaced = service.set_key(SECOND.into(), false).await.unwrap();
    assert!(replaced.status.hint.as_deref().unwrap().ends_with("77c2"));
    service.shutdown(Duration::from_secs(5)).await;
    drop(service);

    // A new start finds the saved key in the keychain and uses it.
    let service = Service::start(config(dir.path(), &server, &name))
        .await
        .unwrap();
    let status = service.key_status().await;
    assert_eq!((status.set, status.storage), (true, "keychain"));
    assert!(status.hint.unwrap().ends_with("77c2"));
    assert_eq!(
        service.refresh_balance().await.unwrap().credits,
        Some(1000.0)
    );

    let cleared = service.clear_key().await.unwrap();
    assert_eq!((cleared.set, cleared.storage), (false, "none"));
    assert!(
        KeyVault::new(&name).get().unwrap().is_none(),
        "gone from the keychain"
    );
    assert_eq!(service.refresh_balance().await.unwrap_err().code, "no_key");
}

/// Another key is saved while a video made with the first one is still being made, and the
/// app restarts: the first key was kept in the keychain for that video, which finishes with
/// it; the new key is the one in use for everything new.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service session (scripts/test-all provides one)"]
async fn a_replaced_key_is_kept_for_the_videos_it_started_across_a_restart() {
    let server = MockServer::start(MockConfig {
        keys: vec![FIRST.into(), SECOND.into()],
        time_scale: 100.0,
        generation_secs: 400.0,
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let name = format!("sora-desk-service-kept-{}", std::process::id());
    let fast = |dir: &std::path::Path| ServiceConfig {
        engine: sora_engine::EngineConfig::fast(),
        ..config(dir, &server, &name)
    };
    let service = Service::start(fast(dir.path())).await.unwrap();
    service.set_key(FIRST.into(), false).await.unwrap();
    let task = service
        .submit(SubmitInput {
            prompt: "A lantern drifting on a lake at night".into(),
            model: "sora-2-preview".into(),
            choices: Default::default(),
            image: None,
            last_image: None,
            takes: 1,
        })
        .await
        .unwrap()
        .remove(0);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while service.get(&task.id).await.unwrap().state != TaskState::Generating {
        assert!(std::time::Instant::now() < deadline, "never generating");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    service.set_key(SECOND.into(), false).await.unwrap();
    service.shutdown(Duration::from_secs(5)).await;
    drop(service);

    let first = evolink::ApiKey::new(FIRST).unwrap();
    let vault = KeyVault::new(&name);
    assert_eq!(
        vault.kept(&first.fingerprint()).unwrap().as_ref(),
        Some(&first),
        "the first key is kept for its video"
    );
    let service = Service::start(fast(dir.path())).await.unwrap();
    assert!(service.key_status().await.hint.unwrap().ends_with("77c2"));
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let done = loop {
        let view = service.get(&task.id).await.unwrap();
        if view.state.is_final() {
            break view;
        }
        assert!(std::time::Instant::now() < deadline, "stuck: {view:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(done.state, TaskState::Done, "{:?}", done.error);
    assert_eq!(server.counters().tasks_created, 1);
    service.clear_key().await.unwrap();
    vault.forget_kept(&first.fingerprint()).unwrap();
}
