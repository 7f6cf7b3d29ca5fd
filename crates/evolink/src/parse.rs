//! Parsing of raw response bodies, for callers that get EvoLink JSON by other routes (a
//! callback body, a saved response, a test fixture). The client uses the same rules.

use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::error::{Error, ErrorKind};
use crate::types::*;

fn value(body: &[u8]) -> Result<Value, Error> {
    serde_json::from_slice(body).map_err(|e| {
        Error::new(
            ErrorKind::ServerTrouble,
            crate::Words::new("problem.server_trouble.unreadable"),
        )
        .with_detail(format!("unreadable JSON: {e}"))
    })
}

fn typed<T: serde::de::DeserializeOwned>(v: Value, what: &str) -> Result<T, Error> {
    serde_json::from_value(v).map_err(|e| {
        Error::new(
            ErrorKind::ServerTrouble,
            crate::Words::new("problem.server_trouble.not_understood_short"),
        )
        .with_detail(format!("{what}: unexpected shape: {e}"))
    })
}

/// A task (create, get, callback body).
pub fn task(body: &[u8]) -> Result<Task, Error> {
    typed(value(body)?, "task")
}

/// `{"data": [task, ...]}` of batch and list.
pub fn task_page(body: &[u8]) -> Result<TaskPage, Error> {
    typed(value(body)?, "task page")
}

/// `GET /v1/credits` (a `success: false` body becomes an error).
pub fn credits(body: &[u8]) -> Result<Credits, Error> {
    typed::<Envelope<Credits>>(value(body)?, "credits")?.into_data("credits")
}

/// `GET /v1/models`.
pub fn models(body: &[u8]) -> Result<Vec<ModelInfo>, Error> {
    #[derive(serde::Deserialize)]
    struct L {
        #[serde(default)]
        data: Vec<ModelInfo>,
    }
    Ok(typed::<L>(value(body)?, "models")?.data)
}

/// An upload answer of the file API (`success: false` inside HTTP 200 becomes an error).
pub fn uploaded_file(body: &[u8]) -> Result<UploadedFile, Error> {
    typed::<Envelope<UploadedFile>>(value(body)?, "upload")?.into_data("upload")
}

pub fn file_quota(body: &[u8]) -> Result<FileQuota, Error> {
    typed::<Envelope<FileQuota>>(value(body)?, "file quota")?.into_data("file quota")
}

pub fn file_list(body: &[u8]) -> Result<FileList, Error> {
    typed::<Envelope<FileList>>(value(body)?, "file list")?.into_data("file list")
}

/// `{success, code, msg}` of a delete (or any envelope without data).
pub fn file_ack(body: &[u8]) -> Result<(), Error> {
    let env: Envelope<Value> = typed(value(body)?, "file api")?;
    if env.success == Some(false) {
        return env.into_data("file api").map(|_| ());
    }
    Ok(())
}

/// The error an HTTP error response stands for (any body: current JSON, legacy JSON with an
/// integer code, file-API envelope, HTML or text).
pub fn http_error(status: u16, headers: &HeaderMap, body: &[u8]) -> Error {
    crate::client::map_http_error_pub(status, headers, body)
}
