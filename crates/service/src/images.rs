//! Pictures coming from the page: a reference picture to prepare, a pasted picture. Each
//! arrives from the webview, so each is checked here before anything is read or written.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sora_preflight::{
    Action, CropRect, Framing, Options, OutputInfo, PixelRect, Preview, SourceInfo, Warning,
};

use crate::problem::off_thread;
use crate::problem::Words;
use crate::Problem;

/// Largest picture accepted from the clipboard (phones' biggest photos are ~30 MB).
pub const MAX_PASTE_BYTES: usize = 50_000_000;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrepareRequest {
    /// The picture's handle (see `pictures.rs`): the page never names a file.
    pub picture: String,
    /// The model the picture is for (a manifest id): its rules decide what is done.
    pub model: String,
    /// The shape asked for; `None` lets the picture decide, for models with exact frames.
    #[serde(default)]
    pub aspect: Option<String>,
    #[serde(default)]
    pub quality: Option<String>,
    #[serde(default)]
    pub framing: Framing,
    #[serde(default)]
    pub crop: Option<CropRect>,
}

/// What the compose panel shows after preflight: before, after, and what was done.
#[derive(Debug, Clone, Serialize)]
pub struct PreparedImage {
    pub summary: sora_preflight::Words,
    pub source: SourceInfo,
    pub output: OutputInfo,
    pub region: PixelRect,
    pub actions: Vec<Action>,
    pub warnings: Vec<Warning>,
    pub preview_url: String,
    pub source_preview_url: String,
    /// For models with exact frames: the shape the picture was prepared for.
    pub aspect: Option<String>,
}

/// Checks a crop window: fractions of the picture, inside it, not empty.
pub fn check_crop(crop: &CropRect) -> Result<(), Problem> {
    let inside = |v: f64| v.is_finite() && (0.0..=1.0).contains(&v);
    let ok = inside(crop.x)
        && inside(crop.y)
        && inside(crop.width)
        && inside(crop.height)
        && crop.width > 0.0
        && crop.height > 0.0
        && crop.x + crop.width <= 1.0 + 1e-6
        && crop.y + crop.height <= 1.0 + 1e-6;
    if ok {
        Ok(())
    } else {
        Err(Problem::invalid(Words::new(
            "problem.invalid_argument.crop",
        )))
    }
}

/// Runs preflight of the picture at `path` (the one `request.picture` names) on a background
/// thread (decoding is CPU work) and describes the result.
pub async fn prepare(path: PathBuf, request: PrepareRequest) -> Result<PreparedImage, Problem> {
    crate::pictures::check_still_there(&path)?;
    if let Some(crop) = &request.crop {
        check_crop(crop)?;
    }
    let model = crate::models::model(&request.model)?;
    if let Some(aspect) = &request.aspect {
        if !model.aspect.values.contains(aspect) {
            return Err(Problem::invalid(
                Words::new("problem.invalid_argument.aspect")
                    .with("model", model.name.as_str())
                    .with("aspect", aspect.as_str()),
            ));
        }
    }
    let options = Options {
        framing: request.framing,
        crop: request.crop,
        preview: true,
        ..Options::for_model(model, request.aspect.as_deref(), request.quality.as_deref())
    };
    let prepared = off_thread(Words::new("problem.internal.prepare_stopped"), move || {
        sora_preflight::preflight_path(&path, &options)
    })
    .await?;
    let data_url = |p: &Option<Preview>| {
        p.as_ref()
            .map(|p| {
                format!(
                    "data:image/jpeg;base64,{}",
                    base64::engine::general_purpose::STANDARD.encode(&p.jpeg)
                )
            })
            .unwrap_or_default()
    };
    let (width, height) = (prepared.output.width, prepared.output.height);
    let quality = request
        .quality
        .clone()
        .or_else(|| model.quality.as_ref().map(|q| q.default.clone()));
    let aspect = model
        .aspect
        .values
        .iter()
        .find(|a| model.exact_frame(a, quality.as_deref()) == Some((width, height)))
        .cloned();
    Ok(PreparedImage {
        aspect,
        summary: prepared.summary.clone(),
        preview_url: data_url(&prepared.preview),
        source_preview_url: data_url(&prepared.source_preview),
        source: prepared.source,
        output: prepared.output,
        region: prepared.region,
        actions: prepared.actions,
        warnings: prepared.warnings,
    })
}

/// Keeps a pasted picture in `dir` (named by its content, so pasting twice keeps one copy)
/// and returns its path, ready for [`prepare`].
pub fn save_pasted(dir: &Path, bytes: &[u8]) -> Result<PathBuf, Problem> {
    if bytes.is_empty() {
        return Err(Problem::new(
            "empty",
            Words::new("problem.empty.clipboard"),
            false,
        ));
    }
    if bytes.len() > MAX_PASTE_BYTES {
        return Err(Problem::new(
            "file_too_large",
            Words::new("problem.file_too_large.paste"),
            false,
        ));
    }
    let extension = match evolink::sniff_mime(bytes) {
        Some("image/jpeg") => "jpg",
        Some("image/png") => "png",
        Some("image/webp") => "webp",
        Some("image/gif") => "gif",
        _ if bytes.starts_with(b"BM") => "bmp",
        _ if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") => "tif",
        _ => {
            return Err(Problem::new(
                "not_an_image",
                Words::new("problem.not_an_image.paste"),
                false,
            ))
        }
    };
    let hash = Sha256::digest(bytes);
    let name = sora_engine::library::hex(&hash[..12]);
    let path = dir.join(format!("pasted-{name}.{extension}"));
    if !path.exists() {
        write_atomically(&path, bytes)?;
    }
    Ok(path)
}

/// Written beside the target and renamed into place: a crash never leaves half a file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Problem> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let failed = |e: std::io::Error| {
        Problem::new(
            "data_folder",
            Words::new("problem.data_folder.write")
                .with("path", dir.display().to_string())
                .with("detail", e.to_string()),
            true,
        )
    };
    std::fs::create_dir_all(dir).map_err(failed)?;
    let part = path.with_extension("part");
    std::fs::write(&part, bytes).map_err(failed)?;
    std::fs::rename(&part, path).map_err(failed)
}
