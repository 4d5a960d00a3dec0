//! `countersign-launch`: runs the counter app, `countersign doctor` or `countersign staff …` as
//! the hall's system account, for a clerk's OS account (see the library's documentation for
//! what is decided and why). Installed setuid root, mode 4750, group `countersign`: the kernel
//! lets only the clerks' accounts run it, and it gives up root before it runs anything.

#[cfg(target_os = "linux")]
fn main() -> std::process::ExitCode {
    match linux::launch() {
        Ok(never) => match never {},
        Err(e) => {
            eprintln!("countersign-launch: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn main() -> std::process::ExitCode {
    eprintln!("countersign-launch: only for Linux counter PCs (on Windows the app runs in the kiosk account: docs/INSTALL.md)");
    std::process::ExitCode::from(2)
}

#[cfg(target_os = "linux")]
mod linux {
    use countersign_launch::{
        account_named, account_with_uid, environment, group_id, groups_of, plan, xauthority_of,
        LaunchError, CLERKS_GROUP, HALL_ACCOUNT, MAX_XAUTHORITY_BYTES, RUN_DIR,
    };
    use rustix::fs::{Gid, Uid};
    use std::convert::Infallible;
    use std::io::{Read, Write};
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
    use std::os::unix::process::CommandExt;
    use std::path::{Path, PathBuf};

    fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> LaunchError {
        let what = what.into();
        move |source| LaunchError::Io { what, source }
    }

    pub fn launch() -> Result<Infallible, LaunchError> {
        let args: Vec<_> = std::env::args_os().skip(1).collect();
        let what = plan(&args)?;
        if !rustix::process::geteuid().is_root() {
            return Err(LaunchError::NotPrivileged);
        }
        let passwd = std::fs::read_to_string("/etc/passwd").map_err(io("/etc/passwd"))?;
        let group = std::fs::read_to_string("/etc/group").map_err(io("/etc/group"))?;
        let hall = account_named(&passwd, HALL_ACCOUNT)
            .ok_or_else(|| LaunchError::NoAccount(HALL_ACCOUNT.into()))?;
        let clerks = group_id(&group, CLERKS_GROUP)
            .ok_or_else(|| LaunchError::NoAccount(CLERKS_GROUP.into()))?;
        let caller = rustix::process::getuid().as_raw();
        let in_group = rustix::process::getgid().as_raw() == clerks
            || rustix::process::getgroups()
                .map_err(|e| io("getgroups")(e.into()))?
                .iter()
                .any(|g| g.as_raw() == clerks);
        // The file mode already keeps others out; this says why to a clerk whose account was
        // removed from the group after login, and to root nothing (IT may launch to test).
        if caller != 0 && !in_group {
            return Err(LaunchError::NotAClerk);
        }
        let clerk = account_with_uid(&passwd, caller);
        let clerk_name = clerk
            .as_ref()
            .map_or_else(|| format!("uid:{caller}"), |a| a.name.clone());

        let run = Path::new(RUN_DIR);
        prepare_run_dir(run, hall.uid, hall.gid)?;
        let xauthority = match (&clerk, std::env::var_os("DISPLAY")) {
            (Some(clerk), Some(_)) => {
                let from = xauthority_of(std::env::var_os("XAUTHORITY").as_deref(), clerk);
                copy_cookie(
                    &from,
                    caller,
                    &run.join(format!("xauthority-{caller}")),
                    hall.uid,
                )?
            }
            _ => None,
        };
        let env = environment(
            std::env::vars_os(),
            &clerk_name,
            caller,
            xauthority.as_deref(),
        );

        // Give up root for good: groups first (they need root), then gid, then uid; all three
        // ids of each, so nothing can be regained.
        let mut groups: Vec<Gid> = groups_of(&group, HALL_ACCOUNT)
            .into_iter()
            .map(Gid::from_raw)
            .collect();
        groups.push(Gid::from_raw(hall.gid));
        rustix::thread::set_thread_groups(&groups).map_err(|e| io("setgroups")(e.into()))?;
        let gid = Gid::from_raw(hall.gid);
        rustix::thread::set_thread_res_gid(gid, gid, gid).map_err(|e| io("setresgid")(e.into()))?;
        let uid = Uid::from_raw(hall.uid);
        rustix::thread::set_thread_res_uid(uid, uid, uid).map_err(|e| io("setresuid")(e.into()))?;
        if rustix::thread::set_thread_res_uid(Uid::ROOT, Uid::ROOT, Uid::ROOT).is_ok() {
            return Err(LaunchError::Io {
                what: "giving up root".into(),
                source: std::io::Error::other("root could be regained"),
            });
        }

        // Whatever the hall account creates (the log, its WAL, the hall key, diagnostics) is
        // its alone, whatever umask the clerk's session had.
        rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
        let error = std::process::Command::new(what.program())
            .args(what.args())
            .env_clear()
            .envs(env)
            .current_dir(run)
            .exec();
        Err(io(format!("starting {}", what.program()))(error))
    }

    /// The hall account's runtime folder: created 0700 for it, or, when it exists, a real
    /// folder it owns (not a link a clerk planted).
    fn prepare_run_dir(run: &Path, uid: u32, gid: u32) -> Result<(), LaunchError> {
        match std::fs::symlink_metadata(run) {
            Ok(m) if m.is_dir() && m.uid() == uid => {}
            Ok(_) => {
                return Err(LaunchError::Io {
                    what: format!("{}", run.display()),
                    source: std::io::Error::other(
                        "exists but is not a folder of the hall account; remove it (IT)",
                    ),
                })
            }
            Err(_) => {
                std::fs::create_dir_all(run).map_err(io(format!("creating {}", run.display())))?;
                rustix::fs::chown(run, Some(Uid::from_raw(uid)), Some(Gid::from_raw(gid)))
                    .map_err(|e| io(format!("chown {}", run.display()))(e.into()))?;
            }
        }
        std::fs::set_permissions(run, std::fs::Permissions::from_mode(0o700))
            .map_err(io(format!("chmod {}", run.display())))?;
        Ok(())
    }

    /// Copies the clerk's display cookie for the hall account: only a regular file the clerk
    /// owns (never a link, never someone else's file named in `XAUTHORITY`), at most
    /// [`MAX_XAUTHORITY_BYTES`]. None when there is no such file (a display without cookies).
    fn copy_cookie(
        from: &Path,
        clerk_uid: u32,
        to: &PathBuf,
        hall_uid: u32,
    ) -> Result<Option<PathBuf>, LaunchError> {
        let Ok(mut file) = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
            .open(from)
        else {
            return Ok(None);
        };
        let meta = file.metadata().map_err(io(format!("{}", from.display())))?;
        if !meta.is_file() || meta.uid() != clerk_uid || meta.len() > MAX_XAUTHORITY_BYTES {
            return Ok(None);
        }
        let mut cookie = Vec::new();
        file.read_to_end(&mut cookie)
            .map_err(io(format!("reading {}", from.display())))?;
        let _ = std::fs::remove_file(to);
        let mut out = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
            .open(to)
            .map_err(io(format!("writing {}", to.display())))?;
        out.write_all(&cookie)
            .map_err(io(format!("writing {}", to.display())))?;
        rustix::fs::fchown(&out, Some(Uid::from_raw(hall_uid)), None)
            .map_err(|e| io(format!("chown {}", to.display()))(e.into()))?;
        Ok(Some(to.clone()))
    }
}
