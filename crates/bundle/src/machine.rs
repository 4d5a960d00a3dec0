//! A counter PC's provisioning state: which bundle is applied, whom it trusts, and applying a
//! new bundle (with the registry mirror snapshot it may ship).

use crate::error::BundleError;
use crate::settings::SnapshotInfo;
use crate::sign::{key_hex, Envelope, SignedBundle};
use crate::trust::{read_public_key_file, Anchor, TrustSource};
use countersign_crypto::PublicKey;
use countersign_mirror::{Mirror, MirrorError};
use countersign_paths::{APPLIED_FILE, MIRROR_FILE};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The folders of one machine and its authority file. Every path is given, so tests (and the
/// app, which keeps everything in its data folder) choose them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    /// Where the applied bundle is kept.
    pub config_dir: PathBuf,
    /// The hall's data: log, mirror, staff, print queue.
    pub data_dir: PathBuf,
    /// The machine's trusted authority key file (`/etc/countersign/authority.pub`); it need
    /// not exist.
    pub authority_file: PathBuf,
}

/// What the caller expects of a bundle beyond the machine's own state.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    /// The authority to trust for this run (`--authority`); else the authority file, else the
    /// applied bundle's authority.
    pub authority: Option<PublicKey>,
    /// This machine's hall, when the caller knows it (`--hall`); the applied bundle's hall
    /// is always required too.
    pub hall: Option<String>,
}

/// A bundle that may be applied on this machine.
#[derive(Debug, Clone)]
pub struct VerifiedBundle {
    /// The bundle.
    pub bundle: SignedBundle,
    /// Why its authority is trusted.
    pub trusted_by: TrustSource,
    /// The version applied before, if any.
    pub installed: Option<u64>,
    /// It is the bundle already applied (the same signed content).
    pub unchanged: bool,
    /// The mirror snapshot beside it, checked, if it ships one.
    pub snapshot: Option<PathBuf>,
}

/// What became of a shipped mirror snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MirrorOutcome {
    /// The bundle ships none.
    NotShipped,
    /// There was no mirror: the snapshot is now the hall's mirror.
    Installed {
        /// The snapshot's block.
        block: u64,
    },
    /// The mirror was older (or unusable, or of another registry) and was replaced.
    Replaced {
        /// The snapshot's block.
        block: u64,
        /// What the old mirror was.
        previous: String,
    },
    /// The mirror is at the snapshot's block or newer, and was kept.
    Kept {
        /// The mirror's block.
        block: u64,
    },
    /// The mirror is open in another program (the app): left alone.
    InUse,
}

/// A bundle applied.
#[derive(Debug, Clone)]
pub struct Applied {
    /// The bundle, as checked.
    pub verified: VerifiedBundle,
    /// Where it was written.
    pub path: PathBuf,
    /// The mirror snapshot's fate.
    pub mirror: MirrorOutcome,
}

impl Machine {
    /// The applied bundle's path.
    pub fn applied_path(&self) -> PathBuf {
        self.config_dir.join(APPLIED_FILE)
    }

    /// The hall's mirror.
    pub fn mirror_path(&self) -> PathBuf {
        self.data_dir.join(MIRROR_FILE)
    }

