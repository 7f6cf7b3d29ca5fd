//! The app's real wiring (`sora_desk::configure`) on Tauri's mock runtime, with the real service
//! pointed at the fake EvoLink server and at temporary folders. Calls go through Tauri's IPC
//! path: the capability, argument parsing and the error shape are the real ones.
#![allow(dead_code)]

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use evolink_mock::{MockConfig, MockServer};
use serde_json::Value;
use sora_desk::{Service, ServiceConfig};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{Listener, Manager};

pub const KEY: &str = "sk-commands-distinctive-5e0b7a";

pub struct Rig {
    pub dir: tempfile::TempDir,
    pub app: tauri::App<MockRuntime>,
    pub service: Service,
    pub server: MockServer,
    /// Every event the app emitted: (name, payload).
    pub emitted: Arc<Mutex<Vec<(String, Value)>>>,
}

pub fn service_config(dir: &Path, server: &MockServer, env_key: Option<&str>) -> ServiceConfig {
    // No keychain in this process: the no-keychain path (the keychain is tested elsewhere).
    std::env::set_var(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/sora-desk-test",
    );
    let fast = sora_service::EngineConfig::fast();
    ServiceConfig {
        version: env!("CARGO_PKG_VERSION"),
        paths: sora_service::AppPaths {
            data_dir: dir.join("data"),
            library_dir: dir.join("Videos"),
        },
        library_from_env: false,
        api_base_from_env: Some(server.base_url()),
        files_base_from_env: Some(server.base_url()),
        env_key: env_key.map(String::from),
        vault: sora_service::KeyVault::new(format!("sora-desk-test-{}", std::process::id())),
        engine: fast.clone(),
        demo: sora_service::DemoConfig {
            time_scale: 100.0,
            engine: fast,
        },
        client_tuning: |c| c,
        media_listener: None,
    }
}

impl Rig {
    pub fn start(env_key: Option<&str>) -> Rig {
        Self::start_with(env_key, |b| b)
    }

    pub fn start_with(
        env_key: Option<&str>,
        extra: impl FnOnce(tauri::Builder<MockRuntime>) -> tauri::Builder<MockRuntime>,
    ) -> Rig {
        Self::launch(env_key, extra, |_| {})
    }

    /// The app with its configuration (tauri.conf.json) changed first.
    pub fn start_configured(
        env_key: Option<&str>,
        configure: impl FnOnce(&mut tauri::Config),
    ) -> Rig {
        Self::launch(env_key, |b| b, configure)
    }

    fn launch(
        env_key: Option<&str>,
        extra: impl FnOnce(tauri::Builder<MockRuntime>) -> tauri::Builder<MockRuntime>,
        configure: impl FnOnce(&mut tauri::Config),
    ) -> Rig {
        let dir = tempfile::tempdir().unwrap();
        let server = tauri::async_runtime::block_on(MockServer::start(MockConfig {
            keys: vec![KEY.into()],
            time_scale: 100.0,
            ..MockConfig::default()
        }))
        .unwrap();
        let service = tauri::async_runtime::block_on(Service::start(service_config(
            dir.path(),
            &server,
            env_key,
        )))
        .unwrap();
        let mut context = sora_desk::context();
        configure(context.config_mut());
        let app = sora_desk::build_with(extra(mock_builder()), context, service.clone())
            .expect("the app builds on the mock runtime");
        // The capability is bound to the window labelled "main", like the app's real window.
        tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .expect("the main window opens");
        let emitted = Arc::new(Mutex::new(Vec::new()));
        for name in [
            "tasks-changed",
            "balance-changed",
            "key-refused",
            "mode-changed",
            "queue-changed",
            "pictures-dropped",
            "update-progress",
        ] {
            let emitted = emitted.clone();
            app.listen_any(name, move |event| {
                let payload = serde_json::from_str(event.payload()).unwrap_or(Value::Null);
                emitted.lock().unwrap().push((name.to_string(), payload));
            });
        }
        Rig {
            dir,
            app,
            service,
            server,
            emitted,
        }
    }

