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
