//! `countersign receipt …` and `countersign printer …`: a logged verification's signed receipt
//! (shown, rendered, printed), checking a receipt someone brings back, and the hall's printer
//! (its state, a test page, the print queue). A receipt is signed with the hall key file's
//! own algorithm (Ed25519, or SM2 under the national profile); `receipt verify --accept` names
//! the profiles whose receipts this hall believes, as `countersign verify` does.

use crate::log::{read_hall_key, trusted_keys, LogFile};
use crate::{read_file, write_file, CliError};
use chrono::{FixedOffset, Utc};
use countersign_log::Log;
use countersign_printdoc::{fonts::Fonts, Paper};
use countersign_printing::{
    HallHeading, JobKind, NewJob, PrintOutcome, PrintQueue, PrinterConfig, PrinterState, Spooler,
};
use countersign_receipt::{
    compose, ComposeOptions, LogMatch, ReceiptFinding, SignedReceipt, Standing,
};
use countersign_station::printing::{self as print_flow, PrintRequest, PrintTarget};
use countersign_station::receipts::{check, CheckContext, ReceiptReport, Recorded, TrustedHall};
use countersign_station::review::Actor;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Which logged verification.
#[derive(clap::Args, Clone)]
#[group(required = true, multiple = false)]
pub struct Which {
    /// The log entry's number
    #[arg(long)]
    seq: Option<u64>,
    /// The receipt id
    #[arg(long)]
    receipt: Option<String>,
}

/// How a receipt is laid out.
#[derive(clap::Args, Clone)]
pub struct Layout {
    /// Paper: 58mm, 80mm, a6, a4
    #[arg(long, env = "COUNTERSIGN_PAPER", default_value = "80mm", value_parser = parse_paper)]
    paper: Paper,
    /// The hall's name printed at the top (from provisioning; the hall id when absent)
    #[arg(long, env = "COUNTERSIGN_HALL_NAME")]
    hall_name: Option<String>,
}

/// `countersign receipt …`.
#[derive(clap::Subcommand)]
pub enum ReceiptCommand {
    /// Sign a logged verification's receipt with the hall key; print its QR payload, or write
    /// it rendered (--out file.pdf | file.png | file.escpos)
    Show {
        #[command(flatten)]
        log: LogFile,
        #[command(flatten)]
        which: Which,
        /// The hall's key file (signs the receipt)
        #[arg(long, env = "COUNTERSIGN_HALL_KEY")]
        hall_key: PathBuf,
        #[command(flatten)]
        layout: Layout,
        /// Mark it as a reprint (COPY)
        #[arg(long)]
        copy: bool,
        /// Write the rendered receipt here (.pdf, .png or .escpos)
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// Print a logged verification's receipt on the hall's printer (through the print queue:
    /// a printer that cannot take it now leaves it queued with the reason). Exit 0 printed,
    /// 2 queued, 3 usage
    Print {
        #[command(flatten)]
        log: LogFile,
        #[command(flatten)]
        which: Which,
        /// The hall's key file (signs the receipt)
        #[arg(long, env = "COUNTERSIGN_HALL_KEY")]
        hall_key: PathBuf,
        #[command(flatten)]
        printer: PrinterArgs,
        #[command(flatten)]
        layout: Layout,
        /// Mark it as a reprint (COPY)
        #[arg(long)]
        copy: bool,
    },
    /// Check a receipt: its QR payload, a picture of it, or - for stdin. Exit 0 genuine,
    /// 1 forged or contradicting the hall's log, 2 cannot be confirmed, 3 usage
    Verify {
        /// The payload (CSR1:…), a file holding it, a picture of the receipt, or -
        input: String,
        /// Hall keys trusted without the registry: key files or `HALL=HEX` public keys (64 hex
        /// digits Ed25519, 66 SM2)
        #[arg(long = "trust", value_delimiter = ',')]
        trust: Vec<String>,
        /// The profiles whose receipts are accepted, comma-separated: `standard` (Ed25519; the
        /// default), `guomi` (SM2) or both; a receipt under another is not genuine here
        #[arg(long, env = "COUNTERSIGN_ACCEPT", value_delimiter = ',', value_parser = crate::parse_profile, default_value = "standard")]
        accept: Vec<countersign_crypto::Profile>,
        /// The hall's registry mirror: registered stations are trusted while active
        #[arg(long, env = "COUNTERSIGN_MIRROR")]
        mirror: Option<PathBuf>,
        /// The registry the mirror follows (with --mirror)
        #[arg(long, env = "COUNTERSIGN_REGISTRY")]
        registry: Option<countersign_credential::RegistryRef>,
        /// This hall's log: a receipt of this hall is matched to its log entry
        #[arg(long = "log")]
        log: Option<PathBuf>,
        /// This hall's id (with --log)
        #[arg(long, env = "COUNTERSIGN_HALL")]
        hall: Option<String>,
        /// Print the result as JSON
        #[arg(long)]
        json: bool,
    },
}

/// The hall's printer.
#[derive(clap::Args, Clone)]
pub struct PrinterArgs {
    /// ipp://host:631/printers/QUEUE, escpos+tcp://host:9100, escpos+serial:///dev/ttyUSB0?baud=9600,
    /// escpos+usb:///dev/usb/lp0
    #[arg(long, env = "COUNTERSIGN_PRINTER")]
    printer: String,
    /// The print queue file (jobs wait here until printed)
    #[arg(
        long,
        env = "COUNTERSIGN_PRINT_QUEUE",
        default_value = "print-queue.sqlite"
    )]
    queue: PathBuf,
}

