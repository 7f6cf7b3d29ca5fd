//! A world: one task store with its engine and client, and (for the demo) the fake EvoLink
//! it talks to. The app has the real world and, once the demo was switched on, the demo world.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use evolink::Client;
use evolink_mock::Simulator;
use sora_core::AppPaths;
use sora_engine::library::Library;
use sora_engine::{Engine, EngineConfig, EngineEvent, EngineHandle, Store, TaskState};
use tokio::sync::broadcast;

use crate::media::MediaServer;
use crate::problem::Words;
use crate::{Balance, Problem, ServiceEvent, TaskView};

pub(crate) struct World {
    pub demo: bool,
    pub paths: AppPaths,
    pub store: Arc<Store>,
    pub handle: Option<EngineHandle>,
    pub client: Option<Client>,
    /// The demo world's simulated EvoLink, alive as long as the world.
    _mock: Option<Simulator>,
    /// Its background work: passing the engine's events on, and making stills of saved
    /// videos. Stopped with the world.
    pub background: Vec<tokio::task::JoinHandle<()>>,
}

impl World {
    pub fn engine(&self) -> Result<Engine, Problem> {
        self.handle
            .as_ref()
            .map(|h| h.engine.clone())
            .ok_or_else(|| {
                Problem::new(
                    "engine_busy",
                    Words::new("problem.engine_busy.restarting"),
                    true,
                )
            })
    }

    pub fn posters_dir(&self) -> PathBuf {
        posters_dir(&self.paths)
    }

    /// Stops the world's background work (its engine is shut down on its own).
    pub fn stop_background(&mut self) {
        for work in self.background.drain(..) {
            work.abort();
        }
    }
}

fn posters_dir(paths: &AppPaths) -> PathBuf {
    paths.data_dir.join("posters")
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn start_world(
    engine_config: &EngineConfig,
    demo: bool,
    paths: AppPaths,
    store: Arc<Store>,
    client: Option<Client>,
    mock: Option<Simulator>,
    events: &broadcast::Sender<ServiceEvent>,
    media: &Arc<MediaServer>,
    demo_on: &Arc<AtomicBool>,
) -> Result<World, Problem> {
    let handle = Engine::start(
        engine_config.clone(),
        store.clone(),
        Library::new(&paths.library_dir),
        &paths.data_dir,
        client.clone(),
    )
    .map_err(|e| match e {
        sora_engine::EngineError::Busy => Problem::new(
            "engine_busy",
            Words::new("problem.engine_busy.other_app"),
            true,
        ),
        other => other.into(),
    })?;
    let forwarder = tokio::spawn(forward(
        handle.engine.subscribe(),
        store.clone(),
        demo,
        events.clone(),
        media.clone(),
        demo_on.clone(),
    ));
    let stills = {
        let (events, media, demo_on) = (events.clone(), media.clone(), demo_on.clone());
        tokio::spawn(crate::posters::make_posters(
            store.clone(),
            posters_dir(&paths),
            handle.engine.subscribe(),
            move |task| {
                if demo_on.load(Ordering::SeqCst) == demo {
                    let view = TaskView::new(task, &media);
                    let _ = events.send(ServiceEvent::TasksChanged(vec![view]));
                }
            },
        ))
    };
    Ok(World {
        demo,
        paths,
        store,
        handle: Some(handle),
        client,
        _mock: mock,
        background: vec![forwarder, stills],
    })
}

/// Passes one engine's events on: changes of the world on show go to the page; every task
/// that ends is reported (for notifications), once, when it was seen running.
async fn forward(
    mut engine_events: broadcast::Receiver<EngineEvent>,
    store: Arc<Store>,
    demo: bool,
    events: broadcast::Sender<ServiceEvent>,
    media: Arc<MediaServer>,
    demo_on: Arc<AtomicBool>,
) {
    let mut running: HashMap<String, TaskState> = store
        .active()
        .unwrap_or_default()
        .into_iter()
        .map(|t| (t.id, t.state))
        .collect();
    loop {
        let event = match engine_events.recv().await {
            Ok(event) => event,
            Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(broadcast::error::RecvError::Closed) => return,
        };
        let on_show = demo_on.load(Ordering::SeqCst) == demo;
        match event {
            EngineEvent::Tasks { tasks } => {
                let mut views: Vec<TaskView> = tasks
                    .into_iter()
                    .map(|t| TaskView::new(t, &media))
                    .collect();
                crate::views::in_context(&store, &mut views);
                let mut runs_ended = Vec::new();
                for view in &views {
                    if view.state.is_active() {
                        running.insert(view.id.clone(), view.state);
                    } else if running.remove(&view.id).is_some() {
                        let _ = events.send(ServiceEvent::Finished {
                            task: Box::new(view.clone()),
                            demo,
                        });
                        runs_ended.extend(view.batch_id.clone());
                    }
                }
                // A run is told about once, when the last of its tasks ends.
                runs_ended.dedup();
                if !runs_ended.is_empty() {
                    let since = sora_engine::store::now() - crate::queue::RUNS_SHOWN_FOR;
                    for run in store.runs(since).unwrap_or_default() {
                        if run.finished_at.is_some() && runs_ended.contains(&run.batch_id) {
                            let run = crate::queue::RunView::from(run);
                            let _ = events.send(ServiceEvent::RunFinished { run, demo });
                        }
                    }
                }
                if on_show {
                    let _ = events.send(ServiceEvent::TasksChanged(views));
                    if let Ok(queue) = crate::queue::read(&store, |t| TaskView::new(t, &media)) {
                        let _ = events.send(ServiceEvent::QueueChanged(Box::new(queue)));
                    }
                }
            }
            EngineEvent::Balance { credits } if on_show => {
                let _ = events.send(ServiceEvent::BalanceChanged(Balance { credits, demo }));
            }
            EngineEvent::KeyRefused { message } if !demo => {
                let _ = events.send(ServiceEvent::KeyRefused(message));
            }
            EngineEvent::StoreTrouble { message } if on_show => {
                let _ = events.send(ServiceEvent::StoreTrouble(message));
            }
            _ => {}
        }
    }
}
