//! Words for people, as data: a message is a catalogue key and its parameters ([`Words`]).
//! Rust sends `Words` to the page, which renders them in the person's language from
//! `ui/i18n/<language>/`; Rust renders the same catalogue itself only where it draws the words
//! (notifications, the system's dialogs, the tray, the CLI).
//!
//! The catalogue format (ARCHITECTURE.md says why this one): a JSON object per language and
//! side (`page.json`: words only the page uses; `backend.json`: words for the keys Rust sends),
//! keys to messages, in a small ICU-like syntax both renderers implement:
//! - `{name}`: a parameter; a number is written for the language (grouping, at most 2 decimals).
//! - `{name, bytes}`: a size in bytes, as "12 MB".
//! - `{name, plural, one {…} other {…}}`: chosen by the number (CLDR rules; Chinese has only
//!   `other`), `#` inside is the number.
//! - `{{` and `}}` are literal braces.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

mod render;

pub use render::{parameter_names, render_message};

/// A message for a person: what the page (or a native surface) renders in the person's language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Words {
    pub key: String,
    #[serde(default)]
    pub params: BTreeMap<String, serde_json::Value>,
}

impl Words {
    pub fn new(key: impl Into<String>) -> Words {
        Words {
            key: key.into(),
            params: BTreeMap::new(),
        }
    }

    /// Adds a parameter (text, a number, a boolean).
    pub fn with(mut self, name: &str, value: impl Into<serde_json::Value>) -> Words {
        self.params.insert(name.to_string(), value.into());
        self
    }

    /// The words in `lang`; a key missing from the catalogue shows as itself (the completeness
    /// tests keep that from shipping).
    pub fn render(&self, lang: Lang) -> String {
        match catalogue(lang).get(&self.key) {
            Some(message) => render_message(message, &self.params, lang),
            None => self.key.clone(),
        }
    }

    /// The words in English: for logs, the CLI and tests.
    pub fn english(&self) -> String {
        self.render(Lang::En)
    }
}

/// English, for logs and the CLI.
impl fmt::Display for Words {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.english())
    }
}

/// The languages the app speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lang {
    #[serde(rename = "en")]
    En,
    #[serde(rename = "zh-CN")]
    ZhCn,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::ZhCn];

    /// The BCP 47 tag, as the page's `Intl` and the catalogue's folder name use it.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    /// The language for a locale tag (`zh_CN.UTF-8`, `zh-Hans-CN`, `en-GB`...): any Chinese
    /// is Simplified Chinese (the one Chinese the app has), anything else English.
    pub fn for_locale(tag: &str) -> Lang {
        if tag.to_ascii_lowercase().starts_with("zh") {
            Lang::ZhCn
        } else {
            Lang::En
        }
    }

    /// The system's language: `SORA_DESK_LANG` first (tests, support), then the system's.
    pub fn system() -> Lang {
        if let Ok(tag) = std::env::var("SORA_DESK_LANG") {
            if !tag.is_empty() {
                return Lang::for_locale(&tag);
            }
        }
        sys_locale::get_locale()
            .map(|tag| Lang::for_locale(&tag))
            .unwrap_or(Lang::En)
    }

    pub fn from_tag(tag: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.tag() == tag)
    }
}

/// The backend's words in `lang`, parsed once.
pub fn catalogue(lang: Lang) -> &'static BTreeMap<String, String> {
    static EN: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    static ZH: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    let (cell, text) = match lang {
        Lang::En => (&EN, include_str!("../../../ui/i18n/en/backend.json")),
        Lang::ZhCn => (&ZH, include_str!("../../../ui/i18n/zh-CN/backend.json")),
    };
    cell.get_or_init(|| {
        serde_json::from_str(text).expect("the committed catalogue is valid JSON (tested)")
    })
}

#[cfg(test)]
mod tests;
