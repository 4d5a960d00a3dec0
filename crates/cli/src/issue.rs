//! `countersign issue`: rows of subject data in, a signed and batched set of credentials out.

use crate::{keyfile, parse_time, read_file, write_file, CliError};
use chrono::{DateTime, Months, Utc};
use countersign_credential::{issue_batch, Draft, IssuedBatch, Issuer, RegistryRef};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

/// Arguments of `countersign issue`.
#[derive(clap::Args)]
pub struct IssueArgs {
    /// The issuer key file (from `countersign keygen`)
    #[arg(long)]
    pub key: PathBuf,
    /// The batch: a .json list of subjects (or of {type, credentialSubject, validFrom, validUntil}),
    /// or a .csv with one subject per row (columns type, validFrom, validUntil are optional)
    #[arg(long)]
    pub input: PathBuf,
    /// Output folder (created)
    #[arg(long, short)]
    pub out: PathBuf,
    /// Credential type for rows that do not name one, e.g. DiplomaCredential
    #[arg(long = "type")]
    pub type_name: Option<String>,
    /// Start of validity for rows that do not say (default: now)
    #[arg(long, value_parser = parse_time)]
    pub valid_from: Option<DateTime<Utc>>,
    /// End of validity for rows that do not say
    #[arg(long, value_parser = parse_time, conflicts_with = "valid_years")]
    pub valid_until: Option<DateTime<Utc>>,
    /// Validity in years from validFrom, for rows that do not say
    #[arg(long)]
    pub valid_years: Option<u32>,
    /// The registry the batch will be anchored on, eip155:<chain id>:0x<address>; adds each
    /// credential's anchoring proof
    #[arg(long)]
    pub registry: Option<RegistryRef>,
    /// Proof creation time (default: now)
    #[arg(long, value_parser = parse_time)]
    pub created: Option<DateTime<Utc>>,
    /// Do not write QR images (large batches)
    #[arg(long)]
    pub no_qr: bool,
    /// Anchor the batch root on the registry right away (needs --registry, --rpc, --account-key)
    #[arg(long, requires_all = ["registry", "account_key"])]
    pub anchor: bool,
    /// The issuer's EVM account key file, for --anchor
    #[arg(long)]
    pub account_key: Option<PathBuf>,
    #[command(flatten)]
    pub endpoint: crate::chain::Endpoint,
}

/// One input row before defaults are applied.
struct Row {
    type_name: Option<String>,
    subject: Map<String, Value>,
    valid_from: Option<DateTime<Utc>>,
    valid_until: Option<DateTime<Utc>>,
}

fn row_time(
    value: Option<&str>,
    row: usize,
    column: &str,
) -> Result<Option<DateTime<Utc>>, CliError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => parse_time(v)
            .map(Some)
            .map_err(|e| CliError::Usage(format!("row {row}: {column}: {e}"))),
    }
}

fn read_json_rows(bytes: &[u8]) -> Result<Vec<Row>, CliError> {
    let value = countersign_jcs::parse_strict_with(
        bytes,
        &countersign_jcs::Limits {
            max_depth: 32,
            max_bytes: 512 * 1024 * 1024,
        },
    )
    .map_err(|e| CliError::Usage(format!("the batch JSON is not valid: {e}")))?;
    let Value::Array(items) = value else {
        return Err(CliError::Usage(
            "the batch JSON must be a list of objects".into(),
        ));
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let row = i + 1;
            let Value::Object(mut obj) = item else {
                return Err(CliError::Usage(format!("row {row}: not a JSON object")));
            };
            match obj.remove("credentialSubject") {
                Some(Value::Object(subject)) => Ok(Row {
                    type_name: obj.get("type").and_then(Value::as_str).map(str::to_owned),
                    valid_from: row_time(
                        obj.get("validFrom").and_then(Value::as_str),
                        row,
                        "validFrom",
                    )?,
                    valid_until: row_time(
                        obj.get("validUntil").and_then(Value::as_str),
                        row,
                        "validUntil",
                    )?,
                    subject,
                }),
                Some(_) => Err(CliError::Usage(format!(
                    "row {row}: credentialSubject is not an object"
                ))),
                None => Ok(Row {
                    type_name: None,
                    subject: obj,
                    valid_from: None,
                    valid_until: None,
                }),
            }
        })
        .collect()
}

fn read_csv_rows(bytes: &[u8]) -> Result<Vec<Row>, CliError> {
    // Excel writes a byte-order mark before UTF-8 CSV.
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| CliError::Usage(format!("the batch CSV header cannot be read: {e}")))?
        .clone();
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 1;
        let record = record.map_err(|e| CliError::Usage(format!("row {row} of the CSV: {e}")))?;
        let mut out = Row {
            type_name: None,
            subject: Map::new(),
            valid_from: None,
            valid_until: None,
        };
        for (name, cell) in headers.iter().zip(record.iter()) {
            let cell = cell.trim();
            match name.trim() {
                "type" if !cell.is_empty() => out.type_name = Some(cell.to_owned()),
                "validFrom" => out.valid_from = row_time(Some(cell), row, "validFrom")?,
                "validUntil" => out.valid_until = row_time(Some(cell), row, "validUntil")?,
                _ if cell.is_empty() => {}
                field => {
                    out.subject.insert(field.to_owned(), cell.into());
                }
            }
        }
        rows.push(out);
    }
    Ok(rows)
}

