//! Who is signed in at this counter. A clerk's session is what lets the counter verify (every
//! log entry names a signed-in clerk); a supervisor's session is separate and reviews. The
//! screen locks itself when idle, and the session ends here too, so a screen that missed its
//! timer cannot keep verifying in an absent clerk's name.

use countersign_staff::{Account, Role};
use serde::Serialize;
use std::time::{Duration, Instant};

/// A signed-in member of staff.
#[derive(Debug, Clone)]
pub struct Session {
    /// The account.
    pub account: Account,
    /// Last input the screen reported.
    pub last_active: Instant,
}

/// What the screen knows of the session.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    id: String,
    name: String,
    role: &'static str,
}

impl Session {
    /// A session starting now.
    pub fn new(account: Account) -> Self {
        Self {
            account,
            last_active: Instant::now(),
        }
    }

    /// Whether input has been missing for longer than `idle`. The screen locks at `idle`;
    /// the grace covers its timer and the last ping in flight.
    pub fn expired(&self, idle: Duration) -> bool {
        self.last_active.elapsed() > idle + Duration::from_secs(30)
    }

    /// A clerk (who may verify), not a supervisor.
    pub fn is_clerk(&self) -> bool {
        self.account.role == Role::Clerk
    }

    /// The screen's view.
    pub fn view(&self) -> SessionView {
        SessionView {
            id: self.account.id.clone(),
            name: self.account.name.clone(),
            role: match self.account.role {
                Role::Clerk => "clerk",
                Role::Supervisor => "supervisor",
            },
        }
    }
}

/// `clerk` or `supervisor` as the screen sends it.
pub fn parse_role(role: &str) -> Option<Role> {
    match role {
        "clerk" => Some(Role::Clerk),
        "supervisor" => Some(Role::Supervisor),
        _ => None,
    }
}
