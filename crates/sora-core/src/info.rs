//! What the app tells people about itself: version and where it keeps things.

use serde::Serialize;

use crate::paths::{AppPaths, Endpoints};

#[derive(Debug, Clone, Serialize)]
pub struct AppInfo {
    pub name: &'static str,
    pub version: &'static str,
    pub data_dir: String,
    pub library_dir: String,
    /// True when the task API is not EvoLink's own (a proxy, or the local fake server).
    pub custom_api: bool,
}

impl AppInfo {
    pub fn new(version: &'static str, paths: &AppPaths, endpoints: &Endpoints) -> Self {
        Self {
            name: crate::APP_NAME,
            version,
            data_dir: paths.data_dir.display().to_string(),
            library_dir: paths.library_dir.display().to_string(),
            custom_api: endpoints.api_base != crate::paths::DEFAULT_API_BASE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn reports_folders_and_whether_the_api_is_evolinks_own() {
        let paths = AppPaths {
            data_dir: PathBuf::from("/d"),
            library_dir: PathBuf::from("/l"),
        };
        let evolink = Endpoints::resolve(&|_| None);
        let info = AppInfo::new("1.2.3", &paths, &evolink);
        assert_eq!(
            (info.data_dir.as_str(), info.library_dir.as_str()),
            ("/d", "/l")
        );
        assert!(!info.custom_api);

        let proxy = Endpoints::resolve(&|_| Some("http://127.0.0.1:1".into()));
        assert!(AppInfo::new("1.2.3", &paths, &proxy).custom_api);
    }
}
