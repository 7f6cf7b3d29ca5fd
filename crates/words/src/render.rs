//! The catalogue's message syntax (see the crate's docs), rendered. `ui/js/i18n.js` renders the
//! same syntax for the page; `src/tests.rs` and `tests/ui-unit/i18n.test.mjs` check both
//! against the same cases (`tests/contract/render-cases.json`).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::Lang;

/// `message` with `params` filled in for `lang`. A parameter that is missing shows as `{name}`,
/// so a mistake is visible rather than silent.
pub fn render_message(message: &str, params: &BTreeMap<String, Value>, lang: Lang) -> String {
    let mut out = String::new();
    let mut rest = message;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        if let Some(after) = tail.strip_prefix('}') {
            out.push('}');
            rest = after;
            continue;
        }
        let Some(end) = closing(tail) else {
            out.push_str(tail);
            return out;
        };
        out.push_str(&placeholder(&tail[1..end], params, lang));
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The index of the `}` that closes the `{` at 0.
fn closing(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn placeholder(inner: &str, params: &BTreeMap<String, Value>, lang: Lang) -> String {
    let mut parts = inner.splitn(3, ',').map(str::trim);
    let name = parts.next().unwrap_or_default();
    let kind = parts.next();
    let Some(value) = params.get(name) else {
        return format!("{{{name}}}");
    };
    match kind {
        None => text_of(value),
        Some("bytes") => value.as_f64().map(bytes).unwrap_or_else(|| text_of(value)),
        Some("plural") => {
            let n = value.as_f64().unwrap_or(0.0);
            let branch = choose(parts.next().unwrap_or_default(), n, lang);
            render_message(&hash_to_number(&branch, n), params, lang)
        }
        Some(_) => text_of(value),
    }
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.as_f64().map(number).unwrap_or_else(|| n.to_string()),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The branch of `one {…} other {…} =0 {…}` for `n`: an exact `=n` first, then the language's
/// category, then `other`.
fn choose(options: &str, n: f64, lang: Lang) -> String {
    let mut branches: Vec<(&str, &str)> = Vec::new();
    let mut rest = options.trim_start();
    while let Some(open) = rest.find('{') {
        let selector = rest[..open].trim();
        let Some(end) = closing(&rest[open..]) else {
            break;
        };
        branches.push((selector, &rest[open + 1..open + end]));
        rest = rest[open + end + 1..].trim_start();
    }
    let exact = format!("={}", number_plain(n));
    let category = plural_category(n, lang);
    let find = |sel: &str| branches.iter().find(|(s, _)| *s == sel).map(|(_, b)| *b);
    find(&exact)
        .or_else(|| find(category))
        .or_else(|| find("other"))
        .unwrap_or_default()
        .to_string()
}

/// CLDR plural categories for the app's languages: English has `one` (exactly 1) and `other`;
/// Chinese only `other`.
fn plural_category(n: f64, lang: Lang) -> &'static str {
    match lang {
        Lang::En if n == 1.0 => "one",
        _ => "other",
    }
}

/// `#` outside nested braces is the number.
fn hash_to_number(branch: &str, n: f64) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in branch.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            '#' if depth == 0 => {
                out.push_str(&number(n));
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

fn number_plain(n: f64) -> String {
    if n.fract() == 0.0 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// A number as both languages write it: grouped by thousands with commas, at most two
/// decimals, no trailing zeros ("1,234.5").
pub fn number(n: f64) -> String {
    let rounded = (n * 100.0).round() / 100.0;
    let negative = rounded < 0.0;
    let abs = rounded.abs();
    let whole = abs.trunc() as u64;
    let cents = ((abs - abs.trunc()) * 100.0).round() as u64;
    let digits = whole.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let mut out = if negative && (whole > 0 || cents > 0) {
        format!("-{grouped}")
    } else {
        grouped
    };
    if cents > 0 {
        let fraction = format!("{cents:02}");
        out.push('.');
        out.push_str(fraction.trim_end_matches('0'));
    }
    out
}

/// A size, 1000-based like file managers: "512 B", "3.4 MB", "12 MB" (one decimal under 10).
pub fn bytes(n: f64) -> String {
    const UNITS: [&str; 4] = ["B", "KB", "MB", "GB"];
    let mut value = n.max(0.0);
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    let shown = if unit == 0 || value >= 10.0 {
        format!("{}", value.round())
    } else {
        let tenths = (value * 10.0).round() / 10.0;
        number_plain(tenths)
    };
    format!("{shown} {}", UNITS[unit])
}

/// The names of the parameters `message` uses, plural branches included (for the check that
/// every language asks for the same ones).
pub fn parameter_names(message: &str) -> std::collections::BTreeSet<String> {
    let mut names = std::collections::BTreeSet::new();
    let mut rest = message;
    while let Some(i) = rest.find('{') {
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("{{") {
            rest = after;
            continue;
        }
        let Some(end) = closing(tail) else { break };
        let inner = &tail[1..end];
        let mut parts = inner.splitn(3, ',').map(str::trim);
        names.insert(parts.next().unwrap_or_default().to_string());
        if parts.next() == Some("plural") {
            let mut options = parts.next().unwrap_or_default();
            while let Some(open) = options.find('{') {
                let Some(close) = closing(&options[open..]) else {
                    break;
                };
                names.extend(parameter_names(&options[open + 1..open + close]));
                options = &options[open + close + 1..];
            }
        }
        rest = &tail[end + 1..];
    }
    names
}