/// `countersign printer …`.
#[derive(clap::Subcommand)]
pub enum PrinterCommand {
    /// Ask the printer how it is. Exit 0 ready, 2 not ready, 3 usage
    Status {
        /// The printer's address
        #[arg(long, env = "COUNTERSIGN_PRINTER")]
        printer: String,
        /// Paper loaded
        #[arg(long, env = "COUNTERSIGN_PAPER", default_value = "80mm", value_parser = parse_paper)]
        paper: Paper,
    },
    /// Print the test page (Chinese, rare characters, a QR code). Exit 0 printed, 2 queued
    Test {
        #[command(flatten)]
        printer: PrinterArgs,
        #[command(flatten)]
        layout: Layout,
        /// The hall id (printed when no hall name is given)
        #[arg(long, env = "COUNTERSIGN_HALL", default_value = "")]
        hall: String,
    },
    /// The print queue: jobs not yet printed, with why they wait
    Queue {
        /// The print queue file
        #[arg(
            long,
            env = "COUNTERSIGN_PRINT_QUEUE",
            default_value = "print-queue.sqlite"
        )]
        queue: PathBuf,
    },
    /// Try a waiting job again now (then run the queue with `printer flush`)
    Retry {
        /// The print queue file
        #[arg(
            long,
            env = "COUNTERSIGN_PRINT_QUEUE",
            default_value = "print-queue.sqlite"
        )]
        queue: PathBuf,
        /// The job's number
        job: i64,
    },
    /// Give up on a job that has not printed
    Cancel {
        /// The print queue file
        #[arg(
            long,
            env = "COUNTERSIGN_PRINT_QUEUE",
            default_value = "print-queue.sqlite"
        )]
        queue: PathBuf,
        /// The job's number
        job: i64,
    },
    /// Print every job that is due. Exit 0 when the queue is empty afterwards, 2 when jobs wait
    Flush {
        #[command(flatten)]
        printer: PrinterArgs,
        #[command(flatten)]
        layout: Layout,
        /// The hall id (printed when no hall name is given)
        #[arg(long, env = "COUNTERSIGN_HALL", default_value = "")]
        hall: String,
    },
}

fn parse_paper(text: &str) -> Result<Paper, String> {
    Paper::parse(text).ok_or_else(|| format!("{text:?} is not a paper: 58mm, 80mm, a6 or a4"))
}

fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix())
}

use chrono::Offset;

fn heading(layout: &Layout, hall: &str, offset: FixedOffset) -> HallHeading {
    HallHeading {
        name: layout.hall_name.clone().unwrap_or_else(|| hall.to_string()),
        utc_offset: offset,
    }
}

