use std::collections::BTreeMap;

use serde::Deserialize;

use super::*;

#[derive(Deserialize)]
struct Case {
    lang: String,
    message: String,
    params: BTreeMap<String, serde_json::Value>,
    expected: String,
}

/// The same cases `tests/ui-unit/i18n.test.mjs` gives the page's renderer: both sides write a
/// message the same way.
#[test]
fn renders_the_shared_cases() {
    let cases: Vec<Case> =
        serde_json::from_str(include_str!("../../../tests/contract/render-cases.json")).unwrap();
    assert!(cases.len() > 10);
    for case in cases {
        let lang = Lang::from_tag(&case.lang).unwrap();
        assert_eq!(
            render_message(&case.message, &case.params, lang),
            case.expected,
            "{}",
            case.message
        );
    }
}

#[test]
fn every_language_has_the_same_keys_and_placeholders() {
    let english = catalogue(Lang::En);
    assert!(!english.is_empty());
    for lang in Lang::ALL {
        let other = catalogue(lang);
        let missing: Vec<_> = english.keys().filter(|k| !other.contains_key(*k)).collect();
        let extra: Vec<_> = other.keys().filter(|k| !english.contains_key(*k)).collect();
        assert!(missing.is_empty(), "{} lacks {missing:?}", lang.tag());
        assert!(extra.is_empty(), "{} has unknown {extra:?}", lang.tag());
        for (key, message) in other {
            assert!(!message.trim().is_empty(), "{} {key} is empty", lang.tag());
            assert_eq!(
                render::parameter_names(message),
                render::parameter_names(&english[key]),
                "{} {key}: the parameters differ from English",
                lang.tag()
            );
        }
    }
}

#[test]
fn chinese_locales_get_chinese_and_others_english() {
    for tag in ["zh_CN.UTF-8", "zh-Hans-CN", "zh-TW", "zh"] {
        assert_eq!(Lang::for_locale(tag), Lang::ZhCn, "{tag}");
    }
    for tag in ["en-US", "en_GB.UTF-8", "fr-FR", "C", ""] {
        assert_eq!(Lang::for_locale(tag), Lang::En, "{tag}");
    }
}

#[test]
fn words_travel_as_a_key_and_parameters() {
    let words = Words::new("demo.example").with("count", 3);
    assert_eq!(
        serde_json::to_value(&words).unwrap(),
        serde_json::json!({"key": "demo.example", "params": {"count": 3}})
    );
    assert_eq!(Words::new("no.such.key").english(), "no.such.key");
}

#[test]
fn finds_the_parameters_of_a_message() {
    let names: Vec<_> =
        parameter_names("{a} and {b, bytes}, {n, plural, one {# by {who}} other {#}} {{c}}")
            .into_iter()
            .collect();
    assert_eq!(names, ["a", "b", "n", "who"]);
}
