//! `countersign provision …`: the provincial IT authority's side (keygen, create, sign) and
//! the counter PC's side (inspect, apply) of signed hall bundles. The format and every check
//! live in `countersign-bundle`; this reads arguments and files and prints.
//!
//! The authority's commands take `--profile standard|guomi` (or `--algorithm ed25519|sm2`),
//! standard unless said: `keygen` makes a key of the profile's algorithm, `create` writes the
//! hall's `crypto` member, `sign` signs only with a key of the profile's algorithm (so an SM2
//! key is never used by mistake where Ed25519 was meant, nor the reverse).
//!
//! Exit codes: 0 done, 1 refused (the bundle, its trust or its snapshot), 3 usage or an
//! unreadable input.

use crate::{read_file, CliError};
use chrono::{SecondsFormat, Utc};
use countersign_bundle::provision::{self, Incoming, ProvisionError};
use countersign_bundle::{
    sign, write_atomic, write_snapshot, AuthorityKey, Bundle, BundleError, CryptoEntry, ErrorKind,
    Expect, Machine, MirrorOutcome, Scanner, Settings, VerifiedBundle, FORMAT,
};
use countersign_crypto::{Profile, PublicKey, SigAlg};
use countersign_paths as paths;
use countersign_station::Mask;
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

/// Whom to trust, for inspect, apply and doctor.
#[derive(clap::Args, Clone)]
pub struct TrustArgs {
    /// The provincial IT authority's public key (64 hex digits; an SM2 key: sm2: and 66 hex
    /// digits) or a file holding it; else the machine's authority file, else the authority of
    /// the bundle already applied
    #[arg(long, env = "COUNTERSIGN_AUTHORITY")]
    pub authority: Option<String>,
    /// The machine's authority file (default /etc/countersign/authority.pub)
    #[arg(long, env = "COUNTERSIGN_AUTHORITY_FILE", hide = true)]
    pub authority_file: Option<PathBuf>,
}

impl TrustArgs {
    /// The explicit authority key, if given.
    pub fn explicit(&self) -> Result<Option<PublicKey>, CliError> {
        self.authority
            .as_deref()
            .filter(|a| !a.trim().is_empty())
            .map(|a| {
                countersign_bundle::parse_authority(a).map_err(|e| CliError::Usage(e.to_string()))
            })
            .transpose()
    }

    /// The authority file to consult.
    pub fn authority_file(&self) -> PathBuf {
        self.authority_file
            .clone()
            .unwrap_or_else(paths::default_authority_file)
    }
}

/// Which algorithms an authority command works with: a profile, or a signature algorithm
/// (whose profile it is); the standard profile unless said.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct ProvisionAlgorithmArgs {
    /// The algorithm profile: standard (Ed25519, SHA-256) or guomi (国密: SM2, SM3)
    #[arg(long, value_parser = parse_profile, conflicts_with = "algorithm")]
    pub profile: Option<Profile>,
    /// The signature algorithm instead of a profile: ed25519 or sm2 (sm2 is the guomi profile)
    #[arg(long, value_parser = parse_sig_alg)]
    pub algorithm: Option<SigAlg>,
}

impl ProvisionAlgorithmArgs {
    /// The profile asked for: `--profile`, else `--algorithm`'s, else standard.
    pub fn profile(&self) -> Profile {
        self.profile
            .or(self.algorithm.map(Profile::of_sig))
            .unwrap_or_default()
    }
}

fn parse_profile(text: &str) -> Result<Profile, String> {
    Profile::from_name(text).map_err(|_| {
        let names: Vec<&str> = Profile::ALL.iter().map(|p| p.name()).collect();
        format!("{text:?} is not a profile: {}", names.join(" or "))
    })
}

fn parse_sig_alg(text: &str) -> Result<SigAlg, String> {
    SigAlg::from_name(text).map_err(|_| {
        let names: Vec<&str> = SigAlg::ALL.iter().map(|a| a.name()).collect();
        format!(
            "{text:?} is not a signature algorithm: {}",
            names.join(" or ")
        )
    })
}

