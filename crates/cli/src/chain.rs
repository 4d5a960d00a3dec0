//! `countersign chain …`, `countersign anchor`, `countersign revoke`: the registry from the
//! command line, for governance (deploy, register issuers and verifier stations, change their
//! status), issuers (anchor, revoke) and IT staff (status, mirror sync).

use crate::{read_file, CliError};
use countersign_chain::{
    connect_first, ChainHash, Mined, Registry, RegistryError, RpcOptions, Wallet,
};
use countersign_chainstate::agree::HeadPolicy;
use countersign_chainstate::{IssuerStatus, RevocationReason};
use countersign_credential::{DidKey, RegistryRef};
use countersign_merkle::NodeHash;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Which node(s) and which registry.
#[derive(clap::Args, Clone)]
pub struct Endpoint {
    /// A chain node's JSON-RPC URL; repeat (or separate with commas) for failover, tried in order
    #[arg(long = "rpc", env = "COUNTERSIGN_RPC", value_delimiter = ',')]
    pub rpc: Vec<String>,
    /// Seconds to wait for one answer from a node
    #[arg(long, default_value_t = 10)]
    pub timeout_secs: u64,
    /// How many of the --rpc nodes must agree on a block before it is read (default: a
    /// majority of them)
    #[arg(long, env = "COUNTERSIGN_QUORUM")]
    pub quorum: Option<usize>,
    /// The chain's EVM hash: keccak256 (Ethereum, Besu, Geth, anvil) or sm3 (a national-crypto
    /// chain such as FISCO BCOS in 国密 mode)
    #[arg(long, env = "COUNTERSIGN_CHAIN_HASH", default_value = "keccak256", value_parser = parse_chain_hash)]
    pub chain_hash: ChainHash,
}

fn parse_chain_hash(text: &str) -> Result<ChainHash, String> {
    ChainHash::from_name(text).map_err(|e| e.to_string())
}

impl Endpoint {
    /// The client options these arguments ask for.
    pub fn options(&self) -> RpcOptions {
        RpcOptions {
            timeout: Duration::from_secs(self.timeout_secs.max(1)),
            chain_hash: self.chain_hash,
            ..RpcOptions::default()
        }
    }

    /// How the nodes agree on a block: `--quorum` of them (a majority by default), leaving
    /// out the newest `confirmations` blocks.
    pub fn head_policy(&self, confirmations: u64) -> Result<HeadPolicy, CliError> {
        let n = self.rpc.len();
        let mut policy = HeadPolicy::for_nodes(n);
        if let Some(q) = self.quorum {
            if q == 0 || q > n.max(1) {
                return Err(CliError::Usage(format!(
                    "--quorum {q}: it must be between 1 and the {n} node(s) given with --rpc"
                )));
            }
            policy.quorum = q;
        }
        policy.confirmations = confirmations;
        Ok(policy)
    }

    fn first(&self) -> Result<&str, CliError> {
        self.rpc.first().map(String::as_str).ok_or_else(|| {
            CliError::Usage(
                "no chain node given: pass --rpc http://… or set COUNTERSIGN_RPC".into(),
            )
        })
    }

    /// Connects to the first node that serves `registry`.
    pub fn connect(&self, registry: &RegistryRef) -> Result<Registry, CliError> {
        if self.rpc.is_empty() {
            self.first()?;
        }
        connect_first(&self.rpc, registry, &self.options()).map_err(|e| {
            if e.wrong_registry() {
                CliError::Usage(e.to_string())
            } else {
                CliError::Unavailable(e.to_string())
            }
        })
    }
}

/// The registry to use.
#[derive(clap::Args, Clone)]
pub struct RegistryArg {
    /// The registry, eip155:<chain id>:0x<address> (as printed by `chain deploy`)
    #[arg(long, env = "COUNTERSIGN_REGISTRY")]
    pub registry: RegistryRef,
}

