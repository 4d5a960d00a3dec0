//! What `countersign-launch` decides, apart from the few privileged calls that carry it out: a
//! counter PC keeps the hall's data (verification log, registry mirror, staff accounts, print
//! queue, hall key) in a folder only the hall's system account (`countersign-hall`) can open,
//! and the clerks' OS accounts (group `countersign`) start the app through this launcher, which
//! runs it as that account. A clerk can then verify, print and sign in through the app, but no
//! program the clerk runs as themselves can edit the log, mirror or staff files, read the hall
//! key, or attach to the app's memory (another uid). Staff administration goes through the
//! launcher too, and the `staff` commands ask for a supervisor's PIN (docs/INSTALL.md).
//!
//! The launcher trusts nothing the clerk's session hands it: the environment is rebuilt from an
//! allow-list (no `LD_PRELOAD`, no `COUNTERSIGN_*` folders, no `PATH`), the programs and folders
//! are fixed paths, the command line may name only the app, `doctor` or `staff` (without a
//! `--db` of its choosing), and a display cookie is copied only from a regular file the clerk
//! owns. Everything here is pure (parsing, planning) and tested without privileges; `main.rs`
//! does the system calls.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

/// The hall's system account: owns the data folder, runs the app.
pub const HALL_ACCOUNT: &str = "countersign-hall";
/// The clerks' OS accounts are members of this group: only they may run the launcher.
pub const CLERKS_GROUP: &str = "countersign";
/// The hall's data folder.
pub const DATA_DIR: &str = "/var/lib/countersign";
/// The machine-wide configuration folder (root's; the hall account reads it).
pub const CONFIG_DIR: &str = "/etc/countersign";
/// The hall account's runtime folder (home, `XDG_RUNTIME_DIR`, the display cookie's copy).
pub const RUN_DIR: &str = "/run/countersign-hall";
/// The desktop app.
pub const APP: &str = "/usr/bin/countersign-app";
/// The command line.
pub const CLI: &str = "/usr/bin/countersign";

/// Why the launcher refuses.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    /// The command line asks for something a clerk may not run as the hall account.
    #[error("not allowed through the launcher: {0}. 启动器只能启动柜台程序，或运行 `cli doctor` / `cli staff …`")]
    NotAllowed(String),
    /// The package's accounts are missing.
    #[error("the system account or group {0:?} does not exist: reinstall the countersign package 请重新安装")]
    NoAccount(String),
    /// The caller is not a clerk.
    #[error("your OS account is not in the group `countersign`: ask IT to add it (usermod -aG countersign NAME) 请联系 IT")]
    NotAClerk,
    /// The launcher is not installed as the package installs it.
    #[error("countersign-launch must be installed setuid root (mode 4750, root:countersign): reinstall the package 请重新安装")]
    NotPrivileged,
    /// A file or system call failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// Why it failed.
        source: std::io::Error,
    },
}

/// An account from `/etc/passwd`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswdEntry {
    /// Login name.
    pub name: String,
    /// User id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
    /// Home folder.
    pub home: PathBuf,
}

/// The account named `name` in a `passwd` file's text.
pub fn account_named(passwd: &str, name: &str) -> Option<PasswdEntry> {
    passwd_entries(passwd).find(|a| a.name == name)
}

/// The account with user id `uid` in a `passwd` file's text.
pub fn account_with_uid(passwd: &str, uid: u32) -> Option<PasswdEntry> {
    passwd_entries(passwd).find(|a| a.uid == uid)
}

fn passwd_entries(passwd: &str) -> impl Iterator<Item = PasswdEntry> + '_ {
    passwd.lines().filter_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        if fields.len() < 7 || line.starts_with('#') {
            return None;
        }
        Some(PasswdEntry {
            name: fields[0].to_string(),
            uid: fields[2].parse().ok()?,
            gid: fields[3].parse().ok()?,
            home: PathBuf::from(fields[5]),
        })
    })
}

/// The id of group `name` in a `group` file's text.
pub fn group_id(group: &str, name: &str) -> Option<u32> {
    group_entries(group)
        .find(|(n, _, _)| *n == name)
        .map(|(_, gid, _)| gid)
}

/// The groups that list `user` as a member (its supplementary groups).
pub fn groups_of(group: &str, user: &str) -> Vec<u32> {
    group_entries(group)
        .filter(|(_, _, members)| members.contains(&user))
        .map(|(_, gid, _)| gid)
        .collect()
}

fn group_entries(group: &str) -> impl Iterator<Item = (&str, u32, Vec<&str>)> + '_ {
    group.lines().filter_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        if fields.len() < 4 || line.starts_with('#') {
            return None;
        }
        let members = fields[3].split(',').filter(|m| !m.is_empty()).collect();
        Some((fields[0], fields[2].parse().ok()?, members))
    })
}