/// `countersign provision create` arguments.
#[derive(clap::Args)]
pub struct CreateArgs {
    /// Print a commented example bundle to start a template from, and stop
    #[arg(long, exclusive = true)]
    pub template: bool,
    /// The hall id, e.g. BJ-CY-01
    #[arg(long, required_unless_present = "template")]
    pub hall: Option<String>,
    /// The hall's name as printed on receipts
    #[arg(long, required_unless_present = "template")]
    pub name: Option<String>,
    /// A template (JSON; lines starting with // are comments) the bundle starts from
    #[arg(long)]
    pub from: Option<PathBuf>,
    /// Set a member: a dotted path and a value (JSON, or plain text for text members; a
    /// comma-separated list for a list of texts), e.g. chain.endpoints=http://10.1.0.5:8545
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// The bundle's version: higher than the one the hall has
    #[arg(long, required_unless_present = "template")]
    pub version: Option<u64>,
    /// The hall's algorithm profile (the bundle's crypto member): standard (Ed25519, SHA-256;
    /// the default) or guomi (国密: SM2, SM3)
    #[arg(long, value_parser = parse_profile)]
    pub profile: Option<Profile>,
    /// Other profiles whose credentials the hall still accepts, comma separated (standard,
    /// while a province moves to guomi)
    #[arg(long, value_delimiter = ',', value_parser = parse_profile, requires = "profile")]
    pub accept: Vec<Profile>,
    /// Where to write the unsigned bundle
    #[arg(long, short, required_unless_present = "template")]
    pub out: Option<PathBuf>,
}

/// `countersign provision …`.
#[derive(clap::Subcommand)]
pub enum ProvisionCommand {
    /// Create the provincial IT authority's signing key (file mode 0600, never overwritten);
    /// prints its public key, which every counter PC trusts as /etc/countersign/authority.pub
    Keygen {
        /// Where to write the key file
        #[arg(long, short)]
        out: PathBuf,
        #[command(flatten)]
        algorithms: ProvisionAlgorithmArgs,
    },
    /// Write an unsigned hall bundle from a template and settings, to review and then sign
    Create(CreateArgs),
    /// Sign a bundle with the authority's key; with --mirror, ship a registry mirror snapshot
    /// next to it for halls installed offline
    Sign {
        /// The authority's key file
        #[arg(long)]
        key: PathBuf,
        /// The unsigned bundle (from provision create)
        bundle: PathBuf,
        /// Where to write the signed bundle
        #[arg(long, short)]
        out: PathBuf,
        /// A synced registry mirror to ship: copied next to --out as <out>.mirror.sqlite
        #[arg(long)]
        mirror: Option<PathBuf>,
        // The profile to sign under: the key must be of its algorithm, and a draft without a
        // crypto member gets this profile.
        #[command(flatten)]
        algorithms: ProvisionAlgorithmArgs,
    },
    /// Check a signed bundle as this machine would apply it, and show what it says.
    /// Exit 0 valid, 1 refused, 3 usage
    Inspect {
        /// The signed bundle
        bundle: PathBuf,
        #[command(flatten)]
        trust: TrustArgs,
        /// The machine's configuration folder (whose applied bundle is the one to update)
        #[arg(long, env = "COUNTERSIGN_CONFIG_DIR")]
        config_dir: Option<PathBuf>,
        /// Print the result as JSON
        #[arg(long)]
        json: bool,
    },
    /// Verify a signed bundle for this machine and apply it (with its mirror snapshot).
    /// Exit 0 applied, 1 refused, 3 usage
    Apply {
        /// The signed bundle (default: COUNTERSIGN_BUNDLE, else /etc/countersign/hall.bundle)
        bundle: Option<PathBuf>,
        #[command(flatten)]
        trust: TrustArgs,
        /// This machine's hall: refuse another hall's bundle
        #[arg(long, env = "COUNTERSIGN_HALL")]
        hall: Option<String>,
        /// Where the applied bundle is written (default: COUNTERSIGN_CONFIG_DIR, else
        /// /etc/countersign as root, else the user's configuration folder)
        #[arg(long, env = "COUNTERSIGN_CONFIG_DIR")]
        config_dir: Option<PathBuf>,
        /// The hall's data folder, where a shipped mirror snapshot is installed
        #[arg(long, env = "COUNTERSIGN_DATA_DIR")]
        data_dir: Option<PathBuf>,
    },
}

