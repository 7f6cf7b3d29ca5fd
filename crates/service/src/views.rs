//! What the UI sees of a task: everything it shows, nothing it has no use for (upload links,
//! result links, hashes), plus the loopback URLs to play the video and show its poster.

use serde::{Deserialize, Serialize};
use sora_engine::{ImageFit, Role, Task, TaskState};
use sora_preflight::{CropRect, Framing};

use crate::media::{MediaKind, MediaServer};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorView {
    pub code: String,
    pub message: sora_engine::Words,
    pub retryable: bool,
}

/// The reference picture of a task, as the person chose and framed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageChoice {
    /// The picture's handle (see `pictures.rs`); a task's own picture has one derived from it.
    pub picture: String,
    #[serde(default)]
    pub framing: Framing,
    #[serde(default)]
    pub crop: Option<CropRect>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskView {
    pub id: String,
    pub prompt: String,
    /// EvoLink's model id as sent.
    pub model: String,
    /// The model's manifest id and name (None for a model this version no longer knows).
    pub model_id: Option<String>,
    pub model_name: Option<String>,
    /// The shape asked for, as sent (`16:9`, `adaptive`...); `None` when the pictures decide it.
    pub aspect: Option<String>,
    /// `landscape` or `portrait`, for laying out cards (a shape the model picks is shown as
    /// landscape until the video says otherwise).
    pub orientation: &'static str,
    /// Seconds (-1: the model chooses).
    pub duration: i64,
    pub quality: Option<String>,
    pub audio: Option<bool>,
    pub seed: Option<u64>,
    pub negative_prompt: Option<String>,
    pub state: TaskState,
    pub progress: u8,
    pub error: Option<ErrorView>,
    pub credits_reserved: Option<f64>,
    pub credits_used: Option<f64>,
    pub estimated_seconds: Option<i64>,
    pub created_at: i64,
    pub submitted_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub image: Option<ImageChoice>,
    /// The last frame, for models that take one.
    pub last_image: Option<ImageChoice>,
    pub favourite: bool,
    pub retry_of: Option<String>,
    pub video_path: Option<String>,
    pub video_size: Option<u64>,
    pub video_url: Option<String>,
    pub poster_url: Option<String>,
    /// EvoLink's task id, once known (for support).
    pub remote_id: Option<String>,
    /// EvoLink's request id of the last failed call (for support).
    pub request_id: Option<String>,
    /// When the made video's link dies (unix seconds), from the moment EvoLink made it.
    pub results_expire_at: Option<i64>,
    /// For an `outcome_unknown` task: what the last lookup at EvoLink found
    /// (`nothing_found`, `ambiguous`, `unavailable`).
    pub lookup: Option<String>,
    /// For a `waiting` task: its place in the queue, 1 = next to go (see [`in_context`]).
    pub queue_position: Option<u32>,
    pub batch_id: Option<String>,
    pub takes_group: Option<String>,
    pub take: Option<u32>,
    /// The task whose paid call makes this video too.
    pub lead_id: Option<String>,
    pub estimate_credits: Option<f64>,
    /// `keep` or `discard`: a paid task the person stopped following.
    pub stopped: Option<&'static str>,
}

/// What a task's row alone cannot say: the place of each waiting task in the queue (one read
/// of the queue), and for a video made by another task's call (`lead_id`) that is still
/// waiting for it, the state and progress of that call: it is being made with it.
pub fn in_context(store: &sora_engine::Store, views: &mut [TaskView]) {
    let waiting = |v: &TaskView| v.state == TaskState::Waiting;
    if views.iter().any(|v| waiting(v) && v.lead_id.is_none()) {
        if let Ok(queue) = store.waiting() {
            for view in views.iter_mut() {
                view.queue_position = queue
                    .iter()
                    .position(|t| t.id == view.id)
                    .map(|i| i as u32 + 1);
            }
        }
    }
    for view in views.iter_mut().filter(|v| waiting(v)) {
        let Some(lead) = view.lead_id.as_deref() else {
            continue;
        };
        if let Ok(Some(lead)) = store.find(lead) {
            if lead.state.is_active() && lead.state != TaskState::Downloading {
                view.state = lead.state;
                view.progress = lead.progress;
            }
        }
    }
}

impl TaskView {
    pub fn new(task: Task, media: &MediaServer) -> TaskView {
        let model = task.model_entry();
        let aspect = task.aspect_sent().map(str::to_string);
        let image = picture(&task, Role::First);
        let last_image = picture(&task, Role::Last);
        let error = match (task.error_code, task.error_message) {
            (Some(code), Some(message)) => Some(ErrorView {
                code,
                message,
                retryable: task.error_retryable.unwrap_or(false),
            }),
            _ => None,
        };
        let done = task.state == TaskState::Done && task.video_path.is_some();
        let video_url = done.then(|| media.url(MediaKind::Video, &task.id));
        // The still's size in its URL: a still made again (of another size) is a new URL,
        // past any cache; the page never checks a file.
        let poster_url = task.poster.filter(|_| done).map(|size| {
            format!(
                "{}?v={}x{}",
                media.url(MediaKind::Poster, &task.id),
                size.width,
                size.height
            )
        });
        TaskView {
            id: task.id,
            prompt: task.prompt,
            model: task.model,
            model_id: model.map(|m| m.id.clone()),
            model_name: model.map(|m| m.name.clone()),
            orientation: orientation_of(&task.aspect),
            aspect,
            duration: task.duration,
            quality: task.quality,
            audio: task.audio,
            seed: task.seed,
            negative_prompt: task.negative_prompt,
            state: task.state,
            progress: task.progress,
            error,
            credits_reserved: task.credits_reserved,
            credits_used: task.credits_used,
            estimated_seconds: task.estimated_seconds,
            created_at: task.created_at,
            submitted_at: task.submitted_at,
            finished_at: task.finished_at,
            image,
            last_image,
            favourite: task.favourite,
            retry_of: task.retry_of,
            video_path: task.video_path,
            video_size: task.video_size,
            video_url,
            poster_url,
            remote_id: task.remote_id,
            request_id: task.request_id,
            results_expire_at: task.results_expire_at,
            lookup: (task.state == TaskState::OutcomeUnknown)
                .then_some(task.lookup)
                .flatten(),
            queue_position: None,
            batch_id: task.batch_id,
            takes_group: task.takes_group,
            take: task.take,
            lead_id: task.lead_id,
            estimate_credits: task.estimate_credits,
            stopped: task.stopped.map(|s| s.as_str()),
        }
    }
}

/// The picture of `task` in `role`, as the person chose and framed it.
fn picture(task: &Task, role: Role) -> Option<ImageChoice> {
    let picture = task.picture(role);
    let fit = ImageFit::from_stored(picture.options);
    picture.source.map(|_| ImageChoice {
        picture: crate::pictures::task_handle(&task.id, role),
        framing: fit.framing,
        crop: fit.crop,
    })
}

/// `portrait` for a shape taller than wide (`9:16`, `3:4`), else `landscape`.
pub fn orientation_of(aspect: &str) -> &'static str {
    let sides: Vec<f64> = aspect.split(':').filter_map(|n| n.parse().ok()).collect();
    match sides.as_slice() {
        [w, h] if h > w => "portrait",
        _ => "landscape",
    }
}