    /// The bundle applied on this machine, its signature checked against its own authority
    /// (so an edited file is noticed; whom to trust is [`Machine::load`]'s question).
    pub fn installed(&self) -> Result<Option<SignedBundle>, BundleError> {
        let path = self.applied_path();
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(BundleError::unreadable(&path, e)),
        };
        // A damaged or edited applied file blocks every update: say how to get out of that.
        let damaged = |e: BundleError| {
            BundleError {
            action: format!(
                "remove {} and apply the hall's bundle again (with the authority's key in authority.pub or --authority)",
                path.display()
            ),
            ..e
        }
        };
        let envelope = Envelope::parse(&bytes, &path).map_err(damaged)?;
        let signer = *envelope.signer();
        envelope
            .open(&signer, "the bundle itself", &path)
            .map(Some)
            .map_err(damaged)
    }

    /// The trusted authority: `explicit`, else the authority file, else the applied bundle's.
    pub fn anchor(
        &self,
        explicit: Option<PublicKey>,
        installed: Option<&SignedBundle>,
    ) -> Result<Anchor, BundleError> {
        if let Some(key) = explicit {
            return Ok(Anchor {
                key,
                source: TrustSource::Explicit,
            });
        }
        if self.authority_file.is_file() {
            return Ok(Anchor {
                key: read_public_key_file(&self.authority_file)?,
                source: TrustSource::AuthorityFile(self.authority_file.clone()),
            });
        }
        if let Some(b) = installed {
            return Ok(Anchor {
                key: *b.authority(),
                source: TrustSource::Applied(self.applied_path()),
            });
        }
        Err(BundleError::no_trust_anchor(&self.authority_file))
    }

    /// The applied bundle, checked against the trusted authority (for the app at start and the
    /// health check); `None` when no bundle was applied.
    pub fn load(
        &self,
        explicit: Option<PublicKey>,
    ) -> Result<Option<(SignedBundle, TrustSource)>, BundleError> {
        let Some(installed) = self.installed()? else {
            return Ok(None);
        };
        let anchor = self.anchor(explicit, Some(&installed))?;
        if installed.authority().alg() != anchor.key.alg() {
            return Err(BundleError::algorithm_mismatch(
                &self.applied_path(),
                installed.authority().alg(),
                &anchor.key,
                &anchor.source.to_string(),
            ));
        }
        if *installed.authority() != anchor.key {
            return Err(BundleError::untrusted_key(
                &self.applied_path(),
                &key_hex(installed.authority()),
                &key_hex(&anchor.key),
                &anchor.source.to_string(),
            ));
        }
        Ok(Some((installed, anchor.source)))
    }

    /// Checks the bundle at `path` for this machine, without changing anything: signature by
    /// the trusted authority, content, hall, version, and the mirror snapshot beside it.
    pub fn verify(&self, path: &Path, expect: &Expect) -> Result<VerifiedBundle, BundleError> {
        let scratch =
            tempfile::tempdir().map_err(|e| BundleError::write(&std::env::temp_dir(), e))?;
        let (verified, _) = self.verify_in(path, expect, scratch.path())?;
        Ok(verified)
    }

    /// Verifies the bundle at `path`, then applies it: the mirror snapshot first (when the
    /// hall has no mirror or an older one), then the bundle, written atomically as
    /// `applied-bundle.json` (0644). Applying the bundle already applied changes nothing but
    /// still installs its snapshot if the mirror needs it, so a run cut short can be repeated.
    pub fn apply(&self, path: &Path, expect: &Expect) -> Result<Applied, BundleError> {
        let (verified, checked) = self.verify_in(path, expect, &self.data_dir)?;
        let mirror = match (checked, &verified.bundle.settings().mirror_snapshot) {
            (Some(copy), Some(info)) => self.install_mirror(copy, info)?,
            _ => MirrorOutcome::NotShipped,
        };
        let target = self.applied_path();
        if !verified.unchanged {
            write_atomic(&target, verified.bundle.bytes(), 0o644)?;
        }
        Ok(Applied {
            verified,
            path: target,
            mirror,
        })
    }

    fn verify_in(
        &self,
        path: &Path,
        expect: &Expect,
        scratch: &Path,
    ) -> Result<(VerifiedBundle, Option<tempfile::NamedTempFile>), BundleError> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(BundleError::no_bundle(path))
            }
            Err(e) => return Err(BundleError::unreadable(path, e)),
        };
        let envelope = Envelope::parse(&bytes, path)?;
        let installed = self.installed()?;
        let anchor = self.anchor(expect.authority, installed.as_ref())?;
        let bundle = envelope.open(&anchor.key, &anchor.source.to_string(), path)?;

        let applied = self.applied_path();
        if let Some(hall) = expect.hall.as_deref().map(str::trim) {
            if bundle.hall() != hall {
                return Err(BundleError::other_hall(
                    path,
                    bundle.hall(),
                    hall,
                    "as given with --hall",
                    &applied,
                ));
            }
        }
        let mut unchanged = false;
        if let Some(old) = &installed {
            if bundle.hall() != old.hall() {
                return Err(BundleError::other_hall(
                    path,
                    bundle.hall(),
                    old.hall(),
                    "the bundle applied on it",
                    &applied,
                ));
            }
            if bundle.authority() != old.authority() {
                return Err(BundleError::authority_changed(
                    path,
                    &key_hex(bundle.authority()),
                    &key_hex(old.authority()),
                    &applied,
                ));
            }
            unchanged = bundle.same_content(old);
            if !unchanged && bundle.version() <= old.version() {
                return Err(BundleError::not_newer(
                    path,
                    bundle.version(),
                    old.version(),
                ));
            }
        }

        let (snapshot, checked) = match &bundle.settings().mirror_snapshot {
            None => (None, None),
            Some(info) => {
                let file = path
                    .parent()
                    .unwrap_or_else(|| Path::new("."))
                    .join(&info.file);
                let copy = check_snapshot(path, &file, info, scratch)?;
                (Some(file), Some(copy))
            }
        };
        Ok((
            VerifiedBundle {
                bundle,
                trusted_by: anchor.source,
                installed: installed.as_ref().map(SignedBundle::version),
                unchanged,
                snapshot,
            },
            checked,
        ))
    }

    /// Puts a checked snapshot copy in place as the hall's mirror if the hall has none, or an
    /// older, unusable or other registry's one.
    fn install_mirror(
        &self,
        copy: tempfile::NamedTempFile,
        info: &SnapshotInfo,
    ) -> Result<MirrorOutcome, BundleError> {
        let target = self.mirror_path();
        let mut previous = None;
        if target.exists() {
            let existing = match Mirror::open(&target, &info.registry) {
                Ok(m) => match m.cursor() {
                    Ok(Some(c)) => Ok(c.number),
                    Ok(None) => Err("a mirror that had never synced".to_string()),
                    Err(e) => Err(format!("an unreadable mirror ({e})")),
                },
                Err(MirrorError::OtherRegistry { found, .. }) => {
                    Err(format!("a mirror of another registry ({found})"))
                }
                Err(e) => Err(format!("an unreadable mirror ({e})")),
            };
            // Our connection is closed here; a write-ahead log still beside the file means
            // another program (the app) has it open, and replacing it under that program
            // would corrupt it.
            if wal_path(&target).exists() {
                return Ok(MirrorOutcome::InUse);
            }
            match existing {
                Ok(block) if block >= info.block => return Ok(MirrorOutcome::Kept { block }),
                Ok(block) => previous = Some(format!("a mirror at block {block}")),
                Err(what) => previous = Some(what),
            }
        }
        set_mode(copy.path(), 0o644).map_err(|e| BundleError::write(&target, e))?;
        give_to_folder_owner(copy.path(), &self.data_dir);
        copy.persist(&target)
            .map_err(|e| BundleError::write(&target, e.error))?;
        sync_dir(&self.data_dir);
        Ok(match previous {
            None => MirrorOutcome::Installed { block: info.block },
            Some(previous) => MirrorOutcome::Replaced {
                block: info.block,
                previous,
            },
        })
    }
}

