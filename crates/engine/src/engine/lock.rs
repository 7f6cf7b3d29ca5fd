//! One engine per data folder, across processes: an OS file lock on `engine.lock`.

use std::path::Path;
use std::time::Duration;

use super::EngineError;

/// Takes the data folder's engine lock, waiting up to `wait` for another engine to let go.
pub(super) fn lock_engine(data_dir: &Path, wait: Duration) -> Result<std::fs::File, EngineError> {
    std::fs::create_dir_all(data_dir).map_err(|e| EngineError::DataFolder(e.to_string()))?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(data_dir.join("engine.lock"))
        .map_err(|e| EngineError::DataFolder(e.to_string()))?;
    let deadline = std::time::Instant::now() + wait;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(std::fs::TryLockError::WouldBlock) => return Err(EngineError::Busy),
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(EngineError::DataFolder(e.to_string()))
            }
        }
    }
}
