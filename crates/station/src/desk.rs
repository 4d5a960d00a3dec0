//! Who is at the counter: staff sign-in against the hall's staff file, and the session it
//! opens. A clerk's session is what lets the counter verify (every log entry names a
//! signed-in clerk); a supervisor's reviews. The screen locks itself when left idle, and the
//! session ends here too, by the injected clock, so a screen that missed its timer cannot
//! keep verifying in an absent clerk's name.
//!
//! PINs are checked by `countersign-staff` (argon2, lock-out after wrong PINs, every attempt
//! recorded); this module only holds the outcome.

use crate::HallClock;
use chrono::{DateTime, Duration, Utc};
use countersign_staff::{Account, Role, SignInError, Staff};
use std::sync::{Mutex, MutexGuard};

/// How long past the idle limit a session survives: the screen locks at the limit; this
/// covers its timer and the last "still here" in flight.
const GRACE: Duration = Duration::seconds(30);

/// A signed-in member of staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The account.
    pub account: Account,
    /// The last input the screen reported.
    pub last_active: DateTime<Utc>,
}

impl Session {
    /// A clerk (who may verify), not a supervisor.
    pub fn is_clerk(&self) -> bool {
        self.account.role == Role::Clerk
    }

    /// `clerk` or `supervisor`.
    pub fn role_name(&self) -> &'static str {
        role_name(self.account.role)
    }
}

/// `clerk` or `supervisor`, as screens and the audit trail name a role.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Clerk => "clerk",
        Role::Supervisor => "supervisor",
    }
}

/// `clerk` or `supervisor` as a screen sends it.
pub fn parse_role(role: &str) -> Option<Role> {
    match role {
        "clerk" => Some(Role::Clerk),
        "supervisor" => Some(Role::Supervisor),
        _ => None,
    }
}

/// Why someone may not do what they asked.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// The staff file cannot be used (nobody can sign in until IT fixes it).
    #[error("the staff accounts cannot be used: {0}")]
    Storage(String),
    /// The sign-in was refused.
    #[error(transparent)]
    SignIn(#[from] SignInError),
    /// Nobody is signed in (or the session ended when the screen was left idle).
    #[error("no one is signed in at this counter")]
    SignedOut,
    /// A supervisor is signed in where a clerk must be.
    #[error("a supervisor is signed in; a clerk must sign in to verify")]
    NotClerk,
    /// A clerk is signed in where a supervisor must be.
    #[error("only a supervisor may review the log")]
    NotSupervisor,
}

impl DeskError {
    /// A stable code for the screen.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Storage(_) => "staff.storage",
            Self::SignIn(e) => e.code(),
            Self::SignedOut => "signed_out",
            Self::NotClerk => "not_clerk",
            Self::NotSupervisor => "review.not_supervisor",
        }
    }
}

/// The counter's staff file and its one session.
#[derive(Debug)]
pub struct Desk {
    staff: Mutex<Result<Staff, String>>,
    session: Mutex<Option<Session>>,
    idle: Duration,
    clock: HallClock,
}

impl Desk {
    /// A desk over `staff` (or why it cannot be used) whose sessions end after `idle`
    /// without input, by `clock`.
    pub fn new(staff: Result<Staff, String>, idle: std::time::Duration, clock: HallClock) -> Self {
        Self {
            staff: Mutex::new(staff),
            session: Mutex::new(None),
            idle: Duration::from_std(idle).unwrap_or(Duration::MAX),
            clock,
        }
    }

    fn session_slot(&self) -> MutexGuard<'_, Option<Session>> {
        // A session is plain data: one left by a panicking thread is still whole.
        self.session.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Signs `id` in as `role` with `pin`, ending whoever was signed in before.
    pub fn sign_in(&self, id: &str, pin: &str, role: Role) -> Result<Session, DeskError> {
        let now = self.clock.now();
        let account = {
            let mut staff = self.staff.lock().unwrap_or_else(|e| e.into_inner());
            let staff = staff.as_mut().map_err(|e| DeskError::Storage(e.clone()))?;
            staff.sign_in(id.trim(), pin, role, now)?
        };
        let session = Session {
            account,
            last_active: now,
        };
        tracing::info!(id = %session.account.id, role = session.role_name(), "signed in");
        *self.session_slot() = Some(session.clone());
        Ok(session)
    }