/// A governance transaction's node, registry and account.
#[derive(clap::Args)]
pub struct Governance {
    #[command(flatten)]
    pub endpoint: Endpoint,
    #[command(flatten)]
    pub registry: RegistryArg,
    /// The governance account key file
    #[arg(long)]
    pub account_key: PathBuf,
}

impl Governance {
    /// The admin wallet and the registry behind the first node that serves it.
    fn open(&self) -> Result<(Wallet, Registry), CliError> {
        let admin = read_account(&self.account_key)?;
        Ok((admin, self.endpoint.connect(&self.registry.registry)?))
    }
}

/// `countersign chain …`
#[derive(clap::Subcommand)]
pub enum ChainCommand {
    /// Create an EVM account key for an issuer or a governance account (file mode 0600)
    Keygen {
        /// Where to write the account key file (refuses to overwrite)
        #[arg(long, short)]
        out: PathBuf,
    },
    /// Deploy a new registry; the deploying account becomes its first governance account
    Deploy {
        #[command(flatten)]
        endpoint: Endpoint,
        /// The governance account key file
        #[arg(long)]
        account_key: PathBuf,
    },
    /// Register an issuer (governance)
    RegisterIssuer {
        #[command(flatten)]
        governance: Governance,
        /// The issuer's did:key (or give --issuer-key)
        #[arg(long, conflicts_with = "issuer_key", value_parser = parse_did)]
        issuer: Option<DidKey>,
        /// The issuer's key file, for its did:key and name
        #[arg(long)]
        issuer_key: Option<PathBuf>,
        /// The EVM account the issuer anchors from, 0x…
        #[arg(long)]
        account: String,
        /// Display name (default: the name in --issuer-key)
        #[arg(long)]
        name: Option<String>,
        /// Credential types it may issue, comma separated
        #[arg(long, value_delimiter = ',')]
        types: Vec<String>,
    },
    /// Suspend, reactivate or retire an issuer (governance)
    IssuerStatus {
        #[command(flatten)]
        governance: Governance,
        /// The issuer's did:key
        #[arg(long, value_parser = parse_did)]
        issuer: DidKey,
        /// active, suspended or retired
        #[arg(long, value_parser = parse_status)]
        status: IssuerStatus,
    },
    /// Register a verifier station, a service hall, by its Ed25519 device key (governance)
    RegisterStation {
        #[command(flatten)]
        governance: Governance,
        /// The hall's Ed25519 public key: 64 hex digits (0x optional)
        #[arg(long, value_parser = parse_station_key)]
        key: [u8; 32],
        /// The EVM account it anchors its daily log digests from, 0x… (leave out for a hall
        /// without a chain account: its receipts can still be checked)
        #[arg(long)]
        account: Option<String>,
        /// Display name
        #[arg(long)]
        name: String,
    },
    /// Suspend, reactivate or retire a verifier station (governance)
    StationStatus {
        #[command(flatten)]
        governance: Governance,
        /// The hall's Ed25519 public key: 64 hex digits (0x optional)
        #[arg(long, value_parser = parse_station_key)]
        key: [u8; 32],
        /// active, suspended or retired
        #[arg(long, value_parser = parse_status)]
        status: IssuerStatus,
    },
    /// Grant or withdraw the governance role (governance)
    Admin {
        #[command(flatten)]
        governance: Governance,
        /// The account, 0x…
        #[arg(long)]
        account: String,
        /// Withdraw instead of grant
        #[arg(long)]
        withdraw: bool,
    },
    /// The node, the registry and (with --mirror) the hall's mirror. Exit 0 when all answer,
    /// 2 when the chain cannot be reached
    Status(crate::mirror::StatusArgs),
    /// Bring the hall's mirror up to date from the chain (once, or --follow)
    Sync(crate::mirror::SyncArgs),
}

/// `countersign anchor`: anchor issued batches' roots.
#[derive(clap::Args)]
pub struct AnchorArgs {
    #[command(flatten)]
    pub endpoint: Endpoint,
    /// The issuer's EVM account key file
    #[arg(long)]
    pub account_key: PathBuf,
    /// batch.json files written by `countersign issue` (all anchored in one transaction)
    #[arg(required = true)]
    pub batches: Vec<PathBuf>,
}