/// The signed receipt of a logged verification.
/// The entry `which` names and its receipt signed with the hall key.
fn signed_receipt(
    log: &LogFile,
    which: &Which,
    hall_key: &Path,
) -> Result<(u64, SignedReceipt), CliError> {
    let (hall, key) = read_hall_key(hall_key)?;
    let file = Log::open_read_only(&log.path)
        .map_err(|e| CliError::Usage(format!("{}: {e}", log.path.display())))?;
    let entry = match (which.seq, &which.receipt) {
        (Some(seq), _) => file.entry(seq),
        (None, Some(id)) => file.find_by_receipt(id).map(|v| v.into_iter().next()),
        (None, None) => Ok(None),
    }
    .map_err(|e| CliError::Failed(format!("{}: {e}", log.path.display())))?
    .ok_or_else(|| CliError::Usage("no such entry in the log".into()))?;
    if entry.entry.hall != hall {
        return Err(CliError::Usage(format!(
            "the entry is hall {}'s, the key is hall {hall}'s",
            entry.entry.hall
        )));
    }
    let receipt = countersign_station::receipts::receipt_for(&entry.entry).ok_or_else(|| {
        CliError::Usage(format!(
            "entry {} has no receipt id (logged before receipts existed)",
            entry.seq
        ))
    })?;
    receipt
        .sign(&key)
        .map(|signed| (entry.seq, signed))
        .map_err(|e| CliError::Failed(e.to_string()))
}

fn spooler(printer: &PrinterArgs, paper: Paper, hall: HallHeading) -> Result<Spooler, CliError> {
    let config =
        PrinterConfig::new(&printer.printer, paper).map_err(|e| CliError::Usage(e.to_string()))?;
    let device = config
        .open(Arc::new(Fonts::default()))
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let queue = PrintQueue::open(&printer.queue).map_err(|e| CliError::Failed(e.to_string()))?;
    Ok(Spooler::new(queue, device, hall))
}

/// Runs every due job; returns how many still wait.
fn flush(spooler: &mut Spooler) -> Result<usize, CliError> {
    while let Some(outcome) = spooler
        .run_one(Utc::now())
        .map_err(|e| CliError::Failed(e.to_string()))?
    {
        match outcome {
            PrintOutcome::Printed(id) => println!("job {id}: printed"),
            PrintOutcome::Waiting(id, e) => eprintln!("job {id}: waits: {e}"),
        }
    }
    Ok(spooler
        .queue()
        .pending()
        .map_err(|e| CliError::Failed(e.to_string()))?
        .len())
}

fn enqueue_and_flush(spooler: &mut Spooler, job: &NewJob) -> Result<u8, CliError> {
    let id = spooler
        .queue()
        .enqueue(job, Utc::now())
        .map_err(|e| CliError::Failed(e.to_string()))?;
    flush_and_report(spooler, id)
}

/// Runs the queue and says whether job `id` printed (0) or waits (2).
fn flush_and_report(spooler: &mut Spooler, id: i64) -> Result<u8, CliError> {
    flush(spooler)?;
    let job = spooler
        .queue()
        .get(id)
        .map_err(|e| CliError::Failed(e.to_string()))?;
    Ok(match job.map(|j| j.state) {
        Some(countersign_printing::JobState::Done) => 0,
        _ => {
            eprintln!(
                "job {id} is queued; `countersign printer flush` prints it when the printer is ready"
            );
            2
        }
    })
}

fn trusted(trust: &[String]) -> Result<Vec<TrustedHall>, CliError> {
    let mut out = Vec::new();
    for t in trust {
        let path = Path::new(t);
        if path.is_file() {
            let (hall, key) = read_hall_key(path)?;
            out.push(TrustedHall {
                name: hall.clone(),
                hall,
                key: key.public(),
            });
        } else {
            let (hall, hex) = t.split_once('=').ok_or_else(|| {
                CliError::Usage(format!(
                    "--trust {t:?} is neither a hall key file nor HALL=HEX (the hall's public key)"
                ))
            })?;
            let key = trusted_keys(&[hex.to_string()])?
                .pop()
                .ok_or_else(|| CliError::Usage(format!("--trust {t:?}")))?;
            out.push(TrustedHall {
                hall: hall.to_string(),
                name: hall.to_string(),
                key,
            });
        }
    }
    Ok(out)
}