/// Refusals exit 1; what could not be read exits 3.
fn provision_error(e: BundleError) -> CliError {
    match e.kind {
        ErrorKind::NoBundle | ErrorKind::Unreadable | ErrorKind::KeyFile => {
            CliError::Usage(e.to_string())
        }
        _ => CliError::Failed(e.to_string()),
    }
}

/// `countersign provision …`; returns the exit code.
pub fn run(command: &ProvisionCommand) -> Result<u8, CliError> {
    match command {
        ProvisionCommand::Keygen { out, algorithms } => keygen(out, algorithms.profile()),
        ProvisionCommand::Create(args) => create(args),
        ProvisionCommand::Sign {
            key,
            bundle,
            out,
            mirror,
            algorithms,
        } => sign_bundle(key, bundle, out, mirror.as_deref(), algorithms.profile()),
        ProvisionCommand::Inspect {
            bundle,
            trust,
            config_dir,
            json,
        } => {
            let machine = Machine {
                config_dir: config_dir.clone().unwrap_or_else(paths::locate_config_dir),
                data_dir: paths::default_data_dir(),
                authority_file: trust.authority_file(),
            };
            let expect = Expect {
                authority: trust.explicit()?,
                hall: None,
            };
            inspect(&machine, bundle, &expect, *json)
        }
        ProvisionCommand::Apply {
            bundle,
            trust,
            hall,
            config_dir,
            data_dir,
        } => {
            let machine = Machine {
                config_dir: config_dir.clone().unwrap_or_else(paths::default_config_dir),
                data_dir: data_dir.clone().unwrap_or_else(paths::default_data_dir),
                authority_file: trust.authority_file(),
            };
            let expect = Expect {
                authority: trust.explicit()?,
                hall: hall.clone().filter(|h| !h.trim().is_empty()),
            };
            let path = bundle.clone().unwrap_or_else(paths::default_bundle_path);
            apply(&machine, &path, &expect)
        }
    }
}

fn keygen(out: &Path, profile: Profile) -> Result<u8, CliError> {
    let key = AuthorityKey::generate(profile.sig()).map_err(|e| CliError::Failed(e.to_string()))?;
    crate::keyfile::write_private(out, &key.to_file_text())?;
    println!("{}", key.public_text());
    eprintln!(
        "{} authority key ({} profile) written to {} (mode 0600): keep it offline. Install the public key above on every counter PC as /etc/countersign/authority.pub",
        key.alg(),
        profile,
        out.display()
    );
    Ok(0)
}