/// Reads the batch file into drafts, applying the command-line defaults.
pub fn read_drafts(args: &IssueArgs, now: DateTime<Utc>) -> Result<Vec<Draft>, CliError> {
    let bytes = read_file(&args.input)?;
    let is_csv = args
        .input
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let rows = if is_csv {
        read_csv_rows(&bytes)?
    } else {
        read_json_rows(&bytes)?
    };
    if rows.is_empty() {
        return Err(CliError::Usage(format!(
            "{} holds no credentials",
            args.input.display()
        )));
    }
    rows.into_iter()
        .enumerate()
        .map(|(i, row)| {
            let type_name = row
                .type_name
                .or_else(|| args.type_name.clone())
                .ok_or_else(|| {
                    CliError::Usage(format!(
                        "row {}: no credential type (give --type or a type column)",
                        i + 1
                    ))
                })?;
            let valid_from = row.valid_from.or(args.valid_from).unwrap_or(now);
            let valid_until = row.valid_until.or(args.valid_until).or_else(|| {
                args.valid_years
                    .and_then(|y| valid_from.checked_add_months(Months::new(12 * y)))
            });
            Ok(Draft {
                type_name,
                id: uuid::Uuid::new_v4(),
                subject: row.subject,
                valid_from,
                valid_until,
            })
        })
        .collect()
}

/// Writes each credential as JSON, CS1 text and (optionally) PNG, plus `batch.json`.
pub fn write_batch(
    out: &Path,
    issuer: &Issuer,
    batch: &IssuedBatch,
    registry: Option<RegistryRef>,
    created: DateTime<Utc>,
    qr: bool,
) -> Result<(), CliError> {
    std::fs::create_dir_all(out)
        .map_err(|e| CliError::Failed(format!("cannot create {}: {e}", out.display())))?;
    let width = batch.credentials.len().to_string().len().max(4);
    let mut files = Vec::new();
    for (i, credential) in batch.credentials.iter().enumerate() {
        let stem = format!("{:0width$}", i + 1);
        let pretty = serde_json::to_string_pretty(credential)
            .map_err(|e| CliError::Failed(e.to_string()))?;
        write_file(
            &out.join(format!("{stem}.json")),
            format!("{pretty}\n").as_bytes(),
        )?;
        let compact = countersign_jcs::canonicalize(credential)
            .map_err(|e| CliError::Failed(e.to_string()))?;
        let payload = countersign_payload::encode(&compact);
        write_file(
            &out.join(format!("{stem}.cs1.txt")),
            format!("{payload}\n").as_bytes(),
        )?;
        if qr {
            let png = countersign_qr::render_png(&payload, countersign_qr::EcLevel::M, 4, true)
                .map_err(|e| CliError::Failed(format!("credential {}: {e}", i + 1)))?;
            write_file(&out.join(format!("{stem}.png")), &png)?;
        }
        files.push(stem);
    }
    let summary = json!({
        "issuer": issuer.did().to_string(),
        "issuerName": issuer.name,
        "registry": registry.map(|r| r.to_string()),
        "created": created.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "size": batch.credentials.len(),
        "root": batch.root.to_hex(),
        "leaves": batch.leaves.iter().map(|l| l.to_hex()).collect::<Vec<_>>(),
        "files": files,
    });
    let text =
        serde_json::to_string_pretty(&summary).map_err(|e| CliError::Failed(e.to_string()))?;
    write_file(&out.join("batch.json"), format!("{text}\n").as_bytes())
}

/// `countersign issue`.
pub fn run(args: &IssueArgs) -> Result<(), CliError> {
    let issuer = keyfile::read_issuer(&args.key)?;
    let now = Utc::now();
    let drafts = read_drafts(args, now)?;
    let created = args.created.unwrap_or(now);
    let batch = issue_batch(&issuer, &drafts, created, args.registry)
        .map_err(|e| CliError::Usage(format!("the batch cannot be issued: {e}")))?;
    write_batch(
        &args.out,
        &issuer,
        &batch,
        args.registry,
        created,
        !args.no_qr,
    )?;
    if args.anchor {
        let key = args
            .account_key
            .as_deref()
            .ok_or_else(|| CliError::Usage("--anchor needs --account-key".into()))?;
        return crate::chain::anchor_batches(&args.endpoint, key, &[args.out.join("batch.json")])
            .map(|_| {
                eprintln!(
                    "issued {} credential(s) into {} and anchored their batch root",
                    batch.credentials.len(),
                    args.out.display()
                );
            })
            .map_err(|e| {
                let why = e.to_string();
                let again = format!(
                    "{why}\nthe credentials were written to {} but are NOT anchored yet: run `countersign anchor {}` when the chain is reachable",
                    args.out.display(),
                    args.out.join("batch.json").display()
                );
                match e {
                    CliError::Unavailable(_) => CliError::Unavailable(again),
                    CliError::Usage(_) => CliError::Usage(again),
                    CliError::Failed(_) => CliError::Failed(again),
                }
            });
    }
    println!("{}", batch.root.to_hex());
    eprintln!(
        "issued {} credential(s) into {}; batch root above{}",
        batch.credentials.len(),
        args.out.display(),
        if args.registry.is_some() {
            " (anchor it on the registry)"
        } else {
            " (no --registry: credentials carry no anchoring proof)"
        }
    );
    Ok(())
}