fn wal_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// Copies the snapshot into `scratch` while hashing it (with the hash the bundle names it by:
/// SHA-256, or SM3 under the national profile), so what is checked is exactly what will be
/// installed; then opens the copy as a mirror of the bundle's registry and compares its cursor
/// with the bundle's.
fn check_snapshot(
    bundle_path: &Path,
    file: &Path,
    info: &SnapshotInfo,
    scratch: &Path,
) -> Result<tempfile::NamedTempFile, BundleError> {
    let mut source = match std::fs::File::open(file) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(BundleError::snapshot_missing(bundle_path, file))
        }
        Err(e) => return Err(BundleError::unreadable(file, e)),
    };
    std::fs::create_dir_all(scratch).map_err(|e| BundleError::write(scratch, e))?;
    let mut copy = tempfile::Builder::new()
        .prefix(".registry-mirror.")
        .suffix(".partial")
        .tempfile_in(scratch)
        .map_err(|e| BundleError::write(scratch, e))?;
    let mut hasher = info.hash.hasher();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = source
            .read(&mut buf)
            .map_err(|e| BundleError::unreadable(file, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        copy.write_all(&buf[..n])
            .map_err(|e| BundleError::write(copy.path(), e))?;
    }
    copy.as_file()
        .sync_all()
        .map_err(|e| BundleError::write(copy.path(), e))?;
    let found = hasher.finalize();
    if found != info.digest {
        return Err(BundleError::snapshot_digest(
            file,
            info.hash,
            &hex::encode(info.digest),
            &hex::encode(found),
        ));
    }
    let mirror = Mirror::open(copy.path(), &info.registry).map_err(|e| match e {
        MirrorError::OtherRegistry { found, .. } => BundleError::snapshot_mismatch(
            file,
            format!("it mirrors {found}, the bundle says {}", info.registry),
        ),
        other => BundleError::snapshot_mismatch(
            file,
            format!("it is not a usable registry mirror ({other})"),
        ),
    })?;
    let cursor = mirror
        .cursor()
        .map_err(|e| BundleError::snapshot_mismatch(file, e))?
        .ok_or_else(|| BundleError::snapshot_mismatch(file, "it has never synced"))?;
    if cursor.number != info.block || cursor.hash != info.block_hash {
        return Err(BundleError::snapshot_mismatch(
            file,
            format!(
                "it is at block {} (0x{}), the bundle says block {} (0x{})",
                cursor.number,
                hex::encode(cursor.hash),
                info.block,
                hex::encode(info.block_hash)
            ),
        ));
    }
    drop(mirror);
    Ok(copy)
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, written and
/// flushed to disk, given `mode` (Unix), then renamed over `path`. A reader sees the old file
/// or the new one, never part of one; on any error the temporary file is removed.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> Result<(), BundleError> {
    write_atomic_with(path, bytes, mode, |_| Ok(()))
}

