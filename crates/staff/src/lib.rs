//! The hall's staff accounts: who may sign in at a counter PC, as a clerk or a supervisor, and
//! every attempt to do so.
//!
//! One SQLite file (WAL, `synchronous=FULL`, versioned by `PRAGMA user_version`) holds the
//! accounts, each with an argon2id hash of its PIN (never the PIN), the count of consecutive
//! wrong PINs per id, and an audit table of sign-in attempts that supervisors read. A wrong PIN
//! and an id without an account give the same answer in about the same time, and both lock
//! after [`MAX_FAILURES`] tries, so the sign-in screen does not tell which ids exist.
//!
//! It knows nothing about credentials, the verification log, the chain or Tauri; the caller
//! passes the time in and decides what a signed-in account may do.

mod pin;
mod schema;

pub use pin::{check_pin, MAX_DIGITS, MIN_DIGITS};
pub use schema::SCHEMA_VERSION;

use chrono::{DateTime, TimeDelta, Utc};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// How long a write waits for another connection's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Consecutive wrong PINs that lock an id.
pub const MAX_FAILURES: u32 = 5;

/// How long a locked id stays locked.
pub const LOCKOUT: TimeDelta = TimeDelta::minutes(5);

/// Longest id.
pub const MAX_ID_LEN: usize = 32;

/// Longest display name, in characters.
pub const MAX_NAME_LEN: usize = 64;

/// How much of a typed id the audit keeps: enough to read a typo, not a pasted essay.
const AUDIT_ID_LEN: usize = 64;

/// The staff file cannot be used, or refused a change.
#[derive(Debug, thiserror::Error)]
pub enum StaffError {
    /// The id is not 1–32 characters of `A-Z a-z 0-9 . _ -`.
    #[error("an id is 1 to {MAX_ID_LEN} characters of letters, digits, '.', '_' and '-'")]
    BadId,
    /// The name is empty, too long or holds control characters.
    #[error("a name is 1 to {MAX_NAME_LEN} characters without control characters")]
    BadName,
    /// The PIN is not 6–12 ASCII digits.
    #[error("a PIN is {MIN_DIGITS} to {MAX_DIGITS} digits 0-9")]
    PinFormat,
    /// The PIN is one digit repeated or a straight run (123456, 987654).
    #[error(
        "the PIN is too easy to guess: not one digit repeated, not a run such as 123456 or 987654"
    )]
    PinTooSimple,
    /// An account with this id (in any case) exists.
    #[error("an account with id {0} exists")]
    Exists(String),
    /// No account has this id.
    #[error("no account has id {0}")]
    Unknown(String),
    /// The file could not be opened or created.
    #[error("cannot open the staff file {}: {source}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        source: rusqlite::Error,
    },
    /// The file was written by a newer build.
    #[error("the staff file has schema version {found}; this build reads up to {supported}")]
    TooNew {
        /// The file's version.
        found: i64,
        /// The newest this build knows.
        supported: i64,
    },
    /// SQLite failed: disk full, read-only file, locked too long, not a database.
    #[error("staff database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored value cannot be read back.
    #[error("the staff file holds an unreadable value: {0}")]
    Corrupt(String),
    /// Hashing failed or the system has no randomness for a salt.
    #[error("cannot hash the PIN: {0}")]
    Crypto(String),
}

impl StaffError {
    /// A stable code for the UI and scripts to act on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadId => "staff.bad_id",
            Self::BadName => "staff.bad_name",
            Self::PinFormat => "staff.pin_format",
            Self::PinTooSimple => "staff.pin_too_simple",
            Self::Exists(_) => "staff.exists",
            Self::Unknown(_) => "staff.unknown",
            Self::TooNew { .. } => "staff.too_new",
            Self::Open { .. } | Self::Sqlite(_) | Self::Corrupt(_) | Self::Crypto(_) => {
                "staff.storage"
            }
        }
    }

    /// Whether the caller's input was refused (as opposed to the file or system failing).
    pub fn is_refused_input(&self) -> bool {
        matches!(
            self,
            Self::BadId
                | Self::BadName
                | Self::PinFormat
                | Self::PinTooSimple
                | Self::Exists(_)
                | Self::Unknown(_)
        )
    }
}

