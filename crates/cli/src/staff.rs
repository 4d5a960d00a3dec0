//! `countersign staff …`: the hall's staff accounts for supervisors and IT: add an account,
//! list them, disable or enable one, reset a PIN, read the sign-in audit. A PIN is read from
//! `COUNTERSIGN_PIN` or the first line of stdin, never from an argument, which would stay in
//! the shell's history and the process list.

use crate::CliError;
use chrono::{FixedOffset, Utc};
use countersign_staff::{Account, Role, SignInOutcome, SignInRecord, Staff};
use serde_json::{json, Value};
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Where a PIN may come from besides stdin.
const PIN_ENV: &str = "COUNTERSIGN_PIN";

/// The staff file.
#[derive(clap::Args, Clone)]
pub struct StaffFile {
    /// The hall's staff file (SQLite)
    #[arg(long = "db", env = "COUNTERSIGN_STAFF_DB")]
    pub path: PathBuf,
    /// How new PINs are stored: `standard` (argon2id, the default) or `guomi` (PBKDF2 with
    /// HMAC-SM3); stored PINs sign in whichever they were made with
    #[arg(long, default_value = "standard", value_parser = crate::parse_profile)]
    pub profile: countersign_crypto::Profile,
}

/// A role as given on the command line.
#[derive(clap::ValueEnum, Clone, Copy)]
pub enum RoleArg {
    /// Verifies credentials at a counter
    Clerk,
    /// Also reads reports, audits sign-ins, manages accounts
    Supervisor,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Clerk => Role::Clerk,
            RoleArg::Supervisor => Role::Supervisor,
        }
    }
}

/// `countersign staff …`.
#[derive(clap::Subcommand)]
pub enum StaffCommand {
    /// Add an account; its PIN (6-12 digits) is read from COUNTERSIGN_PIN or the first line
    /// of stdin
    Add {
        #[command(flatten)]
        file: StaffFile,
        /// The supervisor authorising the change: their PIN is read first (from
        /// COUNTERSIGN_SUPERVISOR_PIN or the first line of stdin). Not needed as root (IT)
        #[arg(long)]
        supervisor: Option<String>,
        /// The id typed at sign-in: 1-32 letters, digits, '.', '_', '-'
        #[arg(long)]
        id: String,
        /// The name shown on screen and in reports
        #[arg(long)]
        name: String,
        /// clerk or supervisor
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Refused: a PIN given here would stay in the shell's history
        #[arg(long, hide = true)]
        pin: Option<String>,
    },
    /// List the accounts
    List {
        #[command(flatten)]
        file: StaffFile,
        /// The hall's UTC offset, for the times shown
        #[arg(long, default_value = "+08:00", value_parser = crate::parse_offset, allow_hyphen_values = true)]
        utc_offset: FixedOffset,
        /// Print the accounts as JSON
        #[arg(long)]
        json: bool,
    },
    /// Disable an account: it can no longer sign in (its history stays)
    Disable {
        #[command(flatten)]
        file: StaffFile,
        /// The supervisor authorising the change: their PIN is read first (from
        /// COUNTERSIGN_SUPERVISOR_PIN or the first line of stdin). Not needed as root (IT)
        #[arg(long)]
        supervisor: Option<String>,
        /// The account's id
        #[arg(long)]
        id: String,
    },
    /// Enable a disabled account again
    Enable {
        #[command(flatten)]
        file: StaffFile,
        /// The supervisor authorising the change: their PIN is read first (from
        /// COUNTERSIGN_SUPERVISOR_PIN or the first line of stdin). Not needed as root (IT)
        #[arg(long)]
        supervisor: Option<String>,
        /// The account's id
        #[arg(long)]
        id: String,
    },
    /// Give an account a new PIN (read from COUNTERSIGN_PIN or the first line of stdin); also
    /// lifts a lockout
    ResetPin {
        #[command(flatten)]
        file: StaffFile,
        /// The supervisor authorising the change: their PIN is read first (from
        /// COUNTERSIGN_SUPERVISOR_PIN or the first line of stdin). Not needed as root (IT)
        #[arg(long)]
        supervisor: Option<String>,
        /// The account's id
        #[arg(long)]
        id: String,
        /// Refused: a PIN given here would stay in the shell's history
        #[arg(long, hide = true)]
        pin: Option<String>,
    },
    /// The latest sign-in attempts, newest first, with their outcome
    SignIns {
        #[command(flatten)]
        file: StaffFile,
        /// How many attempts to show
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// The hall's UTC offset, for the times shown
        #[arg(long, default_value = "+08:00", value_parser = crate::parse_offset, allow_hyphen_values = true)]
        utc_offset: FixedOffset,
        /// Print the attempts as JSON
        #[arg(long)]
        json: bool,
    },
}

