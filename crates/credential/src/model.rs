//! The parts of a W3C VC 2.0 credential that verification and display need, read from the
//! JSON with the structural checks of the data model (the `format` check).

use crate::kinds::{self, KindInfo};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

/// The base context every VC 2.0 credential starts with.
pub const VC_V2_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";

/// A structurally valid credential.
#[derive(Debug, Clone)]
pub struct Credential {
    /// The whole document as received.
    pub document: Value,
    /// `id`, if present.
    pub id: Option<String>,
    /// `type` values.
    pub types: Vec<String>,
    /// The known type, or `None` for a type shown generically.
    pub kind: Option<&'static KindInfo>,
    /// `issuer` (or `issuer.id`).
    pub issuer_id: String,
    /// `issuer.name`, if present and a string.
    pub issuer_name: Option<String>,
    /// `validFrom`.
    pub valid_from: Option<DateTime<Utc>>,
    /// `validUntil`.
    pub valid_until: Option<DateTime<Utc>>,
}

/// A document that is not a credential we can process, with what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// Not a JSON object.
    #[error("the credential is not a JSON object")]
    NotAnObject,
    /// `@context` missing or not starting with the VC 2.0 context.
    #[error("@context must start with {VC_V2_CONTEXT}")]
    WrongContext,
    /// `type` missing or without `VerifiableCredential`.
    #[error("type must list VerifiableCredential")]
    NotAVerifiableCredential,
    /// `issuer` missing, or neither a URL string nor an object with an `id`.
    #[error("issuer is missing or has no id")]
    BadIssuer,
    /// `credentialSubject` missing or not an object/array of objects.
    #[error("credentialSubject is missing")]
    NoSubject,
    /// A date that is not an RFC 3339 date-time with a time zone.
    #[error("{field} {found:?} is not a date-time with a time zone")]
    BadDate {
        /// The member name.
        field: &'static str,
        /// The value found.
        found: String,
    },
    /// `validUntil` before `validFrom`.
    #[error("validUntil is before validFrom")]
    DatesReversed,
    /// `id` present but not a string.
    #[error("id must be a string URL")]
    BadId,
    /// The credential does not satisfy its type's schema.
    #[error("{type_name} does not match its schema: {}", .violations.join("; "))]
    Schema {
        /// The credential type.
        type_name: &'static str,
        /// Each violation, `"/pointer: message"`.
        violations: Vec<String>,
    },
}

fn date(
    map: &Map<String, Value>,
    field: &'static str,
) -> Result<Option<DateTime<Utc>>, FormatError> {
    match map.get(field) {
        None => Ok(None),
        Some(v) => v
            .as_str()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|d| Some(d.with_timezone(&Utc)))
            .ok_or_else(|| FormatError::BadDate {
                field,
                found: v.to_string().chars().take(40).collect(),
            }),
    }
}

impl Credential {
    /// Reads and checks a credential document; a known type is also checked against its schema.
    pub fn from_document(document: Value) -> Result<Self, FormatError> {
        let map = document.as_object().ok_or(FormatError::NotAnObject)?;
        let context_ok = match map.get("@context") {
            Some(Value::Array(items)) => {
                items.first().and_then(Value::as_str) == Some(VC_V2_CONTEXT)
            }
            Some(Value::String(s)) => s == VC_V2_CONTEXT,
            _ => false,
        };
        if !context_ok {
            return Err(FormatError::WrongContext);
        }
        let types: Vec<String> = match map.get("type") {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            Some(Value::String(s)) => vec![s.clone()],
            _ => Vec::new(),
        };
        if !types.iter().any(|t| t == "VerifiableCredential") {
            return Err(FormatError::NotAVerifiableCredential);
        }
        let (issuer_id, issuer_name) = match map.get("issuer") {
            Some(Value::String(id)) => (id.clone(), None),
            Some(Value::Object(o)) => (
                o.get("id")
                    .and_then(Value::as_str)
                    .ok_or(FormatError::BadIssuer)?
                    .to_owned(),
                o.get("name").and_then(Value::as_str).map(str::to_owned),
            ),
            _ => return Err(FormatError::BadIssuer),
        };
        if issuer_id.is_empty() {
            return Err(FormatError::BadIssuer);
        }
        match map.get("credentialSubject") {
            Some(Value::Object(_)) => {}
            Some(Value::Array(items))
                if !items.is_empty() && items.iter().all(Value::is_object) => {}
            _ => return Err(FormatError::NoSubject),
        }
        let id = match map.get("id") {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(FormatError::BadId),
        };
        let valid_from = date(map, "validFrom")?;
        let valid_until = date(map, "validUntil")?;
        if let (Some(from), Some(until)) = (valid_from, valid_until) {
            if until < from {
                return Err(FormatError::DatesReversed);
            }
        }
        let kind = types.iter().find_map(|t| kinds::kind(t));
        if let Some(kind) = kind {
            // The schemas leave `proof` unconstrained: they cover the credential, not its proofs.
            kinds::validate(kind, &document).map_err(|violations| FormatError::Schema {
                type_name: kind.type_name,
                violations,
            })?;
        }
        Ok(Self {
            id,
            types,
            kind,
            issuer_id,
            issuer_name,
            valid_from,
            valid_until,
            document,
        })
    }

    /// The credential subject (the first one, if a list).
    pub fn subject(&self) -> Option<&Map<String, Value>> {
        match self.document.get("credentialSubject")? {
            Value::Object(o) => Some(o),
            Value::Array(items) => items.first()?.as_object(),
            _ => None,
        }
    }

    /// The type shown to people: the known type's name or the last `type` value.
    pub fn type_name(&self) -> &str {
        match self.kind {
            Some(k) => k.type_name,
            None => self
                .types
                .last()
                .map(String::as_str)
                .unwrap_or("VerifiableCredential"),
        }
    }
}