/// Why a sign-in was refused.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Wrong PIN, or no account with that id: deliberately the same answer.
    #[error("wrong id or PIN")]
    Wrong,
    /// Too many wrong PINs in a row; try again at `until`.
    #[error("too many wrong PINs: locked until {until}")]
    Locked {
        /// When attempts are accepted again.
        until: DateTime<Utc>,
    },
    /// The PIN was right but the account is disabled.
    #[error("this account is disabled")]
    Disabled,
    /// The PIN was right but the account does not have the role asked for.
    #[error("this account cannot sign in in that role")]
    WrongRole,
    /// The attempt could not be checked or recorded; nobody was signed in.
    #[error(transparent)]
    Storage(#[from] StaffError),
}

impl SignInError {
    /// A stable code for the UI to act on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Wrong => "staff.wrong_pin",
            Self::Locked { .. } => "staff.locked",
            Self::Disabled => "staff.disabled",
            Self::WrongRole => "staff.wrong_role",
            Self::Storage(e) => e.code(),
        }
    }
}

impl From<rusqlite::Error> for SignInError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Storage(StaffError::Sqlite(e))
    }
}

/// What a signed-in account may do at the counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Verifies credentials at a counter.
    Clerk,
    /// Also reads reports, audits sign-ins, manages accounts.
    Supervisor,
}

impl Role {
    /// The stored name: `clerk` or `supervisor`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Clerk => "clerk",
            Self::Supervisor => "supervisor",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is neither `clerk` nor `supervisor`.
#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not a role: clerk or supervisor")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "clerk" => Ok(Self::Clerk),
            "supervisor" => Ok(Self::Supervisor),
            _ => Err(UnknownRole(text.to_string())),
        }
    }
}

/// A staff account, without its PIN hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The id typed at sign-in, as it was first spelled.
    pub id: String,
    /// The display name (on screen and in reports).
    pub name: String,
    /// What the account may sign in as.
    pub role: Role,
    /// Whether it may sign in at all.
    pub active: bool,
    /// When it was added.
    pub created_at: DateTime<Utc>,
}

/// How a sign-in attempt ended, as the audit records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInOutcome {
    /// Signed in.
    SignedIn,
    /// The id has an account; the PIN was wrong.
    WrongPin,
    /// No account has the id (the person signing in was told "wrong PIN").
    UnknownId,
    /// Refused without checking: the id was locked.
    Locked,
    /// Right PIN, disabled account.
    Disabled,
    /// Right PIN, other role.
    WrongRole,
}

impl SignInOutcome {
    /// The stored code: `ok`, or the code of the error the attempt met (`staff.unknown` for an
    /// id without an account, which the person signing in saw as `staff.wrong_pin`).
    pub fn code(self) -> &'static str {
        match self {
            Self::SignedIn => "ok",
            Self::WrongPin => "staff.wrong_pin",
            Self::UnknownId => "staff.unknown",
            Self::Locked => "staff.locked",
            Self::Disabled => "staff.disabled",
            Self::WrongRole => "staff.wrong_role",
        }
    }

    fn parse(code: &str) -> Option<Self> {
        [
            Self::SignedIn,
            Self::WrongPin,
            Self::UnknownId,
            Self::Locked,
            Self::Disabled,
            Self::WrongRole,
        ]
        .into_iter()
        .find(|o| o.code() == code)
    }
}

/// One recorded sign-in attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInRecord {
    /// When it was made.
    pub at: DateTime<Utc>,
    /// The id as typed (at most 64 characters kept), whether or not an account has it.
    pub id: String,
    /// The role asked for.
    pub role: Role,
    /// How it ended.
    pub outcome: SignInOutcome,
}

