//! Sora Desk's desktop shell: the thin glue between the app's service (`crates/service`) and
//! the web UI. It starts the service with the window, exposes each service call as a command
//! (`commands.rs`), passes events on (`events.rs`), and does what only a desktop app can:
//! system dialogs and the file manager (`native.rs`), notifications, one instance, the window
//! remembered, working on in the background with a tray icon (`background.rs`), logs. Domain
//! logic does not live here; see ARCHITECTURE.md.

#[cfg(target_os = "linux")]
mod allocation;
mod background;
mod commands;
mod events;
mod native;
#[cfg(target_os = "linux")]
mod painting;
pub mod updates;

use sora_words::Words;
use std::time::Duration;

use tauri::{Manager, RunEvent, Runtime};
use tauri_plugin_window_state::StateFlags;

/// The one shape of error that crosses into the webview: `{code, message, retryable}`.
pub use sora_service::Problem as IpcError;
pub use sora_service::{Service, ServiceConfig};

/// What every command can reach.
pub struct AppState {
    pub service: Service,
}

/// The language native surfaces (notifications, dialogs, the tray) speak now: Settings' or the
/// system's, as the service resolves it for the page too.
pub(crate) fn language<R: Runtime>(app: &tauri::AppHandle<R>) -> sora_words::Lang {
    app.try_state::<AppState>()
        .map_or_else(sora_words::Lang::system, |state| state.service.language())
}

/// The label of the app's one window (tauri.conf.json), to which the capability is bound.
pub(crate) const MAIN_WINDOW: &str = "main";

/// How long a paid call in flight may take to record its answer when the app quits.
const GRACEFUL_STOP: Duration = Duration::from_secs(10);

/// Builds the app on any runtime with the state, the commands and the event forwarding, so
/// tests drive the real wiring on Tauri's mock runtime.
pub fn build<R: Runtime>(
    builder: tauri::Builder<R>,
    service: Service,
) -> tauri::Result<tauri::App<R>> {
    build_with(builder, context(), service)
}

/// [`build`] with another configuration (the update tests name their own update server).
pub fn build_with<R: Runtime>(
    builder: tauri::Builder<R>,
    context: tauri::Context<R>,
    service: Service,
) -> tauri::Result<tauri::App<R>> {
    let app = with_commands(builder).build(context)?;
    add_test_hooks(&app);
    attach(&app, service);
    Ok(app)
}

/// The event the app tests raise in place of a file drop (WebDriver cannot drop files):
/// `{ "paths": [...] }`, handled as the system's drop is (`native::give_dropped`).
pub const TEST_DROP: &str = "test-drop";

/// Development builds only: the page may raise events, and a [`TEST_DROP`] it raises is taken
/// for a drop of those files. Release builds have neither (tauri.conf.json's capability does
/// not grant raising events; a test checks).
fn add_test_hooks<R: Runtime>(app: &tauri::App<R>) {
    if cfg!(debug_assertions) {
        use tauri::Listener;
        let hooks = tauri::ipc::CapabilityBuilder::new("test-hooks")
            .window(MAIN_WINDOW)
            .permission("core:event:allow-emit");
        if let Err(e) = app.add_capability(hooks) {
            log::warn!("the test hooks could not be added: {e}");
        }
        let handle = app.handle().clone();
        app.listen_any(TEST_DROP, move |event| {
            #[derive(serde::Deserialize)]
            struct TestDrop {
                paths: Vec<std::path::PathBuf>,
            }
            match serde_json::from_str::<TestDrop>(event.payload()) {
                Ok(drop) => native::give_dropped(&handle, &drop.paths),
                Err(e) => log::warn!("a test drop could not be read: {e}"),
            }
        });
    }
}

/// Hands the service to the commands and starts passing its events to the page. Windows are
/// created once the event loop runs, so the page never calls a command before this.
fn attach<R: Runtime>(app: &tauri::App<R>, service: Service) {
    app.manage(AppState {
        service: service.clone(),
    });
    app.manage(updates::Found::default());
    background::attach(app, service.clone());
    tauri::async_runtime::spawn(events::forward(app.handle().clone(), service));
}

fn with_commands<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        // Used from Rust only (`updates.rs`); none of its commands is granted to the page.
        .plugin(updates::plugin())
        .on_window_event(|window, event| {
            native::on_window_event(window, event);
            background::on_window_event(window, event);
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::key_status,
            commands::set_key,
            commands::clear_key,
            commands::refresh_balance,
            commands::set_demo,
            commands::open_help,
            commands::get_settings,
            commands::set_settings,
            commands::choose_library_folder,
            commands::choose_image,
            commands::save_pasted_image,
            commands::prepare_image,
            commands::list_models,
            commands::estimate,
            commands::submit_task,
            commands::open_batch_file,
            commands::plan_batch,
            commands::submit_batch,
            commands::queue_status,
            commands::pause_queue,
            commands::reorder_queue,
            commands::stop_task,
            commands::clear_failed,
            commands::list_tasks,
            commands::get_task,
            commands::retry_task,
            commands::look_again,
            commands::delete_task,
            commands::set_favourite,
            commands::reveal_task,
            commands::save_copy,
            commands::open_library,
            commands::library_stats,
            commands::close_choice,
            commands::check_for_update,
            commands::install_update,
        ])
}