/// The commented example `provision create --template` prints.
const TEMPLATE: &str = r#"// A hall bundle template for `countersign provision create --from FILE`.
// Lines starting with // are comments. create sets format, version, issuedAt, hall.id and
// hall.name; sign sets authority (and mirrorSnapshot with --mirror). Every member is described
// in docs/PROTOCOL.md §10.
{
  "format": "countersign-hall-bundle/1",
  "version": 1,
  "issuedAt": "2026-01-01T00:00:00Z",
  "hall": {
    "id": "BJ-CY-01",
    "name": "北京市朝阳区政务服务中心",
    // Where the hall's days begin (log days, receipts).
    "utcOffset": "+08:00"
  },
  // Every counter of the hall; each PC is told which one it is on its setup screen.
  "counters": [
    {"id": "1", "name": "综合窗口 1"},
    {"id": "2", "name": "综合窗口 2"}
  ],
  "chain": {
    // The consortium's nodes, tried in order (plain http:// over the private network).
    "endpoints": ["http://chain-node-1.example:8545", "http://chain-node-2.example:8545"],
    "chainId": 31337,
    "registry": "eip155:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3",
    // The registry's governance account.
    "governance": "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
  },
  "policies": {
    // Chain state older than this warns; with failClosed a VALID becomes CANNOT CONFIRM.
    "maxChainAgeHours": 24,
    "failClosed": false,
    // Days the log keeps masked subject summaries.
    "retentionDays": 90,
    // What the log keeps of a subject, and how masked (PROTOCOL §8).
    "privacy": {
      "fields": {
        "name": {"keep": [1, 0]},
        "legalRepresentative": {"keep": [1, 0]},
        "idNumber": {"keep": [6, 4]},
        "permitNumber": {"keep": [2, 4]},
        "unifiedSocialCreditCode": {"keep": [6, 4]},
        "companyName": "clear"
      }
    },
    "autoPrint": false
  },
  // The algorithms (docs/INSTALL.md, "Choosing the national profile"): left out, the standard
  // profile alone (Ed25519, SHA-256). A province on the national profile (国密: SM2, SM3)
  // writes "guomi", and while it moves lists the profile it still accepts:
  // "crypto": {"profile": "guomi", "accept": ["standard"]},
  // Receipt printers (PROTOCOL §9.1): one per counter, and/or one for the hall (no counter).
  "printers": [
    {"counter": "1", "address": "escpos+tcp://counter-1-printer.example:9100", "paper": "80mm"},
    {"address": "ipp://hall-printer.example:631/printers/hall", "paper": "a4"}
  ],
  // "keyboard", or {"mode": "serial", "port": "/dev/ttyACM0", "baud": 9600}.
  "scanner": {"mode": "keyboard"},
  // "zh-CN" or "en".
  "language": "zh-CN",
  "updates": {
    "url": "https://updates.example.gov.cn/countersign",
    "publicKey": "the updater's public key, as the updater takes it"
  }
}
"#;

/// Drops the lines that start with `//` (after spaces), so templates can explain themselves.
fn strip_comments(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Sets the member at a dotted `path` (numbers index lists; a list's length appends).
fn set_member(root: &mut Value, path: &str, text: &str) -> Result<(), String> {
    let segments: Vec<&str> = path.split('.').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return Err(format!(
            "{path:?} is not a dotted path such as policies.failClosed"
        ));
    }
    let mut at = root;
    for (i, seg) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        let next = match at {
            Value::Object(map) => {
                if last {
                    let value = typed_value(map.get(*seg), text);
                    map.insert((*seg).to_string(), value);
                    return Ok(());
                }
                map.entry((*seg).to_string())
                    .or_insert_with(|| Value::Object(Map::new()))
            }
            Value::Array(list) => {
                let index: usize = seg
                    .parse()
                    .map_err(|_| format!("{path:?}: {seg:?} is not a list index"))?;
                if index > list.len() {
                    return Err(format!(
                        "{path:?}: index {index} is past the end of a list of {}",
                        list.len()
                    ));
                }
                if index == list.len() {
                    list.push(if last {
                        Value::Null
                    } else {
                        Value::Object(Map::new())
                    });
                }
                if last {
                    let value = typed_value(list.get(index), text);
                    list[index] = value;
                    return Ok(());
                }
                &mut list[index]
            }
            _ => {
                return Err(format!(
                    "{path:?}: {} is not an object or a list",
                    segments[..i].join(".")
                ))
            }
        };
        at = next;
    }
    Ok(())
}

/// The value `text` stands for where `current` is: text members take the text as it is, a
/// list of texts takes a comma-separated list, anything else is read as JSON (falling back to
/// text).
fn typed_value(current: Option<&Value>, text: &str) -> Value {
    let json = serde_json::from_str::<Value>(text).ok();
    match current {
        Some(Value::String(_)) if !text.starts_with('"') => Value::String(text.to_string()),
        Some(Value::Array(items))
            if items.iter().all(Value::is_string) && !text.trim_start().starts_with('[') =>
        {
            Value::Array(
                text.split(',')
                    .map(|s| Value::String(s.trim().to_string()))
                    .filter(|v| v.as_str() != Some(""))
                    .collect(),
            )
        }
        _ => json.unwrap_or_else(|| Value::String(text.to_string())),
    }
}