/// Checks an account id: 1–32 characters of `A-Z a-z 0-9 . _ -`.
pub fn check_id(id: &str) -> Result<(), StaffError> {
    let ok = (1..=MAX_ID_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(StaffError::BadId)
    }
}

/// Checks a display name (1–64 characters once trimmed, no control characters) and returns it
/// trimmed.
pub fn check_name(name: &str) -> Result<&str, StaffError> {
    let name = name.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > MAX_NAME_LEN || name.chars().any(char::is_control) {
        return Err(StaffError::BadName);
    }
    Ok(name)
}

/// The hall's staff file.
#[derive(Debug)]
pub struct Staff {
    conn: Connection,
    /// How new PINs are hashed (argon2id, or PBKDF2-HMAC-SM3 under the national profile);
    /// stored PINs verify by the algorithm their hash names.
    pins: countersign_crypto::Profile,
}

impl Staff {
    /// Opens the staff file at `path`, creating and migrating it as needed; refuses a file
    /// written by a newer build.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StaffError> {
        let path = path.as_ref();
        let mut conn = Connection::open(path).map_err(|source| StaffError::Open {
            path: path.to_owned(),
            source,
        })?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // Refuse a newer file before anything (even the journal mode) touches it.
        schema::version(&conn)?;
        conn.pragma_update_and_check(None, "journal_mode", "wal", |r| r.get::<_, String>(0))?;
        // FULL: a new PIN, a disabled account or a sign-in's audit row survives a power cut.
        conn.pragma_update(None, "synchronous", "FULL")?;
        schema::migrate(&mut conn)?;
        Ok(Self {
            conn,
            pins: countersign_crypto::Profile::Standard,
        })
    }

    /// Hashes the PINs it sets from now on as `profile` stores secrets (the hall's profile);
    /// PINs set before keep verifying.
    pub fn with_profile(mut self, profile: countersign_crypto::Profile) -> Self {
        self.pins = profile;
        self
    }

    /// Opens an existing staff file for reading only (listing accounts, auditing sign-ins);
    /// it never writes, so every change and every sign-in through it fails.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Self, StaffError> {
        let path = path.as_ref();
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|source| StaffError::Open {
            path: path.to_owned(),
            source,
        })?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        if schema::version(&conn)? == 0 {
            return Err(StaffError::Corrupt(format!(
                "{} is not a staff file (no schema)",
                path.display()
            )));
        }
        Ok(Self {
            conn,
            pins: countersign_crypto::Profile::Standard,
        })
    }

    /// Adds an account with its first PIN.
    pub fn add(
        &mut self,
        id: &str,
        name: &str,
        role: Role,
        pin: &str,
        now: DateTime<Utc>,
    ) -> Result<Account, StaffError> {
        self.add_by(None, id, name, role, pin, now)
    }

    fn add_by(
        &mut self,
        by: Option<&Administrator>,
        id: &str,
        name: &str,
        role: Role,
        pin: &str,
        now: DateTime<Utc>,
    ) -> Result<Account, StaffError> {
        check_id(id)?;
        let name = check_name(name)?;
        check_pin(pin)?;
        // Checked before hashing only to answer quickly; the insert is what enforces it.
        if self.get(id)?.is_some() {
            return Err(StaffError::Exists(id.to_string()));
        }
        let hash = pin::hash(pin, self.pins)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let inserted = tx.execute(
            "INSERT INTO accounts (id, name, role, active, pin_hash, created_ms, pin_changed_ms)
             VALUES (?1, ?2, ?3, 1, ?4, ?5, ?5) ON CONFLICT (id) DO NOTHING",
            params![id, name, role.as_str(), hash, now.timestamp_millis()],
        )?;
        if inserted == 0 {
            return Err(StaffError::Exists(id.to_string()));
        }
        // Wrong tries at this id before it existed are not the new holder's.
        tx.execute("DELETE FROM failures WHERE id = ?1", [id])?;
        record_admin(
            &tx,
            by,
            "staff.add",
            &format!("{id} ({})", role.as_str()),
            now,
        )?;
        tx.commit()?;
        Ok(Account {
            id: id.to_string(),
            name: name.to_string(),
            role,
            active: true,
            created_at: from_ms(now.timestamp_millis())?,
        })
    }

    /// Replaces an account's PIN (a supervisor's reset, or the holder's own change); also
    /// lifts a lockout.
    pub fn set_pin(&mut self, id: &str, pin: &str, now: DateTime<Utc>) -> Result<(), StaffError> {
        self.set_pin_by(None, id, pin, now)
    }

    fn set_pin_by(
        &mut self,
        by: Option<&Administrator>,
        id: &str,
        pin: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StaffError> {
        check_id(id)?;
        check_pin(pin)?;
        if self.get(id)?.is_none() {
            return Err(StaffError::Unknown(id.to_string()));
        }
        let hash = pin::hash(pin, self.pins)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed = tx.execute(
            "UPDATE accounts SET pin_hash = ?2, pin_changed_ms = ?3 WHERE id = ?1",
            params![id, hash, now.timestamp_millis()],
        )?;
        if changed == 0 {
            return Err(StaffError::Unknown(id.to_string()));
        }
        tx.execute("DELETE FROM failures WHERE id = ?1", [id])?;
        record_admin(&tx, by, "staff.reset-pin", id, now)?;
        tx.commit()?;
        Ok(())
    }

    /// Enables or disables an account. A disabled account keeps its PIN and its history.
    pub fn set_active(&mut self, id: &str, active: bool) -> Result<(), StaffError> {
        self.set_active_by(None, id, active, Utc::now())
    }

    fn set_active_by(
        &mut self,
        by: Option<&Administrator>,
        id: &str,
        active: bool,
        now: DateTime<Utc>,
    ) -> Result<(), StaffError> {
        check_id(id)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed = tx.execute(
            "UPDATE accounts SET active = ?2 WHERE id = ?1",
            params![id, active],
        )?;
        if changed == 0 {
            return Err(StaffError::Unknown(id.to_string()));
        }
        let action = if active {
            "staff.enable"
        } else {
            "staff.disable"
        };
        record_admin(&tx, by, action, id, now)?;
        tx.commit()?;
        Ok(())
    }

    /// Makes `change` on `by`'s authority, recording who, from which OS account, what and to
    /// whom in the same transaction: an administrative change is never unrecorded. `by` is
    /// a supervisor the caller signed in (with [`Staff::sign_in`], which records that too),
    /// or root.
    pub fn administer(
        &mut self,
        by: &Administrator,
        change: &Change<'_>,
        now: DateTime<Utc>,
    ) -> Result<Option<Account>, StaffError> {
        match *change {
            Change::Add {
                id,
                name,
                role,
                pin,
            } => self.add_by(Some(by), id, name, role, pin, now).map(Some),
            Change::SetPin { id, pin } => self.set_pin_by(Some(by), id, pin, now).map(|()| None),
            Change::SetActive { id, active } => {
                self.set_active_by(Some(by), id, active, now).map(|()| None)
            }
        }
    }

    /// The latest administrative changes, newest first.
    pub fn recent_admin(&self, limit: usize) -> Result<Vec<AdminRecord>, StaffError> {
        let mut st = self.conn.prepare_cached(
            "SELECT at_ms, actor, os_user, action, target FROM admin ORDER BY seq DESC LIMIT ?1",
        )?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = st.query_map([limit], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (at, actor, os_user, action, target) = row?;
            out.push(AdminRecord {
                at: from_ms(at)?,
                actor,
                os_user,
                action,
                target,
            });
        }
        Ok(out)
    }

    /// The account with this id (in any case), if there is one.
    pub fn get(&self, id: &str) -> Result<Option<Account>, StaffError> {
        Ok(self.load(id)?.map(|(account, _)| account))
    }

    /// Every account, by id.
    pub fn list(&self) -> Result<Vec<Account>, StaffError> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY id"
        ))?;
        let rows = st.query_map([], Row::read)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row?.into_account()?.0);
        }
        Ok(out)
    }

    /// Signs `id` in as `role` if `pin` is its PIN, and records the attempt whatever the
    /// outcome. The PIN is checked before anything about the account is told: a disabled
    /// account or the other role is reported only to someone who knew the PIN.
    pub fn sign_in(
        &mut self,
        id: &str,
        pin: &str,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<Account, SignInError> {
        // An id no account can have is treated as an unknown one, but leaves no failure row.
        let well_formed = check_id(id).is_ok();
        if well_formed {
            if let Some(until) = self.locked_until(id)?.filter(|until| *until > now) {
                insert_record(&self.conn, now, id, role, SignInOutcome::Locked)?;
                return Err(SignInError::Locked { until });
            }
        }
        let found = if well_formed { self.load(id)? } else { None };
        let outcome = match &found {
            None => {
                pin::verify_dummy(pin, self.pins);
                SignInOutcome::UnknownId
            }
            Some((_, hash)) if !pin::verify(pin, hash)? => SignInOutcome::WrongPin,
            Some((account, _)) if !account.active => SignInOutcome::Disabled,
            Some((account, _)) if account.role != role => SignInOutcome::WrongRole,
            Some(_) => SignInOutcome::SignedIn,
        };

        // The failure count and the audit row change together, or neither does.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut locked = None;
        match outcome {
            SignInOutcome::WrongPin | SignInOutcome::UnknownId if well_formed => {
                let count: u32 = tx
                    .query_row("SELECT count FROM failures WHERE id = ?1", [id], |r| {
                        r.get(0)
                    })
                    .optional()?
                    .unwrap_or(0)
                    + 1;
                // A lock starts a fresh count: after it ends, MAX_FAILURES more tries.
                let (count, until) = if count >= MAX_FAILURES {
                    // Stored in milliseconds: answer now with what later attempts will read.
                    let until = from_ms((now + LOCKOUT).timestamp_millis())?;
                    locked = Some(until);
                    (0, Some(until.timestamp_millis()))
                } else {
                    (count, None)
                };
                tx.execute(
                    "INSERT INTO failures (id, count, locked_until_ms) VALUES (?1, ?2, ?3)
                     ON CONFLICT (id) DO UPDATE SET count = ?2, locked_until_ms = ?3",
                    params![id, count, until],
                )?;
            }
            SignInOutcome::SignedIn => {
                tx.execute("DELETE FROM failures WHERE id = ?1", [id])?;
            }
            _ => {}
        }
        insert_record(&tx, now, id, role, outcome)?;
        tx.commit()?;

        match (outcome, found) {
            (SignInOutcome::SignedIn, Some((account, _))) => Ok(account),
            (SignInOutcome::WrongPin | SignInOutcome::UnknownId, _) => Err(match locked {
                Some(until) => SignInError::Locked { until },
                None => SignInError::Wrong,
            }),
            (SignInOutcome::Disabled, _) => Err(SignInError::Disabled),
            (SignInOutcome::WrongRole, _) => Err(SignInError::WrongRole),
            // SignedIn always has its account; Locked returned above.
            _ => Err(SignInError::Wrong),
        }
    }

    /// The latest sign-in attempts, newest first.
    pub fn recent_sign_ins(&self, limit: usize) -> Result<Vec<SignInRecord>, StaffError> {
        let mut st = self.conn.prepare_cached(
            "SELECT at_ms, id, role, outcome FROM sign_ins ORDER BY seq DESC LIMIT ?1",
        )?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = st.query_map([limit], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (at, id, role, outcome) = row?;
            out.push(SignInRecord {
                at: from_ms(at)?,
                id,
                role: role
                    .parse()
                    .map_err(|_| StaffError::Corrupt(format!("sign-in role {role:?}")))?,
                outcome: SignInOutcome::parse(&outcome)
                    .ok_or_else(|| StaffError::Corrupt(format!("sign-in outcome {outcome:?}")))?,
            });
        }
        Ok(out)
    }

    /// The account and its PIN hash.
    fn load(&self, id: &str) -> Result<Option<(Account, String)>, StaffError> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = ?1"
        ))?;
        st.query_row([id], Row::read)
            .optional()?
            .map(Row::into_account)
            .transpose()
    }

    /// When the id's lock ends, if it was ever locked.
    fn locked_until(&self, id: &str) -> Result<Option<DateTime<Utc>>, StaffError> {
        let until: Option<Option<i64>> = self
            .conn
            .query_row(
                "SELECT locked_until_ms FROM failures WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?;
        until.flatten().map(from_ms).transpose()
    }
}

