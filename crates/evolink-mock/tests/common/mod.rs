//! What the fake's HTTP tests share: a plain client with a real User-Agent (the fake's media
//! route refuses requests without one) and JSON calls as an account.
#![allow(dead_code)]

use evolink_mock::MockServer;
use reqwest::StatusCode;
use serde_json::Value;

pub fn http() -> reqwest::Client {
    // reqwest is built without a TLS provider of its own (the workspace's Cargo.toml).
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .user_agent("mock-tests/1")
        .build()
        .unwrap()
}

/// POSTs `body` as the account of `key`: the status, and the JSON answer (null if none).
pub async fn post(s: &MockServer, key: &str, path: &str, body: &Value) -> (StatusCode, Value) {
    post_at(&s.base_url(), key, path, body).await
}

/// [`post`] to the server at `base`.
pub async fn post_at(base: &str, key: &str, path: &str, body: &Value) -> (StatusCode, Value) {
    let r = http()
        .post(format!("{base}{path}"))
        .bearer_auth(key)
        .json(body)
        .send()
        .await
        .unwrap();
    let st = r.status();
    (st, r.json().await.unwrap_or(Value::Null))
}

/// GETs `path` as the account of `key`: the JSON answer.
pub async fn get(s: &MockServer, key: &str, path: &str) -> Value {
    get_at(&s.base_url(), key, path).await
}

/// [`get`] from the server at `base`.
pub async fn get_at(base: &str, key: &str, path: &str) -> Value {
    http()
        .get(format!("{base}{path}"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}
