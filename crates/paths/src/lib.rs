//! Where things are on a counter PC: the rules that pick the configuration and data folders
//! (one rule for the app, the CLI and `countersign doctor`, overridden by `COUNTERSIGN_*`
//! variables so tests never touch a real hall's files), and the file names inside them.
//!
//! A crate of its own, with no Countersign dependency, so anything that needs the data folder
//! (a binary setting up its diagnostic file, the doctor, the app) finds it without pulling in
//! the bundle's format or the network. The folder rules are for binaries: libraries take paths,
//! and use only the file names and [`is_root`] from here. It reads the environment and asks
//! whether folders exist; it creates nothing.

use std::path::{Path, PathBuf};

/// The applied bundle, in the configuration folder.
pub const APPLIED_FILE: &str = "applied-bundle.json";
/// The hall's verification log, in the data folder (as the app names it).
pub const LOG_FILE: &str = "verification-log.sqlite";
/// The hall's registry mirror, in the data folder.
pub const MIRROR_FILE: &str = "registry-mirror.sqlite";
/// The staff accounts, in the data folder.
pub const STAFF_FILE: &str = "staff.sqlite";
/// The print queue, in the data folder.
pub const PRINT_QUEUE_FILE: &str = "print-queue.sqlite";
/// The app's identifier: its per-user data folder is named after it.
pub const APP_IDENTIFIER: &str = "cn.countersign.counter";

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The machine-wide configuration folder: `/etc/countersign` (`%ProgramData%\Countersign` on
/// Windows).
pub fn system_config_dir() -> PathBuf {
    #[cfg(windows)]
    {
        if let Some(p) = var("ProgramData") {
            return PathBuf::from(p).join("Countersign");
        }
    }
    PathBuf::from("/etc/countersign")
}

/// Whether this process runs as root (never on Windows, where installers set the folders).
pub fn is_root() -> bool {
    #[cfg(unix)]
    {
        rustix::process::geteuid().is_root()
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// Where provisioning is written: `COUNTERSIGN_CONFIG_DIR`, else the machine-wide folder when
/// root, else the user's configuration folder (`~/.config/countersign`).
pub fn default_config_dir() -> PathBuf {
    if let Some(dir) = var("COUNTERSIGN_CONFIG_DIR") {
        return PathBuf::from(dir);
    }
    if is_root() {
        return system_config_dir();
    }
    user_config_dir()
}

fn user_config_dir() -> PathBuf {
    dirs::config_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("countersign")
}

/// Where provisioning is read from: `COUNTERSIGN_CONFIG_DIR`, else the machine-wide folder if
/// a bundle was applied there (the installer runs as root, the app as the clerk's user), else
/// the user's configuration folder.
pub fn locate_config_dir() -> PathBuf {
    if let Some(dir) = var("COUNTERSIGN_CONFIG_DIR") {
        return PathBuf::from(dir);
    }
    let system = system_config_dir();
    if system.join(APPLIED_FILE).is_file() || is_root() {
        return system;
    }
    user_config_dir()
}

/// The machine-wide data folder the Linux package makes.
pub const MACHINE_DATA_DIR: &str = "/var/lib/countersign";

/// The hall's data folder, one rule for the app, the CLI and `doctor` alike:
/// `COUNTERSIGN_DATA_DIR`, else the machine-wide folder when the package made it (whoever
/// runs: a user who may not write there is told so, rather than given a second log
/// elsewhere), else this user's own folder (`~/.local/share/cn.countersign.counter`).
pub fn default_data_dir() -> PathBuf {
    if let Some(dir) = var("COUNTERSIGN_DATA_DIR") {
        return PathBuf::from(dir);
    }
    let machine = Path::new(MACHINE_DATA_DIR);
    if cfg!(unix) && machine.is_dir() {
        return machine.to_path_buf();
    }
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join(APP_IDENTIFIER)
}

/// The bundle to apply when none is named: `COUNTERSIGN_BUNDLE`, else `hall.bundle` in the
/// machine-wide folder.
pub fn default_bundle_path() -> PathBuf {
    var("COUNTERSIGN_BUNDLE")
        .map(PathBuf::from)
        .unwrap_or_else(|| system_config_dir().join("hall.bundle"))
}

/// The machine's trusted authority key file: `COUNTERSIGN_AUTHORITY_FILE` (tests), else
/// `authority.pub` in the machine-wide folder.
pub fn default_authority_file() -> PathBuf {
    var("COUNTERSIGN_AUTHORITY_FILE")
        .map(PathBuf::from)
        .unwrap_or_else(|| system_config_dir().join("authority.pub"))
}
