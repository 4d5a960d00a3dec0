//! The message catalogue Rust-side text is written from: receipts, error messages and printed
//! reports use the same keys as the clerk's screen (`assets/i18n/messages.json`, key →
//! `{"zh-CN": …, "en": …}`), so a reason reads the same on the screen and on paper.
//!
//! It only looks words up; it decides nothing about what to say.

use serde_json::Value;
use std::collections::HashMap;
use std::sync::OnceLock;

static CATALOGUE: &str = include_str!("../../../assets/i18n/messages.json");

/// A language the catalogue has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// Simplified Chinese (the default).
    #[default]
    ZhCn,
    /// English.
    En,
}

impl Lang {
    /// The BCP 47 tag, as the catalogue and the screen name it.
    pub fn tag(self) -> &'static str {
        match self {
            Self::ZhCn => "zh-CN",
            Self::En => "en",
        }
    }

    /// Reads a tag (`zh-CN`, `zh`, `en`, `en-GB` …).
    pub fn parse(tag: &str) -> Option<Self> {
        let tag = tag.trim().to_ascii_lowercase();
        if tag == "zh" || tag.starts_with("zh-") {
            Some(Self::ZhCn)
        } else if tag == "en" || tag.starts_with("en-") {
            Some(Self::En)
        } else {
            None
        }
    }
}

type Table = HashMap<String, (String, String)>;

/// The parsed catalogue. Parsed once: it is compiled in, so this is a pure function of the
/// build (the second piece of process-wide state, beside `DidKey::parse_cached`).
fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut out = Table::new();
        if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(CATALOGUE) {
            for (key, v) in map {
                let get = |l: &str| v.get(l).and_then(Value::as_str).unwrap_or("").to_string();
                out.insert(key, (get("zh-CN"), get("en")));
            }
        }
        out
    })
}

/// Whether the catalogue has `key`.
pub fn has(key: &str) -> bool {
    table().contains_key(key)
}

/// The message for `key` in `lang`; the key itself when the catalogue lacks it (so a missing
/// message shows up as a key, never as nothing).
pub fn t(key: &str, lang: Lang) -> &str {
    match table().get(key) {
        Some((zh, en)) => match lang {
            Lang::ZhCn => zh,
            Lang::En => en,
        },
        None => key,
    }
}

/// The message with `{name}` placeholders filled from `vars`.
pub fn t_with(key: &str, lang: Lang, vars: &[(&str, &str)]) -> String {
    let mut text = t(key, lang).to_string();
    for (name, value) in vars {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

/// Both languages, Chinese first: `有效 VALID`. Receipts are bilingual.
pub fn both(key: &str) -> String {
    let (zh, en) = (t(key, Lang::ZhCn), t(key, Lang::En));
    if zh == en {
        zh.to_string()
    } else {
        format!("{zh} {en}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_parses_and_every_key_has_both_languages() {
        assert!(table().len() > 100, "{} keys", table().len());
        for (key, (zh, en)) in table() {
            assert!(!zh.is_empty() && !en.is_empty(), "{key} lacks a language");
        }
    }

    #[test]
    fn looks_up_fills_and_falls_back_to_the_key() {
        assert_eq!(t("verdict.VALID", Lang::ZhCn), "有效");
        assert_eq!(t("verdict.VALID", Lang::En), "VALID");
        assert_eq!(both("verdict.VALID"), "有效 VALID");
        assert_eq!(t("no.such.key", Lang::En), "no.such.key");
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::parse("zh-CN"), Some(Lang::ZhCn));
        assert_eq!(Lang::parse("EN"), Some(Lang::En));
    }
}
