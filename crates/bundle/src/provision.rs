//! The counter PC's provisioning use cases, one for every front end: applying a hall bundle
//! (`countersign provision apply` names a file; the app's setup screen hands over the bytes of
//! the file IT picked and the authority key IT typed) and recording which of the hall's
//! counters the PC is (the setup screen).

use crate::error::BundleError;
use crate::machine::{Applied, Expect, Machine};
use crate::sign::parse_public_key;
use countersign_crypto::PublicKey;
use std::path::{Path, PathBuf};

/// The name under which bundle bytes are staged in the machine's data folder while they are
/// checked and applied (removed afterwards).
pub const INCOMING_FILE: &str = "incoming.bundle";

/// A hall bundle to apply.
#[derive(Debug, Clone, Copy)]
pub enum Incoming<'a> {
    /// A bundle file. The mirror snapshot it may ship is read from beside it.
    File(&'a Path),
    /// A bundle's bytes (what the setup screen read from the file IT chose). They are staged as
    /// [`INCOMING_FILE`] in the data folder, so a bundle that ships a mirror snapshot is refused
    /// this way (`snapshot.missing`): its snapshot is not beside the staged copy.
    Bytes(&'a [u8]),
}

/// Why a bundle was not applied.
#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    /// The authority key typed in is not a public key's text (64 hex digits for Ed25519, `sm2:`
    /// and 66 hex digits for SM2).
    #[error("the authority key typed in is not usable: {0}")]
    AuthorityKey(String),
    /// The machine's folders could not be made, or the bundle's bytes not staged in them.
    #[error("cannot stage the bundle at {}: {source}", path.display())]
    Stage {
        /// The folder or file that could not be written.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The bundle (or its trust, or its snapshot) was refused, or a file could not be read or
    /// written.
    #[error(transparent)]
    Bundle(#[from] BundleError),
}

/// Applies a hall bundle on `machine`, trusting what `expect` says: verified (signature by the
/// trusted authority, hall, version, snapshot) and then written, as [`Machine::apply`] does.
/// Bytes are first staged in the data folder (the data and configuration folders are made if
/// missing) and removed again whatever the outcome.
pub fn apply(
    machine: &Machine,
    incoming: Incoming<'_>,
    expect: &Expect,
) -> Result<Applied, ProvisionError> {
    let bytes = match incoming {
        Incoming::File(path) => return Ok(machine.apply(path, expect)?),
        Incoming::Bytes(bytes) => bytes,
    };
    for dir in [&machine.data_dir, &machine.config_dir] {
        std::fs::create_dir_all(dir).map_err(|source| ProvisionError::Stage {
            path: dir.clone(),
            source,
        })?;
    }
    let staged = machine.data_dir.join(INCOMING_FILE);
    std::fs::write(&staged, bytes).map_err(|source| ProvisionError::Stage {
        path: staged.clone(),
        source,
    })?;
    let applied = machine.apply(&staged, expect);
    let _ = std::fs::remove_file(&staged);
    Ok(applied?)
}

/// The setup screen's way to apply: a bundle's bytes, trusting the authority key IT typed in
/// (its text, [`crate::key_hex`]; blank: none, so the machine's authority file), for whichever
/// hall the bundle is (the PC has none yet). A key typed in is never taken for a file name:
/// the screen does not get to name files on the PC.
pub fn apply_bytes(
    machine: &Machine,
    bytes: impl AsRef<[u8]>,
    typed_authority: Option<&str>,
) -> Result<Applied, ProvisionError> {
    let expect = Expect {
        authority: typed_key(typed_authority)?,
        hall: None,
    };
    apply(machine, Incoming::Bytes(bytes.as_ref()), &expect)
}

fn typed_key(text: Option<&str>) -> Result<Option<PublicKey>, ProvisionError> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| parse_public_key(t).map_err(ProvisionError::AuthorityKey))
        .transpose()
}

/// Why a counter was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum CounterError {
    /// The id is not one of the hall's counters.
    #[error("{id:?} is not one of this hall's counters")]
    Unknown {
        /// The id asked for.
        id: String,
    },
    /// The counter file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The counter file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
}

/// Records that this PC is counter `id`, one of the hall's `counters` (their ids), as the id
/// and a newline in `file` (the front end names the file and reads it at start).
pub fn choose_counter<'a>(
    counters: impl IntoIterator<Item = &'a str>,
    id: &str,
    file: &Path,
) -> Result<(), CounterError> {
    if !counters.into_iter().any(|c| c == id) {
        return Err(CounterError::Unknown { id: id.to_string() });
    }
    std::fs::write(file, format!("{id}\n")).map_err(|source| CounterError::Write {
        path: file.to_path_buf(),
        source,
    })
}