/// `countersign staff …`; returns the exit code.
pub fn run(command: &StaffCommand) -> Result<u8, CliError> {
    match command {
        StaffCommand::Add {
            file,
            supervisor,
            id,
            name,
            role,
            pin,
        } => {
            refuse_pin_argument(pin.as_deref())?;
            add(file, supervisor.as_deref(), id, name, (*role).into())
        }
        StaffCommand::List {
            file,
            utc_offset,
            json,
        } => list(file, *utc_offset, *json),
        StaffCommand::Disable {
            file,
            supervisor,
            id,
        } => set_active(file, supervisor.as_deref(), id, false),
        StaffCommand::Enable {
            file,
            supervisor,
            id,
        } => set_active(file, supervisor.as_deref(), id, true),
        StaffCommand::ResetPin {
            file,
            supervisor,
            id,
            pin,
        } => {
            refuse_pin_argument(pin.as_deref())?;
            reset_pin(file, supervisor.as_deref(), id)
        }
        StaffCommand::SignIns {
            file,
            limit,
            utc_offset,
            json,
        } => sign_ins(file, *limit, *utc_offset, *json),
    }
    .map(|()| 0)
}

fn refuse_pin_argument(pin: Option<&str>) -> Result<(), CliError> {
    match pin {
        None => Ok(()),
        Some(_) => Err(CliError::Usage(format!(
            "--pin is refused: a PIN in an argument stays in the shell's history (choose another \
             one); set {PIN_ENV} or give it on the first line of stdin 不接受命令行参数中的 PIN"
        ))),
    }
}

/// The library's error in both languages; refused input is a usage error (exit 3).
fn staff_error(path: &Path, e: countersign_staff::StaffError) -> CliError {
    let zh = match e.code() {
        "staff.bad_id" => "编号无效",
        "staff.bad_name" => "姓名无效",
        "staff.pin_format" => "PIN 须为 6–12 位数字",
        "staff.pin_too_simple" => "PIN 过于简单",
        "staff.exists" => "该编号已存在",
        "staff.unknown" => "无此账号",
        "staff.too_new" => "人员库版本过新，请升级本程序",
        _ => "人员库无法使用",
    };
    if e.is_refused_input() {
        CliError::Usage(format!("{e} {zh}"))
    } else {
        CliError::Failed(format!("{}: {e} {zh}", path.display()))
    }
}

fn must_exist(file: &StaffFile) -> Result<(), CliError> {
    if file.path.is_file() {
        return Ok(());
    }
    Err(CliError::Usage(format!(
        "{} does not exist: give the hall's staff file with --db or COUNTERSIGN_STAFF_DB 人员库不存在",
        file.path.display()
    )))
}

fn open_write(file: &StaffFile) -> Result<Staff, CliError> {
    must_exist(file)?;
    Staff::open(&file.path)
        .map(|s| s.with_profile(file.profile))
        .map_err(|e| staff_error(&file.path, e))
}

fn open_read(file: &StaffFile) -> Result<Staff, CliError> {
    must_exist(file)?;
    Staff::open_read_only(&file.path).map_err(|e| staff_error(&file.path, e))
}

/// Where a supervisor's PIN may come from besides stdin.
const SUPERVISOR_PIN_ENV: &str = "COUNTERSIGN_SUPERVISOR_PIN";

/// Reads the PIN from `COUNTERSIGN_PIN`, else the next line of stdin (without its line end).
fn read_pin() -> Result<String, CliError> {
    read_line_or_env(
        PIN_ENV,
        "PIN (6–12 digits; shown as typed 输入时可见) 请输入 PIN: ",
    )
}

/// Reads `env`, else the next line of stdin, prompting on a terminal.
fn read_line_or_env(env: &str, prompt: &str) -> Result<String, CliError> {
    if let Some(pin) = std::env::var_os(env) {
        return pin
            .into_string()
            .map_err(|_| CliError::Usage(format!("{env} is not text 格式错误")));
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        // No crate here can hide what is typed: say so, so nobody types it with people around.
        eprint!("{prompt}");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    let read = stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::Usage(format!("cannot read the PIN from stdin: {e}")))?;
    if read == 0 {
        return Err(CliError::Usage(format!(
            "no PIN: set {env} or give it on the next line of stdin 未提供 PIN"
        )));
    }
    let pin = line.strip_suffix('\n').unwrap_or(&line);
    Ok(pin.strip_suffix('\r').unwrap_or(pin).to_string())
}