/// The app's configuration, embedded assets and resolved permissions (from tauri.conf.json).
pub fn context<R: Runtime>() -> tauri::Context<R> {
    tauri::generate_context!()
}

/// Lets the page load pictures and videos from the media server on loopback `port`, and from
/// no other port: tauri.conf.json's CSP names no loopback address, so without this the page
/// shows no still and plays no video.
pub fn allow_media_from(config: &mut tauri::Config, port: u16) {
    use tauri::utils::config::Csp;
    let origin = format!("http://127.0.0.1:{port}");
    if let Some(Csp::DirectiveMap(directives)) = config.app.security.csp.as_mut() {
        for directive in ["img-src", "media-src"] {
            directives
                .entry(directive.to_string())
                .or_default()
                .push(&origin);
        }
    }
}

/// Logs in the OS log folder; anything shaped like a key is cut to its hint first.
pub fn log_plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    use tauri_plugin_log::{Target, TargetKind};
    tauri_plugin_log::Builder::new()
        .clear_targets()
        .target(Target::new(TargetKind::LogDir {
            file_name: Some("sora-desk".into()),
        }))
        .level(log::LevelFilter::Info)
        // Third-party crates log at debug and trace; only our own lines and their warnings.
        .level_for("tao", log::LevelFilter::Warn)
        .level_for("wry", log::LevelFilter::Warn)
        .format(|out, message, record| {
            let line = message.to_string();
            out.finish(format_args!(
                "{} {:<5} {} {}",
                unix_seconds(),
                record.level(),
                record.target(),
                sora_service::redact::redact_keys(&line)
            ))
        })
        .build()
}

/// Seconds since the epoch, enough to order lines without a date-time dependency.
fn unix_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// WebKit's environment on Linux: how it paints without a GPU (painting.rs) and how its
/// processes hand memory back (allocation.rs). Set first of all, while this is the only thread
/// (the environment is not safe to change while another thread reads it), and before WebKit's
/// processes are spawned: they inherit it. A variable the person set, either way, is kept.
/// Returns what was found of the machine's graphics, for the log.
#[cfg(target_os = "linux")]
fn prepare_webkit() -> painting::Graphics {
    let graphics = painting::Graphics::detect();
    let is_set = |name: &str| std::env::var_os(name).is_some();
    let wanted = painting::settings(graphics, is_set)
        .into_iter()
        .chain(allocation::settings(is_set));
    for (name, value) in wanted {
        std::env::set_var(name, value);
    }
    graphics
}

pub fn run() {
    #[cfg(target_os = "linux")]
    let graphics = prepare_webkit();
    let builder = tauri::Builder::default()
        // First, and before the service starts: a second launch only brings the running
        // window forward (the plugin ends the second process while the app is built), also
        // when it works in the background with its window hidden.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            background::show_window(app);
        }))
        .plugin(log_plugin())
        .plugin(
            tauri_plugin_window_state::Builder::default()
                // Not whether the window was shown: quitting from the tray while it works in
                // the background must not make the next start open without a window.
                .with_state_flags(StateFlags::all() - StateFlags::VISIBLE)
                .build(),
        )
        .plugin(tauri_plugin_notification::init());
    // The media server's port is taken before the window exists, so the page's CSP can name
    // that port alone.
    let media = std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|listener| Ok((listener.local_addr()?.port(), listener)));
    let (media_port, media) = match media {
        Ok(bound) => bound,
        Err(e) => could_not_start(&Words::new("start.no_player").with("detail", e.to_string())),
    };
    let mut context = context();
    allow_media_from(context.config_mut(), media_port);
    let app = with_commands(builder)
        .build(context)
        .expect("Sora Desk could not open its window");
    add_test_hooks(&app);
    // The version tauri.conf.json gives (the one the updater compares), also the one shown.
    let version: &'static str = Box::leak(app.package_info().version.to_string().into_boxed_str());
    let config = ServiceConfig {
        media_listener: Some(media),
        ..ServiceConfig::from_env(version)
    };
    let service = match tauri::async_runtime::block_on(Service::start(config)) {
        Ok(service) => service,
        Err(problem) => could_not_start(&problem.message),
    };
    log::info!(
        "Sora Desk {version} started; videos at {}",
        tauri::async_runtime::block_on(service.app_info()).library_dir
    );
    #[cfg(target_os = "linux")]
    log::info!("{}", painting::describe(graphics));
    attach(&app, service.clone());
    app.run(move |_app, event| match event {
        RunEvent::Exit => {
            // Let a paid call in flight record its answer; everything else resumes next time.
            tauri::async_runtime::block_on(service.shutdown(GRACEFUL_STOP));
        }
        // The dock icon clicked while the window is hidden (working in the background).
        #[cfg(target_os = "macos")]
        RunEvent::Reopen { .. } => background::show_window(_app),
        _ => {}
    });
}

/// Ends the app with the system's own message box: no window can help yet.
/// No setting can be read yet: the box speaks the system's language.
fn could_not_start(message: &Words) -> ! {
    log::error!("could not start: {message}");
    let lang = sora_words::Lang::system();
    rfd::MessageDialog::new()
        .set_level(rfd::MessageLevel::Error)
        .set_title(Words::new("start.title").render(lang))
        .set_description(message.render(lang))
        .show();
    std::process::exit(1);
}