    pub fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        self.call(cmd, InvokeBody::Json(args), &[])
    }

    pub fn invoke_raw(
        &self,
        cmd: &str,
        bytes: Vec<u8>,
        headers: &[(&str, &str)],
    ) -> Result<Value, Value> {
        self.call(cmd, InvokeBody::Raw(bytes), headers)
    }

    fn call(&self, cmd: &str, body: InvokeBody, headers: &[(&str, &str)]) -> Result<Value, Value> {
        let webview = self.app.get_webview_window("main").unwrap();
        let mut header_map = tauri::http::HeaderMap::new();
        for (name, value) in headers {
            header_map.insert(
                tauri::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                tauri::http::HeaderValue::from_str(value).unwrap(),
            );
        }
        let answer = get_ipc_response(
            &webview,
            InvokeRequest {
                cmd: cmd.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: "tauri://localhost".parse().unwrap(),
                body,
                headers: header_map,
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|body| body.deserialize::<Value>().unwrap());
        self.log_answer(cmd, &answer);
        answer
    }

    /// Every answer is kept, so the secret-leak test can search them all.
    fn log_answer(&self, cmd: &str, answer: &Result<Value, Value>) {
        let text = match answer {
            Ok(v) | Err(v) => v.to_string(),
        };
        self.emitted
            .lock()
            .unwrap()
            .push((format!("answer:{cmd}"), Value::String(text)));
    }

    pub fn until_final(&self, id: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let task = self
                .invoke("get_task", serde_json::json!({ "id": id }))
                .unwrap();
            let state = task["state"].as_str().unwrap().to_string();
            if ["done", "failed", "outcome_unknown", "expired"].contains(&state.as_str()) {
                // Let the batched events of the last change arrive.
                std::thread::sleep(Duration::from_millis(200));
                return task;
            }
            assert!(Instant::now() < deadline, "stuck: {task}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn events(&self, name: &str) -> Vec<Value> {
        self.emitted
            .lock()
            .unwrap()
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, p)| p.clone())
            .collect()
    }

    /// Drops files on the window as development builds let the app tests do (the `test-drop`
    /// event, taken for the system's drop): the handles the page is sent for them.
    pub fn drop_files(&self, paths: &[&Path]) -> Vec<String> {
        use tauri::Emitter;
        let before = self.events("pictures-dropped").len();
        self.app
            .emit(sora_desk::TEST_DROP, serde_json::json!({ "paths": paths }))
            .unwrap();
        let handles = self.until_event("pictures-dropped", |events| events.get(before).cloned());
        serde_json::from_value(handles).unwrap()
    }

    /// Waits (at most 10 s) for an event `name` whose payload satisfies `wanted`.
    pub fn wait_event(&self, name: &str, wanted: impl Fn(&Value) -> bool) {
        self.until_event(name, |events| events.iter().any(&wanted).then_some(()));
    }

    /// Waits (at most 10 s) until `found`, given every `name` event so far, finds something.
    fn until_event<T>(&self, name: &str, found: impl Fn(&[Value]) -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(thing) = found(&self.events(name)) {
                return thing;
            }
            assert!(Instant::now() < deadline, "no {name} event came");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The states of one task as the `tasks-changed` events carried them.
    pub fn events_for(&self, id: &str) -> Vec<Value> {
        self.events("tasks-changed")
            .into_iter()
            .flat_map(|p| p["tasks"].as_array().cloned().unwrap_or_default())
            .filter(|t| t["id"] == id)
            .collect()
    }

    pub fn picture(&self, name: &str, w: u32, h: u32) -> String {
        let path = self.dir.path().join(name);
        image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        })
        .save(&path)
        .unwrap();
        path.display().to_string()
    }
}