/// Records an administrative change made on `by`'s authority (nothing for the library's own
/// unattributed calls: tests, first set-up).
fn record_admin(
    conn: &Connection,
    by: Option<&Administrator>,
    action: &str,
    target: &str,
    now: DateTime<Utc>,
) -> Result<(), StaffError> {
    let Some(by) = by else {
        return Ok(());
    };
    conn.execute(
        "INSERT INTO admin (at_ms, actor, os_user, action, target) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![now.timestamp_millis(), by.actor, by.os_user, action, target],
    )?;
    Ok(())
}

/// Who authorises an administrative change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Administrator {
    /// The supervisor's id (signed in with their PIN), or `root` (IT, on the PC itself).
    pub actor: String,
    /// The OS account the change was made from.
    pub os_user: String,
}

/// An administrative change to the accounts.
#[derive(Debug, Clone, Copy)]
pub enum Change<'a> {
    /// A new account with its first PIN.
    Add {
        /// Its id.
        id: &'a str,
        /// Its name.
        name: &'a str,
        /// Its role.
        role: Role,
        /// Its first PIN.
        pin: &'a str,
    },
    /// A new PIN for an account (lifts a lockout).
    SetPin {
        /// The account.
        id: &'a str,
        /// The new PIN.
        pin: &'a str,
    },
    /// An account enabled or disabled.
    SetActive {
        /// The account.
        id: &'a str,
        /// Enabled or not.
        active: bool,
    },
}