/// What to run as the hall account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Launch {
    /// The desktop app.
    App,
    /// The command line, with these arguments (`doctor …` or `staff …`).
    Cli(Vec<OsString>),
}

impl Launch {
    /// The program to run.
    pub fn program(&self) -> &'static str {
        match self {
            Self::App => APP,
            Self::Cli(_) => CLI,
        }
    }

    /// Its arguments.
    pub fn args(&self) -> &[OsString] {
        match self {
            Self::App => &[],
            Self::Cli(args) => args,
        }
    }
}

/// What the launcher's arguments (after the program name) ask for. No arguments: the app.
/// `cli doctor …`: the health check (it reads, and says what is wrong). `cli staff …`: staff
/// administration, on the hall's staff file only (a `--db` is refused: the file is fixed), each
/// change needing a supervisor's PIN. Anything else would hand a clerk the hall account's
/// power over its files (`log purge`, a `--log` pointed at the mirror …) and is refused.
pub fn plan(args: &[OsString]) -> Result<Launch, LaunchError> {
    let Some((first, rest)) = args.split_first() else {
        return Ok(Launch::App);
    };
    if first != "cli" {
        return Err(LaunchError::NotAllowed(format!(
            "{:?} (no arguments start the app; `cli doctor` or `cli staff …` run those commands)",
            first
        )));
    }
    let Some(command) = rest.first() else {
        return Err(LaunchError::NotAllowed("`cli` without a command".into()));
    };
    if command != "doctor" && command != "staff" {
        return Err(LaunchError::NotAllowed(format!(
            "`cli {}`",
            command.to_string_lossy()
        )));
    }
    if let Some(bad) = rest.iter().find(|a| {
        let a = a.to_string_lossy();
        a == "--db" || a.starts_with("--db=") || a == "--data-dir" || a.starts_with("--data-dir=")
    }) {
        return Err(LaunchError::NotAllowed(format!(
            "{} (the hall's own files are used)",
            bad.to_string_lossy()
        )));
    }
    Ok(Launch::Cli(rest.to_vec()))
}

/// Variables a clerk's session may pass on: the display, the language and time zone, the
/// terminal, and a PIN typed for a `staff` command. Nothing that picks files, libraries or
/// programs.
const PASSED: &[&str] = &[
    "DISPLAY",
    "LANG",
    "LANGUAGE",
    "TZ",
    "TERM",
    "COUNTERSIGN_PIN",
    "COUNTERSIGN_SUPERVISOR_PIN",
    "COUNTERSIGN_LANGUAGE",
];

/// The hall account's environment: the allowed variables of the clerk's, and the hall's own
/// folders. `clerk` is the OS account that launched (recorded by the app as who was at the
/// keyboard); `xauthority` the display cookie's copy, when there is one.
pub fn environment(
    inherited: impl IntoIterator<Item = (OsString, OsString)>,
    clerk: &str,
    clerk_uid: u32,
    xauthority: Option<&Path>,
) -> Vec<(OsString, OsString)> {
    let mut env: Vec<(OsString, OsString)> = inherited
        .into_iter()
        .filter(|(k, _)| {
            let k = k.to_string_lossy();
            PASSED.contains(&k.as_ref()) || k.starts_with("LC_")
        })
        .collect();
    let mut set = |k: &str, v: &OsStr| env.push((k.into(), v.to_owned()));
    set("PATH", OsStr::new("/usr/bin:/bin"));
    set("HOME", OsStr::new(RUN_DIR));
    set("XDG_RUNTIME_DIR", OsStr::new(RUN_DIR));
    set("COUNTERSIGN_DATA_DIR", OsStr::new(DATA_DIR));
    set("COUNTERSIGN_CONFIG_DIR", OsStr::new(CONFIG_DIR));
    set(
        "COUNTERSIGN_STAFF_DB",
        Path::new(DATA_DIR).join("staff.sqlite").as_os_str(),
    );
    set("COUNTERSIGN_OS_USER", OsStr::new(clerk));
    // Root launching (IT setting up a hall) may change staff accounts without a supervisor,
    // as root may directly; a clerk's own process could claim this too, but it cannot open
    // the hall's files, so the claim is worth something only here.
    set("COUNTERSIGN_OS_UID", OsStr::new(&clerk_uid.to_string()));
    if let Some(x) = xauthority {
        set("XAUTHORITY", x.as_os_str());
    }
    env
}

/// The display cookie the clerk's session names (`XAUTHORITY`, else `~/.Xauthority` in the
/// clerk's home as `/etc/passwd` gives it, never the session's `HOME`).
pub fn xauthority_of(inherited: Option<&OsStr>, clerk: &PasswdEntry) -> PathBuf {
    match inherited {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => clerk.home.join(".Xauthority"),
    }
}