fn report_json(r: &ReceiptReport) -> serde_json::Value {
    let s = &r.signed.receipt;
    json!({
        "finding": match r.finding {
            ReceiptFinding::Genuine => "genuine",
            ReceiptFinding::CannotConfirm => "cannot-confirm",
            ReceiptFinding::Contradicted => "contradicted",
        },
        "receipt": {
            "id": s.id, "hall": s.hall, "counter": s.counter, "clerk": s.clerk,
            "at": s.at.to_rfc3339(), "verdict": s.verdict.as_str(), "reasons": s.reasons,
            "type": s.credential_type, "issuer": s.issuer_name, "subject": s.subject,
            "leaf": s.leaf.map(hex::encode),
            "chain": s.chain.map(|c| json!({"source": c.source.as_str(), "block": c.block, "time": c.block_time.to_rfc3339()})),
        },
        "key": r.signed.key_hex(),
        "algorithm": r.signed.alg().name(),
        "standing": match &r.standing {
            Standing::Trusted { name } => json!({"trusted": name}),
            Standing::Withdrawn { name, status } => json!({"withdrawn": name, "status": status}),
            Standing::Unknown => json!("unknown"),
        },
        "log": match &r.log {
            LogMatch::NotHere => json!("not-here"),
            LogMatch::Matches(seq) => json!({"matches": seq}),
            LogMatch::Differs { seq, fields } => json!({"differs": seq, "fields": fields}),
            LogMatch::NotInLog => json!("not-in-log"),
        },
        "recorded": r.recorded.as_ref().map(|rec| match rec {
            Recorded::InCheckpoint { seq, index, size, hashes, anchored_block } => json!({
                "state": "in-checkpoint", "seq": seq, "index": index, "size": size,
                "hashes": hashes, "anchoredBlock": anchored_block,
            }),
            Recorded::NotYetCheckpointed { seq } => json!({"state": "not-yet-checkpointed", "seq": seq}),
            Recorded::ProofFails { seq, why } => json!({"state": "proof-fails", "seq": seq, "why": why.to_string()}),
        }),
    })
}

/// The line that says what the hall's log proves about the receipt's entry.
fn recorded_line(recorded: &Recorded) -> String {
    match recorded {
        Recorded::InCheckpoint {
            seq,
            size,
            hashes,
            anchored_block,
            ..
        } => format!(
            "recorded in the hall log 已记入大厅日志: entry {seq}, in the checkpoint of {size} leaves (inclusion proof of {hashes} {} checked), {}",
            if *hashes == 1 { "hash" } else { "hashes" },
            match anchored_block {
                Some(block) => format!("anchored in block {block} 已上链"),
                None => "not yet anchored on the registry 尚未上链".into(),
            }
        ),
        Recorded::NotYetCheckpointed { seq } => format!(
            "entry {seq} is not yet in a signed checkpoint 尚未签入检查点 (the station signs one within {} minutes)",
            countersign_defaults::CHECKPOINT_EVERY_MINUTES
        ),
        Recorded::ProofFails { seq, why } => format!(
            "PROOF FAILS 日志证明不成立: entry {seq}: {why}; the log was changed: run `countersign log verify`"
        ),
    }
}

fn verify(
    input: &str,
    trust: &[String],
    policy: countersign_crypto::Policy,
    mirror: Option<(&Path, &countersign_credential::RegistryRef)>,
    log: Option<&Path>,
    hall: Option<&str>,
    as_json: bool,
) -> Result<u8, CliError> {
    let bytes = if input == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)
            .map_err(|e| CliError::Usage(format!("stdin: {e}")))?;
        buf
    } else if Path::new(input).is_file() {
        read_file(Path::new(input))?
    } else {
        input.as_bytes().to_vec()
    };
    let trusted = trusted(trust)?;
    let mirror = mirror
        .map(|(p, registry)| {
            countersign_mirror::Mirror::open(p, registry)
                .map_err(|e| CliError::Usage(format!("{}: {e}", p.display())))
        })
        .transpose()?;
    let log = log
        .map(|p| {
            Log::open_read_only(p).map_err(|e| CliError::Usage(format!("{}: {e}", p.display())))
        })
        .transpose()?;
    if log.is_some() && hall.is_none() {
        return Err(CliError::Usage(
            "--log needs --hall (or COUNTERSIGN_HALL)".into(),
        ));
    }
    let context = CheckContext {
        trusted: &trusted,
        mirror: mirror.as_ref(),
        own: log.as_ref().zip(hall).map(|(l, h)| (h, l)),
        policy,
    };
    let report = match check(&bytes, &context) {
        Ok(r) => r,
        Err(countersign_station::receipts::CheckError::Receipt(e)) => {
            if as_json {
                println!(
                    "{}",
                    json!({"finding": "not-genuine", "error": e.to_string()})
                );
            } else {
                println!("NOT GENUINE: {e}");
            }
            return Ok(1);
        }
        Err(e) => return Err(CliError::Usage(e.to_string())),
    };
    if as_json {
        println!("{:#}", report_json(&report));
    } else {
        let r = &report.signed.receipt;
        let finding = match report.finding {
            ReceiptFinding::Genuine => "GENUINE",
            ReceiptFinding::CannotConfirm => "CANNOT CONFIRM",
            ReceiptFinding::Contradicted => "CONTRADICTS THE LOG",
        };
        println!("{finding}: receipt {} of hall {}", r.id, r.hall);
        println!(
            "  {} at counter {} by {}: {}{}",
            r.at.with_timezone(&china()).format("%Y-%m-%d %H:%M:%S"),
            r.counter,
            r.clerk,
            r.verdict.as_str(),
            if r.reasons.is_empty() {
                String::new()
            } else {
                format!(" ({})", r.reasons.join(", "))
            }
        );
        let (alg, key) = (report.signed.alg(), report.signed.key_hex());
        match &report.standing {
            Standing::Trusted { name } => println!("  signed by {name} ({alg} key {key})"),
            Standing::Withdrawn { name, status } => {
                println!("  signed by {name}, whose key is {status} ({alg} key {key})")
            }
            Standing::Unknown => {
                println!("  signed by an {alg} key this machine does not know: {key}")
            }
        }
        match &report.log {
            LogMatch::NotHere => {}
            LogMatch::Matches(seq) => println!("  matches log entry {seq}"),
            LogMatch::Differs { seq, fields } => {
                println!("  differs from log entry {seq} in: {}", fields.join(", "))
            }
            LogMatch::NotInLog => println!("  not in this hall's log"),
        }
        if let Some(recorded) = &report.recorded {
            println!("  {}", recorded_line(recorded));
        }
    }
    Ok(match report.finding {
        ReceiptFinding::Genuine => 0,
        ReceiptFinding::Contradicted => 1,
        ReceiptFinding::CannotConfirm => 2,
    })
}