/// [`write_atomic`] with a step run just before the rename (tests use it to fail there).
pub(crate) fn write_atomic_with(
    path: &Path,
    bytes: &[u8],
    mode: u32,
    before_rename: impl FnOnce(&Path) -> std::io::Result<()>,
) -> Result<(), BundleError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(|e| BundleError::write(path, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".partial")
        .tempfile_in(dir)
        .map_err(|e| BundleError::write(path, e))?;
    let fail = |e| BundleError::write(path, e);
    tmp.write_all(bytes).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    set_mode(tmp.path(), mode).map_err(fail)?;
    before_rename(tmp.path()).map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    sync_dir(dir);
    Ok(())
}

fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
}

/// Makes the folder's entry of a renamed file durable (Unix); best effort, as the rename
/// itself has succeeded.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// When root installs the mirror into a data folder owned by the app's user, the file goes to
/// that user, who must be able to sync it. Best effort: a failure leaves root's file, which
/// the installer's ownership step fixes.
fn give_to_folder_owner(file: &Path, folder: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let Ok(meta) = std::fs::metadata(folder) {
            if countersign_paths::is_root() && meta.uid() != 0 {
                let _ = std::os::unix::fs::chown(file, Some(meta.uid()), Some(meta.gid()));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (file, folder);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("ls")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_write_cut_short_before_the_rename_leaves_the_old_file_and_no_partial_one() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("applied-bundle.json");
        write_atomic(&path, b"old bundle", 0o644).expect("first write");

        // Everything is written and flushed to the temporary file, then the process "dies"
        // (the step before the rename fails): readers still see the old file, whole.
        let mut seen = None;
        let err = write_atomic_with(&path, b"new bundle, longer than the old", 0o644, |tmp| {
            seen = Some((
                std::fs::read(tmp).expect("temporary file"),
                std::fs::read(&path).expect("target"),
            ));
            Err(std::io::Error::other("power cut"))
        })
        .expect_err("cut short");
        assert_eq!(err.kind, crate::ErrorKind::Write);
        assert!(err.to_string().contains("power cut"), "{err}");
        let (tmp, target) = seen.expect("the step ran");
        assert_eq!(tmp, b"new bundle, longer than the old");
        assert_eq!(
            target, b"old bundle",
            "the target is untouched until the rename"
        );
        assert_eq!(std::fs::read(&path).expect("read"), b"old bundle");
        assert_eq!(
            listing(dir.path()),
            ["applied-bundle.json"],
            "no partial file left"
        );

        write_atomic(&path, b"new bundle", 0o644).expect("second write");
        assert_eq!(std::fs::read(&path).expect("read"), b"new bundle");
        assert_eq!(listing(dir.path()), ["applied-bundle.json"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o644, "readable by the app's user");
        }
    }
}