/// `countersign revoke`: revoke credentials, sub-batches or whole batches.
#[derive(clap::Args)]
pub struct RevokeArgs {
    #[command(flatten)]
    pub endpoint: Endpoint,
    /// The issuer's EVM account key file
    #[arg(long)]
    pub account_key: PathBuf,
    /// The registry (default: the one the credentials or batch name)
    #[arg(long, env = "COUNTERSIGN_REGISTRY")]
    pub registry: Option<RegistryRef>,
    /// Credential files (JSON, CS1 text or QR picture) to revoke one by one
    #[arg(long = "credential")]
    pub credentials: Vec<PathBuf>,
    /// A batch.json: revokes the whole batch (its root)
    #[arg(long)]
    pub batch: Option<PathBuf>,
    /// Leaf, sub-batch node or root hashes (64 hex digits)
    #[arg(long = "hash")]
    pub hashes: Vec<String>,
    /// Why: unspecified, issued-in-error, superseded, key-compromise, withdrawn, holder-changed
    /// (or the code 0–5)
    #[arg(long, value_parser = parse_reason, default_value = "unspecified")]
    pub reason: RevocationReason,
}

fn parse_did(text: &str) -> Result<DidKey, String> {
    DidKey::parse(text.trim()).map_err(|e| e.to_string())
}

fn parse_station_key(text: &str) -> Result<[u8; 32], String> {
    let trimmed = text.trim();
    let digits = trimmed
        .strip_prefix("0x")
        .or_else(|| trimmed.strip_prefix("0X"))
        .unwrap_or(trimmed);
    let bad = || format!("{text:?} is not a station key: give its 64 hex digits (0x optional)");
    if digits.len() != 64 {
        return Err(bad());
    }
    let mut key = [0; 32];
    hex::decode_to_slice(digits, &mut key).map_err(|_| bad())?;
    Ok(key)
}

fn parse_status(text: &str) -> Result<IssuerStatus, String> {
    match text.to_ascii_lowercase().as_str() {
        "active" | "reactivate" => Ok(IssuerStatus::Active),
        "suspended" | "suspend" => Ok(IssuerStatus::Suspended),
        "retired" | "retire" => Ok(IssuerStatus::Retired),
        _ => Err(format!("{text:?}: use active, suspended or retired")),
    }
}

fn parse_reason(text: &str) -> Result<RevocationReason, String> {
    let reason = match text.to_ascii_lowercase().replace('_', "-").as_str() {
        "unspecified" => RevocationReason::Unspecified,
        "issued-in-error" => RevocationReason::IssuedInError,
        "superseded" => RevocationReason::Superseded,
        "key-compromise" => RevocationReason::KeyCompromise,
        "withdrawn" => RevocationReason::Withdrawn,
        "holder-changed" => RevocationReason::HolderChanged,
        other => match other.parse::<u8>() {
            Ok(code) => RevocationReason::from_code(code),
            Err(_) => return Err(format!("{text:?} is not a revocation reason: use unspecified, issued-in-error, superseded, key-compromise, withdrawn or holder-changed")),
        },
    };
    Ok(reason)
}

/// Reads an EVM account key file.
pub fn read_account(path: &Path) -> Result<Wallet, CliError> {
    Wallet::from_key_file(&read_file(path)?)
        .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))
}

/// Writes an EVM account key file readable only by its owner; never overwrites.
pub fn write_account(path: &Path, wallet: &Wallet) -> Result<(), CliError> {
    let body = json!({
        "type": countersign_chain::wallet::ACCOUNT_KEY_TYPE,
        "address": format!("{:?}", wallet.address()),
        "privateKey": wallet.secret_hex(),
    });
    let text = serde_json::to_string_pretty(&body).map_err(|e| CliError::Failed(e.to_string()))?;
    crate::keyfile::write_private(path, &format!("{text}\n"))
}