fn now_text() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn create(args: &CreateArgs) -> Result<u8, CliError> {
    if args.template {
        print!("{TEMPLATE}");
        return Ok(0);
    }
    let (Some(hall), Some(name), Some(version), Some(out)) =
        (&args.hall, &args.name, args.version, &args.out)
    else {
        return Err(CliError::Usage(
            "give --hall, --name, --version and --out (or --template)".into(),
        ));
    };
    let mut value = match &args.from {
        Some(path) => {
            let bytes = read_file(path)?;
            let text = String::from_utf8(bytes)
                .map_err(|_| CliError::Usage(format!("{} is not UTF-8 text", path.display())))?;
            let value = countersign_jcs::parse_strict(strip_comments(&text).as_bytes())
                .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
            if !value.is_object() {
                return Err(CliError::Usage(format!(
                    "{} is not a JSON object",
                    path.display()
                )));
            }
            value
        }
        None => json!({
            "format": FORMAT,
            "hall": {"utcOffset": "+08:00"},
            "counters": [{"id": "1"}],
            "chain": {"endpoints": [], "chainId": 0, "registry": ""},
            "policies": {"maxChainAgeHours": 24, "failClosed": false, "retentionDays": 90, "autoPrint": false},
            "printers": [],
            "scanner": {"mode": "keyboard"},
            "language": "zh-CN",
        }),
    };
    if let Some(object) = value.as_object_mut() {
        if let Some(profile) = args.profile {
            // Said on the command line, the profile replaces a template's; the standard
            // profile alone is the member left out, so such a bundle reads as every bundle
            // before the national profile did.
            if profile == Profile::Standard && args.accept.is_empty() {
                object.remove("crypto");
            } else {
                let entry = CryptoEntry {
                    profile: profile.name().into(),
                    accept: args.accept.iter().map(|p| p.name().to_string()).collect(),
                };
                let entry =
                    serde_json::to_value(entry).map_err(|e| CliError::Failed(e.to_string()))?;
                object.insert("crypto".into(), entry);
            }
        }
        object.insert("format".into(), json!(FORMAT));
        object.insert("version".into(), json!(version));
        object.insert("issuedAt".into(), json!(now_text()));
        // The signing key decides the authority; a template's would only be in the way.
        object.remove("authority");
        object.remove("mirrorSnapshot");
        let hall_value = object.entry("hall").or_insert_with(|| json!({}));
        if let Some(h) = hall_value.as_object_mut() {
            h.insert("id".into(), json!(hall.trim()));
            h.insert("name".into(), json!(name.trim()));
        }
    }
    for item in &args.set {
        let (path, text) = item
            .split_once('=')
            .ok_or_else(|| CliError::Usage(format!("--set {item:?}: write PATH=VALUE")))?;
        set_member(&mut value, path.trim(), text)
            .map_err(|e| CliError::Usage(format!("--set {e}")))?;
    }
    let bundle = Bundle::from_value(&value)
        .map_err(|e| CliError::Usage(format!("the bundle is not valid: {e}")))?;
    let settings = Settings::from_bundle(&bundle).map_err(|e| {
        CliError::Usage(format!(
            "the bundle is not valid: {e} (fix it with --set PATH=VALUE or in the --from template)"
        ))
    })?;
    let value = bundle
        .to_value()
        .map_err(|e| CliError::Failed(e.to_string()))?;
    let text = serde_json::to_string_pretty(&value).map_err(|e| CliError::Failed(e.to_string()))?;
    write_atomic(out, format!("{text}\n").as_bytes(), 0o644)
        .map_err(|e| CliError::Failed(e.to_string()))?;
    eprintln!(
        "unsigned bundle for hall {} version {} written to {}: review it, then sign it with countersign provision sign --key authority.key.json {} --out hall.bundle",
        settings.hall.id,
        settings.version,
        out.display(),
        out.display()
    );
    Ok(0)
}

