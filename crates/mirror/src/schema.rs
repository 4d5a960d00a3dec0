//! The mirror's tables and their migrations, versioned with `PRAGMA user_version`.
//!
//! Keys and hashes are 32-byte BLOBs, accounts 20-byte BLOBs, times Unix seconds (block times
//! are whole seconds). Every event row keeps its block number, so undoing a reorganisation is
//! `DELETE … WHERE block > fork` on each table.

use crate::MirrorError;
use rusqlite::{Connection, TransactionBehavior};

/// Migration `i` takes the file from version `i` to `i + 1`. Append only: a released migration
/// is never edited, since files in halls already went through it.
const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5];

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

const V1: &str = "
-- One row: which registry the file mirrors and the block it reflects (the cursor).
CREATE TABLE meta (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    registry TEXT NOT NULL,
    cursor_block INTEGER,
    cursor_hash BLOB,
    cursor_time INTEGER,
    -- When a sync last reached the head (less confirmations): the mirror's freshness.
    synced_at INTEGER
) STRICT;

-- Every block that had events, and every cursor: where to look for the fork point after a
-- reorganisation. time is null for a block whose events carry no time (admin changes only).
CREATE TABLE blocks (
    number INTEGER PRIMARY KEY,
    hash BLOB NOT NULL,
    time INTEGER
) STRICT;

CREATE TABLE admin_changes (
    block INTEGER NOT NULL,
    log_index INTEGER NOT NULL,
    account BLOB NOT NULL,
    admin INTEGER NOT NULL,
    PRIMARY KEY (block, log_index)
) STRICT, WITHOUT ROWID;