fn parse_account(text: &str) -> Result<alloy_primitives::Address, CliError> {
    text.parse().map_err(|_| {
        CliError::Usage(format!(
            "{text:?} is not an account address (0x and 40 hex digits)"
        ))
    })
}

/// Turns a registry failure into a CLI error: refusals are the caller's to fix, outages are not.
pub fn registry_error(e: RegistryError) -> CliError {
    match e {
        RegistryError::Rpc(r) if r.is_transport() => CliError::Unavailable(r.to_string()),
        RegistryError::Refused { .. }
        | RegistryError::WrongChain { .. }
        | RegistryError::NoContract { .. }
        | RegistryError::NotRegistry { .. }
        | RegistryError::Invalid(_) => CliError::Usage(e.to_string()),
        other => CliError::Failed(other.to_string()),
    }
}

fn report(what: &str, mined: &Mined) {
    eprintln!(
        "{what}: transaction 0x{} in block {} ({} gas)",
        hex::encode(mined.tx),
        mined.block,
        mined.gas_used
    );
}

/// `countersign chain …`; returns the exit code.
pub fn run(command: &ChainCommand) -> Result<u8, CliError> {
    match command {
        ChainCommand::Keygen { out } => {
            let wallet = Wallet::generate();
            write_account(out, &wallet)?;
            println!("{:?}", wallet.address());
            eprintln!(
                "account key written to {} (mode 0600); have governance register the address above",
                out.display()
            );
        }
        ChainCommand::Deploy {
            endpoint,
            account_key,
        } => {
            let wallet = read_account(account_key)?;
            let node = endpoint.first()?;
            let probe = Registry::unchecked(
                node,
                &RegistryRef {
                    chain_id: 0,
                    address: [0; 20],
                },
                endpoint.options(),
            );
            let chain_id = probe.chain_id().map_err(registry_error)?;
            let (registry, mined) = Registry::deploy(node, chain_id, &wallet, endpoint.options())
                .map_err(registry_error)?;
            report("deployed", &mined);
            println!("{}", registry.registry());
        }
        ChainCommand::RegisterIssuer {
            governance,
            issuer,
            issuer_key,
            account,
            name,
            types,
        } => {
            let (did, key_name) = match (issuer, issuer_key) {
                (Some(did), _) => (*did, None),
                (None, Some(path)) => {
                    let issuer = crate::keyfile::read_issuer(path)?;
                    (issuer.did(), Some(issuer.name.clone()))
                }
                (None, None) => {
                    return Err(CliError::Usage(
                        "name the issuer with --issuer did:key:… or --issuer-key FILE".into(),
                    ))
                }
            };
            let name = name
                .clone()
                .or(key_name)
                .filter(|n| !n.trim().is_empty())
                .ok_or_else(|| {
                    CliError::Usage("give the issuer's display name with --name".into())
                })?;
            if types.is_empty() {
                return Err(CliError::Usage(
                    "list the credential types it may issue with --types, e.g. DiplomaCredential"
                        .into(),
                ));
            }
            let (admin, chain) = governance.open()?;
            let mined = chain
                .register_issuer(&admin, &did, parse_account(account)?, name.trim(), types)
                .map_err(registry_error)?;
            // The profile and the full public key go with the key (registry v4): an SM2 key
            // is named in the registry by its SM3.
            report(
                &format!("registered ({} profile, {})", did.profile(), did.alg()),
                &mined,
            );
            println!("{did}");
        }
        ChainCommand::IssuerStatus {
            governance,
            issuer,
            status,
        } => {
            let (admin, chain) = governance.open()?;
            let mined = chain
                .set_issuer_status(&admin, issuer, *status)
                .map_err(registry_error)?;
            report("status changed", &mined);
        }
        ChainCommand::RegisterStation {
            governance,
            key,
            account,
            name,
        } => {
            let name = name.trim();
            if name.is_empty() {
                return Err(CliError::Usage(
                    "give the station's display name with --name".into(),
                ));
            }
            let account = account
                .as_deref()
                .map(|a| parse_account(a).map(|a| a.into_array()))
                .transpose()?;
            let (admin, chain) = governance.open()?;
            let mined = chain
                .register_station(&admin, *key, account, name)
                .map_err(registry_error)?;
            report("registered", &mined);
            println!("0x{}", hex::encode(key));
        }
        ChainCommand::StationStatus {
            governance,
            key,
            status,
        } => {
            let (admin, chain) = governance.open()?;
            let mined = chain
                .set_station_status(&admin, *key, *status)
                .map_err(registry_error)?;
            report("status changed", &mined);
        }
        ChainCommand::Admin {
            governance,
            account,
            withdraw,
        } => {
            let (admin, chain) = governance.open()?;
            let mined = chain
                .set_admin(&admin, parse_account(account)?, !withdraw)
                .map_err(registry_error)?;
            report(if *withdraw { "withdrawn" } else { "granted" }, &mined);
        }
        ChainCommand::Status(args) => return crate::mirror::status(args),
        ChainCommand::Sync(args) => return crate::mirror::sync(args),
    }
    Ok(0)
}