/// `text` padded with spaces to `width` terminal columns; Chinese characters take two.
fn pad(text: &str, width: usize) -> String {
    let used: usize = text
        .chars()
        .map(|c| if c >= '\u{1100}' { 2 } else { 1 })
        .sum();
    format!("{text}{}", " ".repeat(width.saturating_sub(used)))
}

fn role_text(role: Role) -> &'static str {
    match role {
        Role::Clerk => "clerk 办事员",
        Role::Supervisor => "supervisor 主管",
    }
}

/// Who authorises a change to the accounts: a supervisor who proves it with their PIN (the
/// attempt recorded like any sign-in; wrong PINs lock as at a counter), or root (IT on the PC
/// itself, and the first supervisor of a new hall). A clerk's OS account reaches the staff
/// file only through `countersign-launch`, as the hall's account, which is not root: it needs
/// a supervisor.
fn authorize(
    staff: &mut Staff,
    path: &Path,
    supervisor: Option<&str>,
) -> Result<countersign_staff::Administrator, CliError> {
    let os_user = os_user();
    let Some(id) = supervisor else {
        if countersign_paths::is_root() {
            return Ok(countersign_staff::Administrator {
                actor: "root".into(),
                os_user,
            });
        }
        return Err(CliError::Usage(
            "changing staff accounts needs a supervisor: --supervisor ID, with their PIN              (COUNTERSIGN_SUPERVISOR_PIN or the first line of stdin) 需要主管授权"
                .into(),
        ));
    };
    let pin = read_line_or_env(
        SUPERVISOR_PIN_ENV,
        "supervisor's PIN (shown as typed 输入时可见) 主管 PIN: ",
    )?;
    match staff.sign_in(id, &pin, Role::Supervisor, Utc::now()) {
        Ok(account) => Ok(countersign_staff::Administrator {
            actor: account.id,
            os_user,
        }),
        Err(e) => Err(CliError::Usage(format!(
            "{}: the supervisor's sign-in was refused ({e}); nothing was changed 主管授权失败",
            path.display()
        ))),
    }
}

/// Root (IT) changes accounts without a supervisor, directly or through `countersign-launch`
/// (which runs this as the hall's account and says root launched it); anyone else is told to
/// name one.
fn authorize_root() -> Result<countersign_staff::Administrator, CliError> {
    let launched_by_root = std::env::var("COUNTERSIGN_OS_UID").is_ok_and(|u| u == "0");
    if countersign_paths::is_root() || launched_by_root {
        return Ok(countersign_staff::Administrator {
            actor: "root".into(),
            os_user: os_user(),
        });
    }
    Err(CliError::Usage(
        "changing staff accounts needs a supervisor: --supervisor ID, with their PIN \
         (COUNTERSIGN_SUPERVISOR_PIN or the first line of stdin) 需要主管授权"
            .into(),
    ))
}

/// The OS account at the keyboard: as the launcher names it, else the session's.
fn os_user() -> String {
    std::env::var("COUNTERSIGN_OS_USER")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_else(|_| "unknown".into())
}

fn add(
    file: &StaffFile,
    supervisor: Option<&str>,
    id: &str,
    name: &str,
    role: Role,
) -> Result<(), CliError> {
    let path = &file.path;
    let refused = |e| staff_error(path, e);
    // Everything is checked before the file is created or changed, and a taken id before the
    // PIN is asked for, so nobody types one for nothing.
    countersign_staff::check_id(id).map_err(refused)?;
    countersign_staff::check_name(name).map_err(refused)?;
    if path.is_file()
        && Staff::open(path)
            .and_then(|s| s.get(id))
            .map_err(refused)?
            .is_some()
    {
        return Err(refused(countersign_staff::StaffError::Exists(
            id.to_string(),
        )));
    }
    // A supervisor signs in to a file that exists; root may create the hall's first one. The
    // new PIN is read and checked before the file is created.
    let mut opened = None;
    let by = match supervisor {
        Some(_) => {
            let mut staff = open_write(file)?;
            let by = authorize(&mut staff, path, supervisor)?;
            opened = Some(staff);
            by
        }
        None => authorize_root()?,
    };
    let pin = read_pin()?;
    countersign_staff::check_pin(&pin).map_err(refused)?;
    let mut staff = match opened {
        Some(staff) => staff,
        None => Staff::open(path)
            .map(|s| s.with_profile(file.profile))
            .map_err(refused)?,
    };
    let account = staff
        .administer(
            &by,
            &countersign_staff::Change::Add {
                id,
                name,
                role,
                pin: &pin,
            },
            Utc::now(),
        )
        .map_err(refused)?
        .ok_or_else(|| CliError::Failed("the account was not added".into()))?;
    eprintln!(
        "added {} {} ({}) 已添加",
        account.role, account.id, account.name
    );
    Ok(())
}

