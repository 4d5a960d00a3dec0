//! The hall's privacy policy: which subject fields the log keeps, how each is masked, and how
//! long the masked summary is kept.
//!
//! Minimised by default: the log keeps only the fields a supervisor needs to recognise a case
//! (a name, the personal number), masked, and nothing else of the credential. The policy comes
//! from provisioning; this build's default applies until one does.

use serde_json::Value;
use std::collections::BTreeMap;

/// How one field is kept in the log's summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mask {
    /// Keep `head` leading and `tail` trailing characters, star the rest (`张*`,
    /// `110105********1000`).
    Keep {
        /// Characters kept at the start.
        head: usize,
        /// Characters kept at the end.
        tail: usize,
    },
    /// Keep the value as it is (a company name is public).
    Clear,
}

impl Mask {
    /// Applies the mask. Every character starred is one character of the original, so the
    /// length shows (as on a printed ID card copy), and nothing is ever kept when the value
    /// is too short to hide anything.
    pub fn apply(self, value: &str) -> String {
        match self {
            Self::Clear => value.to_string(),
            Self::Keep { head, tail } => {
                let chars: Vec<char> = value.chars().collect();
                let n = chars.len();
                // A mask that would reveal the whole value reveals only its first character.
                let (head, tail) = if head + tail >= n {
                    (usize::from(n > 1), 0)
                } else {
                    (head, tail)
                };
                chars
                    .iter()
                    .enumerate()
                    .map(|(i, c)| if i < head || i >= n - tail { *c } else { '*' })
                    .collect()
            }
        }
    }
}

/// The policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivacyPolicy {
    /// Fields kept (by credential subject member name) and how; every other field is dropped.
    pub fields: BTreeMap<String, Mask>,
    /// Days the masked summary is kept before it is purged (the entry itself stays).
    pub retention_days: u32,
}

impl Default for PrivacyPolicy {
    fn default() -> Self {
        let name = Mask::Keep { head: 1, tail: 0 };
        let number = Mask::Keep { head: 6, tail: 4 };
        Self {
            fields: BTreeMap::from([
                ("name".into(), name),
                ("legalRepresentative".into(), name),
                ("idNumber".into(), number),
                ("permitNumber".into(), Mask::Keep { head: 2, tail: 4 }),
                ("unifiedSocialCreditCode".into(), number),
                ("companyName".into(), Mask::Clear),
            ]),
            retention_days: countersign_defaults::RETENTION_DAYS,
        }
    }
}

/// A policy document that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("privacy policy: {0}")]
pub struct PolicyError(pub String);

impl PrivacyPolicy {
    /// Reads the policy's JSON form:
    /// `{"retentionDays": 90, "fields": {"name": {"keep": [1, 0]}, "companyName": "clear"}}`.
    /// Fields absent from `fields` are not kept.
    pub fn from_json(value: &Value) -> Result<Self, PolicyError> {
        let bad = |what: String| PolicyError(what);
        let object = value
            .as_object()
            .ok_or_else(|| bad("must be a JSON object".into()))?;
        for key in object.keys() {
            if key != "retentionDays" && key != "fields" {
                return Err(bad(format!("unknown member {key:?}")));
            }
        }
        let retention_days = match object.get("retentionDays") {
            None => countersign_defaults::RETENTION_DAYS,
            Some(v) => v
                .as_u64()
                .and_then(|d| u32::try_from(d).ok())
                .filter(|d| (1..=36_500).contains(d))
                .ok_or_else(|| {
                    bad("retentionDays must be a whole number of days, 1 to 36500".into())
                })?,
        };
        let mut fields = BTreeMap::new();
        let listed = object
            .get("fields")
            .ok_or_else(|| bad("\"fields\" is missing (list the fields to keep, or {})".into()))?
            .as_object()
            .ok_or_else(|| bad("\"fields\" must be an object".into()))?;
        for (field, rule) in listed {
            let mask = match rule {
                Value::String(s) if s == "clear" => Mask::Clear,
                Value::Object(o) if o.len() == 1 && o.contains_key("keep") => {
                    let keep = o["keep"].as_array().filter(|a| a.len() == 2);
                    let part = |i: usize| {
                        keep.and_then(|a| a[i].as_u64())
                            .and_then(|n| usize::try_from(n).ok())
                            .filter(|n| *n <= 32)
                    };
                    match (part(0), part(1)) {
                        (Some(head), Some(tail)) => Mask::Keep { head, tail },
                        _ => {
                            return Err(bad(format!(
                                "field {field:?}: \"keep\" must be [head, tail], each 0 to 32"
                            )))
                        }
                    }
                }
                _ => {
                    return Err(bad(format!(
                        "field {field:?}: use \"clear\" or {{\"keep\": [head, tail]}}"
                    )))
                }
            };
            fields.insert(field.clone(), mask);
        }
        Ok(Self {
            fields,
            retention_days,
        })
    }

    /// The masked summary of the fields the policy keeps.
    pub fn summary<'a>(
        &self,
        fields: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> BTreeMap<String, String> {
        fields
            .into_iter()
            .filter_map(|(key, value)| {
                self.fields
                    .get(key)
                    .map(|mask| (key.to_string(), mask.apply(value)))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_default_keeps_a_masked_name_and_number_and_nothing_else() {
        let p = PrivacyPolicy::default();
        let summary = p.summary([
            ("name", "张三丰"),
            ("idNumber", "110105194912311000"),
            ("address", "北京市朝阳区建国路1号"),
            ("gender", "男"),
        ]);
        assert_eq!(
            summary,
            BTreeMap::from([
                ("idNumber".to_string(), "110105********1000".to_string()),
                ("name".to_string(), "张**".to_string()),
            ])
        );
        assert_eq!(p.retention_days, 90);
    }

    #[test]
    fn a_mask_never_reveals_a_short_value_whole() {
        let keep = Mask::Keep { head: 6, tail: 4 };
        assert_eq!(keep.apply("12345"), "1****");
        assert_eq!(keep.apply("1"), "*");
        assert_eq!(keep.apply(""), "");
        assert_eq!(Mask::Keep { head: 1, tail: 0 }.apply("张三"), "张*");
    }

    #[test]
    fn a_policy_document_is_read_strictly() {
        let p = PrivacyPolicy::from_json(&json!({
            "retentionDays": 30,
            "fields": {"name": {"keep": [0, 1]}, "school": "clear"}
        }))
        .expect("policy");
        assert_eq!(p.retention_days, 30);
        assert_eq!(
            p.summary([
                ("name", "欧阳娜娜"),
                ("school", "京华大学"),
                ("idNumber", "1")
            ]),
            BTreeMap::from([
                ("name".to_string(), "***娜".to_string()),
                ("school".to_string(), "京华大学".to_string()),
            ])
        );
        for bad in [
            json!([]),
            json!({"fields": {"name": "hide"}}),
            json!({"fields": {"name": {"keep": [1]}}}),
            json!({"fields": {}, "retentionDays": 0}),
            json!({"fields": {}, "extra": 1}),
            json!({"retentionDays": 5}),
        ] {
            assert!(PrivacyPolicy::from_json(&bad).is_err(), "{bad}");
        }
    }
}