/// A batch.json as written by `countersign issue`.
struct BatchFile {
    registry: Option<RegistryRef>,
    issuer: DidKey,
    root: NodeHash,
}

fn read_batch(path: &Path) -> Result<BatchFile, CliError> {
    let bad =
        |why: String| CliError::Usage(format!("{} is not a batch.json: {why}", path.display()));
    let value = countersign_jcs::parse_strict_with(
        &read_file(path)?,
        &countersign_jcs::Limits {
            max_depth: 32,
            max_bytes: 512 * 1024 * 1024,
        },
    )
    .map_err(|e| bad(e.to_string()))?;
    let text = |key: &str| value.get(key).and_then(|v| v.as_str());
    let registry = match text("registry") {
        Some(r) => Some(r.parse().map_err(|e| bad(format!("registry: {e}")))?),
        None => None,
    };
    let issuer = DidKey::parse(text("issuer").ok_or_else(|| bad("issuer is missing".into()))?)
        .map_err(|e| bad(format!("issuer: {e}")))?;
    let root = NodeHash::from_hex(text("root").ok_or_else(|| bad("root is missing".into()))?)
        .map_err(|e| bad(format!("root: {e}")))?;
    Ok(BatchFile {
        registry,
        issuer,
        root,
    })
}

/// Anchors the roots of these batches in one transaction; returns the registry used.
pub fn anchor_batches(
    endpoint: &Endpoint,
    account_key: &Path,
    batches: &[PathBuf],
) -> Result<RegistryRef, CliError> {
    let wallet = read_account(account_key)?;
    let mut registry = None;
    let mut roots = Vec::new();
    for path in batches {
        let batch = read_batch(path)?;
        let named = batch.registry.ok_or_else(|| {
            CliError::Usage(format!(
                "{} was issued without --registry: its credentials carry no anchoring proof, so anchoring it would not help them verify; issue again with --registry",
                path.display()
            ))
        })?;
        if registry.is_some_and(|r: RegistryRef| r != named) {
            return Err(CliError::Usage(
                "these batches name different registries: anchor them separately".into(),
            ));
        }
        registry = Some(named);
        roots.push((batch.issuer, batch.root));
    }
    let registry = registry.ok_or_else(|| CliError::Usage("no batch given".into()))?;
    let chain = endpoint.connect(&registry)?;
    // Say which issuer the account anchors for before sending: anchoring from the wrong
    // account would be refused anyway, but the reason is clearer here.
    for (issuer, _) in &roots {
        let record = chain.issuer(issuer, None).map_err(registry_error)?;
        match record {
            None => {
                return Err(CliError::Usage(format!(
                    "issuer {issuer} is not registered on {registry}: ask governance to register it first"
                )))
            }
            Some(r) if r.account != wallet.address().into_array() => {
                return Err(CliError::Usage(format!(
                    "issuer {issuer} anchors from 0x{}, but --account-key is {:?}",
                    hex::encode(r.account),
                    wallet.address()
                )))
            }
            Some(_) => {}
        }
    }
    let list: Vec<NodeHash> = roots.iter().map(|(_, r)| *r).collect();
    let mined = chain.anchor_roots(&wallet, &list).map_err(registry_error)?;
    report(&format!("anchored {} root(s)", list.len()), &mined);
    for root in &list {
        println!("{root}");
    }
    Ok(registry)
}