fn sign_bundle(
    key_path: &Path,
    draft: &Path,
    out: &Path,
    mirror: Option<&Path>,
    profile: Profile,
) -> Result<u8, CliError> {
    let key = AuthorityKey::read(key_path).map_err(|e| CliError::Usage(e.to_string()))?;
    if key.alg() != profile.sig() {
        let own = Profile::of_sig(key.alg());
        return Err(CliError::Usage(format!(
            "{} is an {} authority key, but this signs under the {profile} profile ({}): to sign with this key, give --profile {own} (or --algorithm {})",
            key_path.display(),
            key.alg(),
            profile.sig(),
            key.alg()
        )));
    }
    let value = countersign_jcs::parse_strict(&read_file(draft)?)
        .map_err(|e| CliError::Usage(format!("{}: {e}", draft.display())))?;
    if value.get("bundle").is_some() && value.get("signature").is_some() {
        return Err(CliError::Usage(format!(
            "{} is already signed: sign the unsigned bundle written by provision create",
            draft.display()
        )));
    }
    let mut bundle = Bundle::from_value(&value)
        .map_err(|e| CliError::Usage(format!("{} is not a bundle: {e}", draft.display())))?;
    if bundle.mirror_snapshot.is_some() && mirror.is_none() {
        return Err(CliError::Usage(format!(
            "{} names a mirror snapshot: ship one with --mirror FILE, or remove mirrorSnapshot",
            draft.display()
        )));
    }
    bundle.issued_at = now_text();
    if bundle.authority.is_none() {
        bundle.authority = Some(key.public_text());
    }
    if bundle.crypto.is_none() && profile != Profile::Standard {
        bundle.crypto = Some(CryptoEntry {
            profile: profile.name().into(),
            accept: Vec::new(),
        });
    }
    // Checked before a snapshot is written, so a refused bundle leaves no file behind.
    let settings = Settings::from_bundle(&bundle)
        .and_then(|s| s.check_signer(key.alg()).map(|()| s))
        .map_err(|e| CliError::Usage(format!("{} is not valid: {e}", draft.display())))?;
    let mut shipped = None;
    if let Some(mirror) = mirror {
        let name = format!(
            "{}.mirror.sqlite",
            out.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "hall.bundle".into())
        );
        let snapshot = out.with_file_name(&name);
        // Hashed with the hash of the profile the hall signs with: SM3 under guomi.
        let hash = settings.algorithms().signs_with().hash();
        let reference = write_snapshot(mirror, &settings.chain.registry, &snapshot, hash)
            .map_err(CliError::Usage)?;
        shipped = Some((snapshot, reference.block));
        bundle.mirror_snapshot = Some(reference);
    }
    let bytes =
        sign(&bundle, &key).map_err(|e| CliError::Usage(format!("{}: {e}", draft.display())))?;
    write_atomic(out, &bytes, 0o644).map_err(|e| CliError::Failed(e.to_string()))?;
    eprintln!(
        "hall {} bundle version {} ({} profile) signed with {} by authority {}: {}",
        settings.hall.id,
        settings.version,
        settings.algorithms().signs_with(),
        key.alg(),
        key.public_text(),
        out.display()
    );
    if let Some((snapshot, block)) = shipped {
        eprintln!(
            "registry mirror snapshot at block {block}: {} (ship it beside the bundle)",
            snapshot.display()
        );
    }
    Ok(0)
}

fn mask_text(mask: &Mask) -> String {
    match mask {
        Mask::Clear => "kept in clear".into(),
        Mask::Keep { head, tail } => format!("keep {head}+{tail}"),
    }
}