    /// Whether anyone can sign in: `Ok(true)` when the staff file holds accounts, `Ok(false)`
    /// when it holds none yet (IT adds them with `countersign staff add`), `Err` when it cannot
    /// be used.
    pub fn staff_state(&self) -> Result<bool, String> {
        let staff = self.staff.lock().unwrap_or_else(|e| e.into_inner());
        match staff.as_ref() {
            Ok(staff) => staff
                .list()
                .map(|accounts| !accounts.is_empty())
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.clone()),
        }
    }

    /// Ends the session, if there is one; `reason` goes to the diagnostic file.
    pub fn sign_out(&self, reason: &str) {
        if let Some(s) = self.session_slot().take() {
            tracing::info!(id = %s.account.id, reason, "signed out");
        }
    }

    /// The session, after ending it if the screen has been idle too long.
    pub fn current(&self) -> Option<Session> {
        self.current_at(self.clock.now())
    }

    /// [`Desk::current`] at `now` (a clock that stepped, in tests).
    pub fn current_at(&self, now: DateTime<Utc>) -> Option<Session> {
        let mut slot = self.session_slot();
        if slot
            .as_ref()
            .is_some_and(|s| now - s.last_active > self.idle + GRACE)
        {
            tracing::info!("session ended: idle");
            *slot = None;
        }
        slot.clone()
    }

    /// The screen saw input: `true` while the session is still open.
    pub fn still_here(&self) -> bool {
        self.still_here_at(self.clock.now())
    }

    /// [`Desk::still_here`] at `now`.
    pub fn still_here_at(&self, now: DateTime<Utc>) -> bool {
        self.current_at(now);
        match self.session_slot().as_mut() {
            Some(s) => {
                s.last_active = now;
                true
            }
            None => false,
        }
    }

    /// Whoever is signed in.
    pub fn signed_in(&self) -> Result<Session, DeskError> {
        self.current().ok_or(DeskError::SignedOut)
    }

    /// A signed-in clerk.
    pub fn clerk(&self) -> Result<Session, DeskError> {
        match self.current() {
            Some(s) if s.is_clerk() => Ok(s),
            Some(_) => Err(DeskError::NotClerk),
            None => Err(DeskError::SignedOut),
        }
    }

    /// A signed-in supervisor.
    pub fn supervisor(&self) -> Result<Session, DeskError> {
        match self.current() {
            Some(s) if !s.is_clerk() => Ok(s),
            Some(_) => Err(DeskError::NotSupervisor),
            None => Err(DeskError::SignedOut),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 1, 0, 0)
            .single()
            .expect("time")
    }

    fn desk(dir: &tempfile::TempDir) -> Desk {
        let mut staff = Staff::open(dir.path().join("staff.sqlite")).expect("staff");
        staff
            .add("clerk-007", "王芳", Role::Clerk, "493817", t0())
            .expect("clerk");
        staff
            .add("sup-01", "李强", Role::Supervisor, "720594", t0())
            .expect("supervisor");
        Desk::new(
            Ok(staff),
            std::time::Duration::from_secs(300),
            HallClock::starting_at(t0()),
        )
    }

    #[test]
    fn a_clerk_signs_in_verifies_and_is_signed_out_when_the_screen_is_left_idle() {
        let dir = tempfile::tempdir().expect("dir");
        let desk = desk(&dir);
        assert!(matches!(desk.clerk(), Err(DeskError::SignedOut)));
        let wrong = desk
            .sign_in("clerk-007", "000000", Role::Clerk)
            .expect_err("wrong PIN");
        assert_eq!(wrong.code(), "staff.wrong_pin");
        let session = desk
            .sign_in(" clerk-007 ", "493817", Role::Clerk)
            .expect("sign in");
        assert_eq!(session.account.id, "clerk-007");
        assert_eq!(desk.clerk().expect("clerk").account.id, "clerk-007");
        assert!(matches!(desk.supervisor(), Err(DeskError::NotSupervisor)));

        // Input four minutes later keeps it open; then five and a half minutes of nothing
        // (the idle limit and its grace) end it, whatever the screen's timer did.
        let later = t0() + Duration::minutes(4);
        assert!(desk.still_here_at(later));
        assert!(desk.current_at(later + Duration::seconds(329)).is_some());
        assert!(desk.current_at(later + Duration::seconds(331)).is_none());
        assert!(matches!(desk.clerk(), Err(DeskError::SignedOut)));
        assert!(!desk.still_here_at(later + Duration::seconds(332)));
    }

    #[test]
    fn a_supervisor_reviews_but_does_not_verify_and_signing_out_ends_it() {
        let dir = tempfile::tempdir().expect("dir");
        let desk = desk(&dir);
        let refused = desk
            .sign_in("sup-01", "720594", Role::Clerk)
            .expect_err("not a clerk account");
        assert_eq!(refused.code(), "staff.wrong_role");
        desk.sign_in("sup-01", "720594", Role::Supervisor)
            .expect("sign in");
        assert!(matches!(desk.clerk(), Err(DeskError::NotClerk)));
        assert_eq!(
            desk.supervisor().expect("supervisor").role_name(),
            "supervisor"
        );
        desk.sign_out("test");
        assert!(matches!(desk.signed_in(), Err(DeskError::SignedOut)));
    }

    #[test]
    fn an_unusable_staff_file_says_so_and_signs_nobody_in() {
        let desk = Desk::new(
            Err("staff.sqlite: file is not a database".into()),
            std::time::Duration::from_secs(300),
            HallClock::starting_at(t0()),
        );
        let e = desk
            .sign_in("clerk-007", "493817", Role::Clerk)
            .expect_err("no staff file");
        assert_eq!(e.code(), "staff.storage");
        assert!(desk.current().is_none());
    }
}