/// `countersign revoke`.
pub fn revoke(args: &RevokeArgs) -> Result<u8, CliError> {
    let mut hashes = Vec::new();
    let mut registry = args.registry;
    for text in &args.hashes {
        hashes.push(NodeHash::from_hex(text.trim()).map_err(|e| CliError::Usage(e.to_string()))?);
    }
    if let Some(path) = &args.batch {
        let batch = read_batch(path)?;
        registry = registry.or(batch.registry);
        hashes.push(batch.root);
    }
    for path in &args.credentials {
        let bytes = read_file(path)?;
        let text = credential_json(&bytes)
            .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
        let document = text
            .as_object()
            .ok_or_else(|| CliError::Usage(format!("{} is not a credential", path.display())))?;
        let leaf = countersign_credential::anchor::credential_leaf(document)
            .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
        if registry.is_none() {
            registry = countersign_credential::anchor::AnchorProof::from_document(document)
                .ok()
                .map(|p| p.registry);
        }
        hashes.push(leaf);
    }
    if hashes.is_empty() {
        return Err(CliError::Usage(
            "nothing to revoke: give --credential FILE, --batch batch.json or --hash HEX".into(),
        ));
    }
    let registry = registry.ok_or_else(|| {
        CliError::Usage("which registry? pass --registry eip155:<chain id>:0x<address>".into())
    })?;
    let wallet = read_account(&args.account_key)?;
    let chain = args.endpoint.connect(&registry)?;
    let mined = chain
        .revoke(&wallet, &hashes, args.reason)
        .map_err(registry_error)?;
    report(
        &format!("revoked {} hash(es) ({})", hashes.len(), args.reason.name()),
        &mined,
    );
    for h in &hashes {
        println!("{h}");
    }
    Ok(0)
}

/// A credential from a file's bytes: JSON, a CS1 payload, or a picture of its QR code.
fn credential_json(bytes: &[u8]) -> Result<serde_json::Value, String> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) if t.trim_start().starts_with('{') => return parse_json(t.as_bytes()),
        Ok(t) if countersign_payload::looks_like_payload(t.trim()) => t.trim().to_string(),
        _ => countersign_qr::decode_bytes(bytes)
            .map_err(|e| e.to_string())?
            .into_iter()
            .find(|t| countersign_payload::looks_like_payload(t))
            .ok_or("the picture holds no Countersign QR code")?,
    };
    let json = countersign_payload::decode(text.trim()).map_err(|e| e.to_string())?;
    parse_json(&json)
}

fn parse_json(bytes: &[u8]) -> Result<serde_json::Value, String> {
    countersign_jcs::parse_strict(bytes).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::parse_station_key;

    #[test]
    fn station_keys_are_64_hex_digits_with_or_without_0x() {
        let hex = "ab".repeat(32);
        assert_eq!(parse_station_key(&hex), Ok([0xab; 32]));
        assert_eq!(parse_station_key(&format!(" 0x{hex} ")), Ok([0xab; 32]));
        assert_eq!(
            parse_station_key(&format!("0X{}", hex.to_uppercase())),
            Ok([0xab; 32])
        );
        for bad in [
            "",
            "0x",
            "ab",
            &"ab".repeat(33),
            &"zz".repeat(32),
            &format!("0x0x{hex}"),
        ] {
            assert!(parse_station_key(bad).is_err(), "{bad:?}");
        }
    }
}