/// At most this many bytes of display cookie are copied (a real one is under 1 KiB).
pub const MAX_XAUTHORITY_BYTES: u64 = 64 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash
# a comment
countersign-hall:x:998:997:Countersign hall:/var/lib/countersign:/usr/sbin/nologin
clerk1:x:1001:1001::/home/clerk1:/bin/bash
broken:line
";
    const GROUP: &str = "root:x:0:
video:x:44:countersign-hall,clerk1
countersign:x:996:clerk1
countersign-hall:x:997:
dialout:x:20:countersign-hall
";

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn accounts_and_groups_are_read_from_the_files() {
        let hall = account_named(PASSWD, HALL_ACCOUNT).expect("hall");
        assert_eq!((hall.uid, hall.gid), (998, 997));
        assert_eq!(
            account_with_uid(PASSWD, 1001).map(|a| a.name),
            Some("clerk1".to_string())
        );
        assert_eq!(account_named(PASSWD, "broken"), None);
        assert_eq!(group_id(GROUP, CLERKS_GROUP), Some(996));
        assert_eq!(groups_of(GROUP, HALL_ACCOUNT), [44, 20]);
    }

    #[test]
    fn only_the_app_doctor_and_staff_on_the_halls_file_are_launched() {
        assert_eq!(plan(&[]).expect("app"), Launch::App);
        assert_eq!(
            plan(&args(&["cli", "staff", "list"])).expect("staff"),
            Launch::Cli(args(&["staff", "list"]))
        );
        assert_eq!(
            plan(&args(&["cli", "doctor", "--json"]))
                .expect("doctor")
                .program(),
            CLI
        );
        for refused in [
            &["cli", "log", "purge"][..],
            &[
                "cli",
                "verify",
                "x.png",
                "--log",
                "/var/lib/countersign/registry-mirror.sqlite",
            ],
            &["cli", "staff", "add", "--db", "/tmp/mine.sqlite"],
            &["cli", "staff", "list", "--db=/tmp/mine.sqlite"],
            &["cli"],
            &["--help"],
        ] {
            let err = plan(&args(refused)).expect_err("refused");
            assert!(err.to_string().contains("not allowed"), "{err}");
        }
    }

    #[test]
    fn the_environment_keeps_only_what_cannot_pick_files_or_code() {
        let clerk = [
            ("DISPLAY", ":0"),
            ("LANG", "zh_CN.UTF-8"),
            ("LC_TIME", "zh_CN.UTF-8"),
            ("LD_PRELOAD", "/home/clerk1/evil.so"),
            ("PATH", "/home/clerk1/bin:/usr/bin"),
            ("COUNTERSIGN_DATA_DIR", "/home/clerk1/fake"),
            ("COUNTERSIGN_STAFF_DB", "/home/clerk1/staff.sqlite"),
            ("HOME", "/home/clerk1"),
            ("COUNTERSIGN_PIN", "123456"),
        ]
        .map(|(k, v)| (OsString::from(k), OsString::from(v)));
        let env = environment(
            clerk,
            "clerk1",
            1001,
            Some(Path::new("/run/countersign-hall/x")),
        );
        let get = |k: &str| {
            let found: Vec<_> = env.iter().filter(|(key, _)| key == k).collect();
            assert!(found.len() <= 1, "{k} set twice");
            found.first().map(|(_, v)| v.to_string_lossy().into_owned())
        };
        assert_eq!(get("DISPLAY").as_deref(), Some(":0"));
        assert_eq!(get("LC_TIME").as_deref(), Some("zh_CN.UTF-8"));
        assert_eq!(get("LD_PRELOAD"), None);
        assert_eq!(get("PATH").as_deref(), Some("/usr/bin:/bin"));
        assert_eq!(get("COUNTERSIGN_DATA_DIR").as_deref(), Some(DATA_DIR));
        assert_eq!(
            get("COUNTERSIGN_STAFF_DB").as_deref(),
            Some("/var/lib/countersign/staff.sqlite")
        );
        assert_eq!(get("HOME").as_deref(), Some(RUN_DIR));
        assert_eq!(get("COUNTERSIGN_OS_USER").as_deref(), Some("clerk1"));
        assert_eq!(get("COUNTERSIGN_OS_UID").as_deref(), Some("1001"));
        assert_eq!(get("COUNTERSIGN_PIN").as_deref(), Some("123456"));
        assert_eq!(
            get("XAUTHORITY").as_deref(),
            Some("/run/countersign-hall/x")
        );
    }

    #[test]
    fn the_display_cookie_is_the_sessions_or_the_clerks_own() {
        let clerk = account_named(PASSWD, "clerk1").expect("clerk");
        assert_eq!(
            xauthority_of(None, &clerk),
            PathBuf::from("/home/clerk1/.Xauthority")
        );
        assert_eq!(
            xauthority_of(Some(OsStr::new("/tmp/xauth-1")), &clerk),
            PathBuf::from("/tmp/xauth-1")
        );
    }
}