-- The registry refuses a second registration of a key, so the key is the identity.
CREATE TABLE issuers (
    key BLOB PRIMARY KEY,
    account BLOB NOT NULL,
    name TEXT NOT NULL,
    credential_types TEXT NOT NULL,
    block INTEGER NOT NULL,
    log_index INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- status: the registry's codes (1 active, 2 suspended, 3 retired).
CREATE TABLE issuer_status (
    block INTEGER NOT NULL,
    log_index INTEGER NOT NULL,
    issuer BLOB NOT NULL,
    status INTEGER NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (block, log_index)
) STRICT, WITHOUT ROWID;
CREATE INDEX issuer_status_by_issuer ON issuer_status (issuer, block, log_index);

-- The registry refuses anchoring a root twice, so the root is the identity.
CREATE TABLE anchors (
    root BLOB PRIMARY KEY,
    issuer BLOB NOT NULL,
    block INTEGER NOT NULL,
    log_index INTEGER NOT NULL,
    at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Kept per issuer, like the registry: one issuer's revocation never speaks for another's.
CREATE TABLE revocations (
    issuer BLOB NOT NULL,
    hash BLOB NOT NULL,
    reason INTEGER NOT NULL,
    block INTEGER NOT NULL,
    log_index INTEGER NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (issuer, hash)
) STRICT, WITHOUT ROWID;
";

/// Verifier stations (service halls), added with the registry's station role.
const V2: &str = "
-- The registry refuses a second registration of a key, so the key (the hall's Ed25519 device
-- key) is the identity. account is 20 zero bytes for a hall registered without a chain account.
CREATE TABLE stations (
    key BLOB PRIMARY KEY,
    account BLOB NOT NULL,
    name TEXT NOT NULL,
    block INTEGER NOT NULL,
    log_index INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- status: the registry's codes (1 active, 2 suspended, 3 retired), at: block time. Kept as
-- history rather than a status column on stations, so that undoing a reorganisation stays one
-- DELETE … WHERE block > fork per table; a station's status is its latest row here.
CREATE TABLE station_status (
    block INTEGER NOT NULL,
    log_index INTEGER NOT NULL,
    station BLOB NOT NULL,
    status INTEGER NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (block, log_index)
) STRICT, WITHOUT ROWID;
CREATE INDEX station_status_by_station ON station_status (station, block, log_index);
";

/// The registry's `eventHead` and `eventCount` (PROTOCOL.md §7.1.2), and the last block with
/// events, at the cursor and at every recorded block, so a page can be proved to continue what is recorded and a rollback knows
/// the head at the block it keeps. Null in a file synced before: such a file cannot be proved
/// and is synced again from the deployment block.
const V3: &str = "
ALTER TABLE meta ADD COLUMN event_head BLOB;
ALTER TABLE meta ADD COLUMN event_count INTEGER;
ALTER TABLE meta ADD COLUMN event_block INTEGER;
ALTER TABLE blocks ADD COLUMN event_head BLOB;
ALTER TABLE blocks ADD COLUMN event_count INTEGER;
ALTER TABLE blocks ADD COLUMN event_block INTEGER;
";

/// The chain's EVM hash the event heads are folded with (`keccak256`, or `sm3` on a
/// national-crypto chain, PROTOCOL.md §7.3). Every file before this was a Keccak-256 chain's.
const V4: &str = "
ALTER TABLE meta ADD COLUMN chain_hash TEXT NOT NULL DEFAULT 'keccak256'
    CHECK (chain_hash IN ('keccak256', 'sm3'));
";

/// Each issuer's profile (1 standard, 2 guomi) and full public key, as registry v4 records them
/// (PROTOCOL.md §7): an SM2 issuer's key is SM3 of its 33-byte public key, which is kept here
/// and checked against the key whenever the issuer is read. Every issuer recorded before was a
/// standard one, whose key is its Ed25519 public key.
const V5: &str = "
ALTER TABLE issuers ADD COLUMN profile INTEGER NOT NULL DEFAULT 1;
ALTER TABLE issuers ADD COLUMN public_key BLOB NOT NULL DEFAULT x'';
UPDATE issuers SET public_key = key;
";

/// Brings the file up to [`SCHEMA_VERSION`], refusing a file written by a newer build.
///
/// No backup is taken before migrating: the mirror is rebuilt from the chain if lost.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), MirrorError> {
    // Immediate: two processes opening a fresh file at once must not both create the tables.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(MirrorError::TooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    let done = usize::try_from(found)
        .map_err(|_| MirrorError::Corrupt(format!("negative schema version {found}")))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Mirror;
    use countersign_chainstate::events::{BlockRef, LoggedEvent, RegistryEvent};
    use countersign_chainstate::{ChainState, IssuerStatus, RevocationReason};
    use countersign_credential::{DidKey, RegistryRef};
    use countersign_merkle::NodeHash;

    const ISSUER: &str = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";

    fn registry() -> RegistryRef {
        RegistryRef {
            chain_id: 31337,
            address: [0x5a; 20],
        }
    }

    /// A file as a build with only the first migration left it: tables, version 1, one
    /// issuer, an anchor, a revocation and a cursor. It goes through every migration since,
    /// the issuers' profiles and public keys (version 5) included.
    fn version_1_file(path: &std::path::Path) {
        let conn = Connection::open(path).expect("create");
        conn.execute_batch(V1).expect("migration 1");
        conn.pragma_update(None, "user_version", 1)
            .expect("version");
        let key = DidKey::parse(ISSUER).expect("did").registry_key();
        conn.execute_batch(&format!(
            "INSERT INTO meta VALUES (1, '{}', 4, x'{h}', 1772352048, 1772352050);
             INSERT INTO blocks VALUES (2, x'{h}', 1772352024), (3, x'{h}', 1772352036),
                                       (4, x'{h}', 1772352048);
             INSERT INTO issuers VALUES (x'{k}', x'{a}', '京华大学', '[\"DiplomaCredential\"]', 2, 0);
             INSERT INTO issuer_status VALUES (2, 1, x'{k}', 1, 1772352024);
             INSERT INTO anchors VALUES (x'{r}', x'{k}', 3, 0, 1772352036);
             INSERT INTO revocations VALUES (x'{k}', x'{l}', 2, 4, 0, 1772352048);",
            registry(),
            h = "b0".repeat(32),
            k = hex::encode(key),
            a = "11".repeat(20),
            r = "aa".repeat(32),
            l = "bb".repeat(32),
        ))
        .expect("version 1 rows");
    }

    #[test]
    fn a_version_1_file_is_migrated_and_keeps_its_data() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("mirror.sqlite");
        version_1_file(&path);

        let mut mirror = Mirror::open(&path, &registry()).expect("migrate");
        let version: i64 = Connection::open(&path)
            .and_then(|c| c.pragma_query_value(None, "user_version", |r| r.get(0)))
            .expect("version");
        assert_eq!(version, SCHEMA_VERSION);
        assert_eq!(SCHEMA_VERSION, 5);
        assert_eq!(
            mirror.chain_hash().expect("hash"),
            countersign_chainstate::ChainHash::Keccak256
        );
        // Its events were never proved: it has no event head, and its next sync starts over.
        assert_eq!(mirror.event_head().expect("head"), None);

        let did = DidKey::parse(ISSUER).expect("did");
        let issuer = mirror.issuer(&did).expect("read").expect("kept");
        assert_eq!(
            (issuer.name.as_str(), issuer.account, issuer.history.len()),
            ("京华大学", [0x11; 20], 1)
        );
        // Every issuer before registry v4 was a standard one, whose key is its public key.
        assert_eq!(issuer.profile.code(), 1, "standard");
        let (profile, public_key): (i64, Vec<u8>) = Connection::open(&path)
            .and_then(|c| {
                c.query_row("SELECT profile, public_key FROM issuers", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
            })
            .expect("columns");
        assert_eq!((profile, public_key), (1, did.registry_key().to_vec()));
        let anchor = mirror
            .anchor(&NodeHash([0xaa; 32]))
            .expect("read")
            .expect("kept");
        assert_eq!((anchor.issuer, anchor.block), (did, 3));
        let revoked = mirror
            .revocation(&did, &NodeHash([0xbb; 32]))
            .expect("read")
            .expect("kept");
        assert_eq!(revoked.reason, RevocationReason::Superseded);
        let cursor = mirror.cursor().expect("cursor").expect("kept");
        assert_eq!((cursor.number, cursor.hash), (4, [0xb0; 32]));
        let counts = mirror.counts().expect("counts");
        assert_eq!((counts.issuers, counts.stations, counts.events), (1, 0, 4));

        // The new tables work, on top of the old data.
        let at = cursor.time + chrono::Duration::seconds(12);
        let logged = |log_index, event| LoggedEvent {
            block: 5,
            block_hash: [0xb5; 32],
            log_index,
            tx_hash: [0x77; 32],
            leaf: [0x1e; 32],
            event,
        };
        let events = [
            logged(
                0,
                RegistryEvent::StationRegistered {
                    station: [0x33; 32],
                    account: [0; 20],
                    name: "某区政务服务中心".into(),
                },
            ),
            logged(
                1,
                RegistryEvent::StationStatusChanged {
                    station: [0x33; 32],
                    status: IssuerStatus::Active,
                    at,
                },
            ),
        ];
        let next = BlockRef {
            number: 5,
            hash: [0xb5; 32],
            time: at,
        };
        assert_eq!(mirror.apply(&events, next).expect("apply"), 2);
        let station = mirror.station(&[0x33; 32]).expect("read").expect("new");
        assert_eq!(
            (station.name.as_str(), station.status),
            ("某区政务服务中心", IssuerStatus::Active)
        );
        drop(mirror);

        // Opening again migrates nothing more.
        let mirror = Mirror::open(&path, &registry()).expect("reopen");
        assert_eq!(mirror.counts().expect("counts").events, 6);
    }
}
