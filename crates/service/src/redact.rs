//! A last line of defence for logs: anything shaped like an API key is cut down to its hint
//! before a line is written. The app never logs a key on purpose; this catches the accident.

use std::borrow::Cow;

/// Replaces every `sk-…` token of 8 or more characters by `sk-…` and its last four.
pub fn redact_keys(text: &str) -> Cow<'_, str> {
    if !text.contains("sk-") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("sk-") {
        let (before, from_key) = rest.split_at(at);
        out.push_str(before);
        let len = from_key
            .char_indices()
            .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .map_or(from_key.len(), |(i, _)| i);
        let token = &from_key[..len];
        // Inside a word ("task-abc") it is not a key.
        let starts_word = !before
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if token.len() >= 8 && starts_word {
            out.push_str("sk-…");
            out.push_str(&token[token.len() - 4..]);
        } else {
            out.push_str(token);
        }
        rest = &from_key[len..];
        if len == 0 {
            break;
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_cut_to_their_hint_and_other_text_is_kept() {
        assert_eq!(
            redact_keys("Bearer sk-LEAKCANARY-1234567890abcd failed"),
            "Bearer sk-…abcd failed"
        );
        assert_eq!(
            redact_keys("a=sk-abcdefgh,b=sk-ijklmnop9f3a."),
            "a=sk-…efgh,b=sk-…9f3a."
        );
        assert_eq!(redact_keys("no key here"), "no key here");
        assert_eq!(redact_keys("task-sk-short sk-1"), "task-sk-short sk-1");
        assert_eq!(redact_keys("ends with sk-"), "ends with sk-");
        assert!(matches!(redact_keys("plain"), Cow::Borrowed(_)));
    }
}
