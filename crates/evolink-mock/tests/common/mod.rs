//! What the fake's HTTP tests share: a plain client with a real User-Agent (the fake's media
//! route refuses requests without one) and JSON calls as an account.
#![allow(dead_code)]

use evolink_mock::MockServer;
use reqwest::StatusCode;
use serde_json::Value;

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent("mock-tests/1")
        .build()
        .unwrap()
}

/// POSTs `body` as the account of `key`: the status, and the JSON answer (null if none).
pub async fn post(s: &MockServer, key: &str, path: &str, body: &Value) -> (StatusCode, Value) {
    let r = http()
        .post(format!("{}{path}", s.base_url()))
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
    http()
        .get(format!("{}{path}", s.base_url()))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}