fn set_active(
    file: &StaffFile,
    supervisor: Option<&str>,
    id: &str,
    active: bool,
) -> Result<(), CliError> {
    let mut staff = open_write(file)?;
    let by = authorize(&mut staff, &file.path, supervisor)?;
    staff
        .administer(
            &by,
            &countersign_staff::Change::SetActive { id, active },
            Utc::now(),
        )
        .map_err(|e| staff_error(&file.path, e))?;
    if active {
        eprintln!("{id} enabled: can sign in again 已启用");
    } else {
        eprintln!("{id} disabled: can no longer sign in 已停用");
    }
    Ok(())
}

fn reset_pin(file: &StaffFile, supervisor: Option<&str>, id: &str) -> Result<(), CliError> {
    let path = &file.path;
    let mut staff = open_write(file)?;
    let by = authorize(&mut staff, path, supervisor)?;
    if staff.get(id).map_err(|e| staff_error(path, e))?.is_none() {
        return Err(staff_error(
            path,
            countersign_staff::StaffError::Unknown(id.to_string()),
        ));
    }
    let pin = read_pin()?;
    staff
        .administer(
            &by,
            &countersign_staff::Change::SetPin { id, pin: &pin },
            Utc::now(),
        )
        .map_err(|e| staff_error(path, e))?;
    eprintln!("new PIN set for {id}; any lockout is lifted 已重置 PIN");
    Ok(())
}

fn pretty(value: &Value) -> Result<String, CliError> {
    serde_json::to_string_pretty(value).map_err(|e| CliError::Failed(e.to_string()))
}

fn account_json(a: &Account, offset: FixedOffset) -> Value {
    json!({
        "id": a.id,
        "name": a.name,
        "role": a.role.as_str(),
        "active": a.active,
        "createdAt": a.created_at.with_timezone(&offset).to_rfc3339(),
    })
}

fn list(file: &StaffFile, offset: FixedOffset, as_json: bool) -> Result<(), CliError> {
    let accounts = open_read(file)?
        .list()
        .map_err(|e| staff_error(&file.path, e))?;
    if as_json {
        let all = accounts.iter().map(|a| account_json(a, offset)).collect();
        println!("{}", pretty(&Value::Array(all))?);
        return Ok(());
    }
    if accounts.is_empty() {
        println!("no accounts yet 暂无账号");
    }
    for a in &accounts {
        println!(
            "{}  {}  {}  {}  {}",
            pad(&a.id, 32),
            pad(role_text(a.role), 15),
            pad(
                if a.active {
                    "active 在用"
                } else {
                    "disabled 已停用"
                },
                15
            ),
            a.created_at.with_timezone(&offset).format("%Y-%m-%d"),
            a.name,
        );
    }
    Ok(())
}

fn outcome_text(outcome: SignInOutcome) -> &'static str {
    match outcome {
        SignInOutcome::SignedIn => "signed in 成功",
        SignInOutcome::WrongPin => "wrong PIN 密码错误",
        SignInOutcome::UnknownId => "unknown id 无此编号",
        SignInOutcome::Locked => "locked 已锁定",
        SignInOutcome::Disabled => "disabled 已停用",
        SignInOutcome::WrongRole => "wrong role 角色不符",
    }
}

fn sign_ins(
    file: &StaffFile,
    limit: usize,
    offset: FixedOffset,
    as_json: bool,
) -> Result<(), CliError> {
    let records: Vec<SignInRecord> = open_read(file)?
        .recent_sign_ins(limit)
        .map_err(|e| staff_error(&file.path, e))?;
    if as_json {
        let all = records
            .iter()
            .map(|r| {
                json!({
                    "at": r.at.with_timezone(&offset).to_rfc3339(),
                    "id": r.id,
                    "role": r.role.as_str(),
                    "outcome": r.outcome.code(),
                })
            })
            .collect();
        println!("{}", pretty(&Value::Array(all))?);
        return Ok(());
    }
    if records.is_empty() {
        println!("no sign-in attempts yet 暂无登录记录");
    }
    for r in &records {
        println!(
            "{}  {}  {}  {}",
            r.at.with_timezone(&offset).format("%Y-%m-%d %H:%M:%S"),
            pad(role_text(r.role), 15),
            // As typed at a sign-in screen: escaped, so no control character reaches the terminal.
            pad(&r.id.escape_debug().to_string(), 32),
            outcome_text(r.outcome),
        );
    }
    Ok(())
}