/// A recorded administrative change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminRecord {
    /// When.
    pub at: DateTime<Utc>,
    /// Who authorised it.
    pub actor: String,
    /// From which OS account.
    pub os_user: String,
    /// What (`staff.add`, `staff.reset-pin`, `staff.disable`, `staff.enable`).
    pub action: String,
    /// To whom.
    pub target: String,
}

fn insert_record(
    conn: &Connection,
    now: DateTime<Utc>,
    id: &str,
    role: Role,
    outcome: SignInOutcome,
) -> Result<(), StaffError> {
    let typed: String = id.chars().take(AUDIT_ID_LEN).collect();
    conn.execute(
        "INSERT INTO sign_ins (at_ms, id, role, outcome) VALUES (?1, ?2, ?3, ?4)",
        params![now.timestamp_millis(), typed, role.as_str(), outcome.code()],
    )?;
    Ok(())
}

/// An `accounts` row as stored (`SELECT ACCOUNT_COLUMNS`).
struct Row {
    id: String,
    name: String,
    role: String,
    active: bool,
    created_ms: i64,
    pin_hash: String,
}

const ACCOUNT_COLUMNS: &str = "id, name, role, active, created_ms, pin_hash";

impl Row {
    fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: r.get(0)?,
            name: r.get(1)?,
            role: r.get(2)?,
            active: r.get(3)?,
            created_ms: r.get(4)?,
            pin_hash: r.get(5)?,
        })
    }

    /// The account and its PIN hash.
    fn into_account(self) -> Result<(Account, String), StaffError> {
        let role = self
            .role
            .parse()
            .map_err(|_| StaffError::Corrupt(format!("account role {:?}", self.role)))?;
        let account = Account {
            id: self.id,
            name: self.name,
            role,
            active: self.active,
            created_at: from_ms(self.created_ms)?,
        };
        Ok((account, self.pin_hash))
    }
}

fn from_ms(ms: i64) -> Result<DateTime<Utc>, StaffError> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| StaffError::Corrupt(format!("time {ms}")))
}