/// `countersign receipt …`; returns the exit code.
pub fn run(command: &ReceiptCommand) -> Result<u8, CliError> {
    match command {
        ReceiptCommand::Show {
            log,
            which,
            hall_key,
            layout,
            copy,
            out,
        } => {
            let (_, signed) = signed_receipt(log, which, hall_key)?;
            let Some(out) = out else {
                println!("{}", signed.payload());
                return Ok(0);
            };
            let doc = compose(
                &signed,
                &ComposeOptions {
                    paper: layout.paper,
                    hall_name: heading(layout, &signed.receipt.hall, log.utc_offset).name,
                    utc_offset: log.utc_offset,
                    reprinted_at: copy.then(Utc::now),
                },
            );
            let fonts = Fonts::default();
            let missing = fonts.missing(doc.chars());
            if !missing.is_empty() {
                eprintln!("no font has {missing:?}: printed as 〓");
            }
            let ext = out.extension().and_then(|e| e.to_str()).unwrap_or("");
            let bytes = match ext {
                "pdf" => countersign_pdf::render(&doc, &fonts)
                    .map_err(|e| CliError::Failed(e.to_string()))?,
                "png" => {
                    let img = countersign_printdoc::raster::render(&doc, &fonts);
                    let mut png = Vec::new();
                    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
                        .map_err(|e| CliError::Failed(e.to_string()))?;
                    png
                }
                "escpos" => {
                    let profile = countersign_escpos::PrinterProfile::for_paper(layout.paper)
                        .ok_or_else(|| {
                            CliError::Usage("ESC/POS takes --paper 58mm or 80mm".into())
                        })?;
                    countersign_escpos::encode(&doc, &profile, &fonts)
                        .map_err(|e| CliError::Failed(e.to_string()))?
                }
                _ => {
                    return Err(CliError::Usage(format!(
                        "--out {}: the name must end in .pdf, .png or .escpos",
                        out.display()
                    )))
                }
            };
            write_file(out, &bytes)?;
            eprintln!("receipt {} written to {}", signed.receipt.id, out.display());
            Ok(0)
        }
        ReceiptCommand::Print {
            log,
            which,
            hall_key,
            printer,
            layout,
            copy,
        } => {
            let (seq, signed) = signed_receipt(log, which, hall_key)?;
            let (_, key) = read_hall_key(hall_key)?;
            let mut spooler = spooler(
                printer,
                layout.paper,
                heading(layout, &signed.receipt.hall, log.utc_offset),
            )?;
            let mut file = Log::open(&log.path)
                .map_err(|e| CliError::Failed(format!("{}: {e}", log.path.display())))?;
            // The counter's own flow: COPY when printed before (by the app or here), audited.
            let queued = print_flow::queue_receipt(
                &mut file,
                spooler.queue(),
                &key,
                &PrintRequest {
                    seq,
                    copy_asked: *copy,
                    clerk: &Actor::os_user(),
                    target: PrintTarget {
                        printer: &printer.printer,
                        paper: layout.paper.as_str(),
                        counter: &signed.receipt.counter,
                    },
                },
                Utc::now(),
            )
            .map_err(|e| CliError::Failed(e.to_string()))?;
            if queued.copy && !*copy {
                eprintln!(
                    "receipt {} was printed before: this one is marked COPY",
                    signed.receipt.id
                );
            }
            if let Err(e) = &queued.audited {
                eprintln!("the print is not recorded in the log's audit trail: {e}");
            }
            flush_and_report(&mut spooler, queued.job)
        }
        ReceiptCommand::Verify {
            input,
            trust,
            accept,
            mirror,
            registry,
            log,
            hall,
            json,
        } => verify(
            input,
            trust,
            crate::verify::accepted(accept),
            match (mirror, registry) {
                (Some(m), Some(r)) => Some((m.as_path(), r)),
                (Some(_), None) => {
                    return Err(CliError::Usage(
                        "--mirror needs --registry (or COUNTERSIGN_REGISTRY)".into(),
                    ))
                }
                _ => None,
            },
            log.as_deref(),
            hall.as_deref(),
            *json,
        ),
    }
}

