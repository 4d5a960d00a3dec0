//! What the screen knows of who is signed in. The session itself (sign-in, the idle end) is
//! `countersign_station::desk`.

use countersign_station::desk::Session;
use serde::Serialize;

/// What the screen knows of the session.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    id: String,
    name: String,
    role: &'static str,
}

impl From<&Session> for SessionView {
    fn from(s: &Session) -> Self {
        Self {
            id: s.account.id.clone(),
            name: s.account.name.clone(),
            role: s.role_name(),
        }
    }
}