fn describe(v: &VerifiedBundle) -> String {
    let s = v.bundle.settings();
    let mut out = String::new();
    let mut line = |label: &str, value: String| {
        out.push_str(&format!("  {label:<11} {value}\n"));
    };
    line(
        "version",
        format!(
            "{}{}",
            s.version,
            match (v.installed, v.unchanged) {
                (_, true) => " (already applied here)".to_string(),
                (Some(old), false) => format!(" (this machine has version {old})"),
                (None, false) => " (this machine has no bundle yet)".to_string(),
            }
        ),
    );
    line("issued", s.issued_at.to_rfc3339());
    line(
        "hall",
        format!("{} {} (UTC{})", s.hall.id, s.hall.name, s.hall.utc_offset),
    );
    line(
        "counters",
        s.counters
            .iter()
            .map(|c| match &c.name {
                Some(n) => format!("{} {n}", c.id),
                None => c.id.clone(),
            })
            .collect::<Vec<_>>()
            .join(", "),
    );
    line(
        "registry",
        format!(
            "{}{}",
            s.chain.registry,
            s.chain
                .governance
                .map(|g| format!(", governance 0x{}", hex::encode(g)))
                .unwrap_or_default()
        ),
    );
    line("endpoints", s.chain.endpoints.join(", "));
    line(
        "policies",
        format!(
            "chain state stale after {} h{}, summaries kept {} days, auto-print {}",
            s.max_chain_age_hours,
            if s.fail_closed { " (fail-closed)" } else { "" },
            s.privacy.retention_days,
            if s.auto_print { "on" } else { "off" }
        ),
    );
    line("crypto", algorithms_text(&s.algorithms()));
    line(
        "privacy",
        s.privacy
            .fields
            .iter()
            .map(|(f, m)| format!("{f} {}", mask_text(m)))
            .collect::<Vec<_>>()
            .join(", "),
    );
    line(
        "printers",
        if s.printers.is_empty() {
            "none".into()
        } else {
            s.printers
                .iter()
                .map(|p| {
                    format!(
                        "{} {} ({})",
                        p.counter
                            .as_deref()
                            .map_or("hall:".to_string(), |c| format!("counter {c}:")),
                        p.config.address,
                        p.config.paper.as_str()
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        },
    );
    line(
        "scanner",
        match &s.scanner {
            Scanner::Keyboard => "keyboard wedge".into(),
            Scanner::Serial { port, baud } => format!("serial {} at {baud} baud", port.display()),
        },
    );
    line("language", s.language.as_str().into());
    if let Some(u) = &s.updates {
        line("updates", format!("{} (key {})", u.url, u.public_key));
    }
    if let (Some(m), Some(path)) = (&s.mirror_snapshot, &v.snapshot) {
        line(
            "snapshot",
            format!(
                "{} at block {} (checked), {} {}",
                path.display(),
                m.block,
                m.hash,
                hex::encode(m.digest)
            ),
        );
    }
    out
}

/// `guomi (sm2, sm3), also accepts standard (ed25519, sha-256)`.
fn algorithms_text(policy: &countersign_crypto::Policy) -> String {
    let named = |p: Profile| format!("{p} ({}, {})", p.sig(), p.hash());
    let own = policy.signs_with();
    let others: Vec<String> = policy
        .accepted()
        .into_iter()
        .filter(|p| *p != own)
        .map(named)
        .collect();
    if others.is_empty() {
        named(own)
    } else {
        format!("{}, also accepts {}", named(own), others.join(", "))
    }
}

fn inspect(machine: &Machine, path: &Path, expect: &Expect, as_json: bool) -> Result<u8, CliError> {
    match machine.verify(path, expect) {
        Ok(v) => {
            if as_json {
                let value = json!({
                    "valid": true,
                    "authority": countersign_bundle::key_hex(v.bundle.authority()),
                    "algorithm": v.bundle.authority().alg().name(),
                    "trustedBy": v.trusted_by.to_string(),
                    "installedVersion": v.installed,
                    "unchanged": v.unchanged,
                    "snapshot": v.snapshot.as_ref().map(|p| p.display().to_string()),
                    "bundle": v.bundle.bundle().to_value().map_err(CliError::Failed)?,
                });
                println!("{value:#}");
            } else {
                println!(
                    "VALID hall bundle {}: signed with {} by authority {} (trusted from {})",
                    path.display(),
                    v.bundle.authority().alg(),
                    countersign_bundle::key_hex(v.bundle.authority()),
                    v.trusted_by
                );
                print!("{}", describe(&v));
            }
            Ok(0)
        }
        Err(e) if e.kind.is_refusal() => {
            if as_json {
                println!(
                    "{:#}",
                    json!({"valid": false, "code": e.code(), "problem": e.problem, "action": e.action})
                );
            } else {
                println!("REFUSED {}", path.display());
            }
            eprintln!("countersign: {e}");
            Ok(1)
        }
        Err(e) => Err(provision_error(e)),
    }
}

fn apply(machine: &Machine, path: &Path, expect: &Expect) -> Result<u8, CliError> {
    // The one apply the app's setup screen makes too (it hands over bytes, not a file).
    let applied = provision::apply(machine, Incoming::File(path), expect).map_err(|e| match e {
        ProvisionError::Bundle(e) => provision_error(e),
        other => CliError::Failed(other.to_string()),
    })?;
    let v = &applied.verified;
    let s = v.bundle.settings();
    if v.unchanged {
        println!(
            "hall {} bundle version {} is already applied ({}); nothing changed",
            s.hall.id,
            s.version,
            applied.path.display()
        );
    } else {
        println!(
            "applied hall {} bundle version {}{} to {} (authority trusted from {})",
            s.hall.id,
            s.version,
            v.installed
                .map(|o| format!(" (was version {o})"))
                .unwrap_or_default(),
            applied.path.display(),
            v.trusted_by
        );
    }
    let mirror = machine.mirror_path();
    match &applied.mirror {
        MirrorOutcome::NotShipped => {}
        MirrorOutcome::Installed { block } => println!(
            "installed the registry mirror snapshot at block {block} as {}",
            mirror.display()
        ),
        MirrorOutcome::Replaced { block, previous } => println!(
            "replaced {previous} with the snapshot at block {block}: {}",
            mirror.display()
        ),
        MirrorOutcome::Kept { block } => println!(
            "kept the hall's mirror {}: it is at block {block}, as new as the snapshot or newer",
            mirror.display()
        ),
        MirrorOutcome::InUse => eprintln!(
            "the hall's mirror {} is open in another program (is the app running?): the snapshot was not installed; close the app and apply again",
            mirror.display()
        ),
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_reads_values_as_the_member_they_replace() {
        let mut v = json!({"hall": {"id": "A"}, "chain": {"endpoints": ["x"], "chainId": 1}, "counters": [{"id": "1"}]});
        set_member(&mut v, "hall.id", "007").expect("set");
        set_member(&mut v, "chain.endpoints", "http://a:1, http://b:2").expect("set");
        set_member(&mut v, "chain.chainId", "31337").expect("set");
        set_member(&mut v, "counters.1", r#"{"id": "2", "name": "窗口"}"#).expect("append");
        set_member(&mut v, "policies.failClosed", "true").expect("new object");
        assert_eq!(
            v,
            json!({
                "hall": {"id": "007"},
                "chain": {"endpoints": ["http://a:1", "http://b:2"], "chainId": 31337},
                "counters": [{"id": "1"}, {"id": "2", "name": "窗口"}],
                "policies": {"failClosed": true},
            })
        );
        assert!(set_member(&mut v, "counters.5.id", "x").is_err());
        assert!(set_member(&mut v, "hall..id", "x").is_err());
        assert!(set_member(&mut v, "hall.id.x", "x").is_err());
    }

    #[test]
    fn the_template_is_a_valid_bundle_once_comments_are_dropped() {
        let value = countersign_jcs::parse_strict(strip_comments(TEMPLATE).as_bytes())
            .expect("template JSON");
        let bundle = Bundle::from_value(&value).expect("bundle");
        Settings::from_bundle(&bundle).expect("valid");
    }
}