/// `countersign printer …`; returns the exit code.
pub fn run_printer(command: &PrinterCommand) -> Result<u8, CliError> {
    match command {
        PrinterCommand::Status { printer, paper } => {
            let config =
                PrinterConfig::new(printer, *paper).map_err(|e| CliError::Usage(e.to_string()))?;
            let mut device = config
                .open(Arc::new(Fonts::default()))
                .map_err(|e| CliError::Usage(e.to_string()))?;
            let state = device.status();
            let detail = state.detail().to_string();
            println!(
                "{}{}",
                countersign_i18n::t(state.message_key(), countersign_i18n::Lang::En),
                if detail.is_empty() {
                    String::new()
                } else {
                    format!(": {detail}")
                }
            );
            Ok(
                if matches!(state, PrinterState::Ready | PrinterState::PaperLow) {
                    0
                } else {
                    2
                },
            )
        }
        PrinterCommand::Test {
            printer,
            layout,
            hall,
        } => {
            let mut spooler = spooler(printer, layout.paper, heading(layout, hall, china()))?;
            let job = NewJob {
                kind: JobKind::TestPage,
                receipt_id: None,
                payload: String::new(),
                copy: false,
                paper: layout.paper.as_str().into(),
                printer: printer.printer.clone(),
                clerk: String::new(),
                counter: String::new(),
            };
            enqueue_and_flush(&mut spooler, &job)
        }
        PrinterCommand::Queue { queue } => {
            let q = PrintQueue::open(queue).map_err(|e| CliError::Failed(e.to_string()))?;
            let pending = q.pending().map_err(|e| CliError::Failed(e.to_string()))?;
            if pending.is_empty() {
                println!("the print queue is empty");
            }
            for j in pending {
                println!(
                    "{:>5}  {:<8} {:<20} {}{}",
                    j.id,
                    j.state.as_str(),
                    j.job.receipt_id.as_deref().unwrap_or("test page"),
                    j.error.as_deref().unwrap_or(""),
                    j.detail.map(|d| format!(" ({d})")).unwrap_or_default()
                );
            }
            Ok(0)
        }
        PrinterCommand::Retry { queue, job } => {
            let q = PrintQueue::open(queue).map_err(|e| CliError::Failed(e.to_string()))?;
            q.retry(*job, Utc::now())
                .map_err(|e| CliError::Usage(e.to_string()))?;
            Ok(0)
        }
        PrinterCommand::Cancel { queue, job } => {
            let q = PrintQueue::open(queue).map_err(|e| CliError::Failed(e.to_string()))?;
            q.cancel(*job, Utc::now())
                .map_err(|e| CliError::Usage(e.to_string()))?;
            Ok(0)
        }
        PrinterCommand::Flush {
            printer,
            layout,
            hall,
        } => {
            let mut spooler = spooler(printer, layout.paper, heading(layout, hall, china()))?;
            Ok(if flush(&mut spooler)? == 0 { 0 } else { 2 })
        }
    }
}
