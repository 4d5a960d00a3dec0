// What the app sends the screen and takes from it: the JSON shapes of the Rust view structs in
// src-tauri (serde's camelCase renames applied), by hand for now. Kept in this one file, with
// no imports, so that it can be replaced wholesale by types generated from those structs.
// Where Rust has a `&'static str` with a fixed set of values, the union lists them.

// ---- Errors (src-tauri lib.rs) --------------------------------------------------------------

/** A failure as the screen receives it (src-tauri `CommandError`). */
export interface CommandError {
  /** A stable code the screen maps to a message key. */
  code: string;
  /** Detail, in English, for IT. */
  message: string;
}

// ---- A verification (src-tauri view.rs) ---------------------------------------------------

export type VerdictName = "VALID" | "INVALID" | "CANNOT_CONFIRM";

/** One check (src-tauri `CheckView`). */
export interface CheckView {
  id: string;
  outcome: "pass" | "warn" | "fail" | "skipped";
  code: string;
}

/** One subject field (src-tauri `FieldView`); a sensitive one's `value` arrives masked. */
export interface FieldView {
  key: string;
  labelZh: string;
  labelEn: string;
  value: string;
  masked: string;
  sensitive: boolean;
}

/** The chain state a verdict used (src-tauri `ChainUsedView`). */
export interface ChainUsedView {
  source: "online" | "mirror" | "memory";
  block: number;
  blockTime: string;
  checkedAt: string;
}

/** What became of a verification in the log (src-tauri `LoggedView`; absent fields are skipped). */
export interface LoggedView {
  kind: "entry" | "repeat" | "failed";
  seq?: number;
  reason?: string;
  storage?: boolean;
}

/** The app's answer to a scan (src-tauri `VerdictView`). */
export interface VerdictView {
  verdict: VerdictName;
  reason: string | null;
  checks: CheckView[];
  typeName: string | null;
  typeZh: string | null;
  typeEn: string | null;
  issuerName: string | null;
  issuerRegistered: boolean;
  fields: FieldView[];
  validFrom: string | null;
  validUntil: string | null;
  chain: ChainUsedView | null;
  warnings: string[];
  logged: LoggedView;
  /** The receipt printed on its own where the hall prints every receipt. */
  print: PrintJobView | null;
  /** Which verification this is: the clerk's reveal names it. */
  id: number;
}

/** A revealed field's whole value (src-tauri `RevealedField`, the `reveal` command's answer). */
export interface RevealedField {
  key: string;
  value: string;
}

/** What a scan turned out to be (src-tauri `ScanView`): exactly one of the two is present. */
export interface ScanView {
  verdict?: VerdictView;
  receipt?: ReceiptCheckView;
}

/** The `serial-scanned` event: a serial scanner's scan, decided and verified in the app. */
export type SerialScanned = { ok: ScanView; error?: undefined } | { ok?: undefined; error: CommandError };

/** One line of today's history (src-tauri `HistoryRow`). */
export interface HistoryRow {
  seq: number;
  /** Hall-local `HH:MM:SS`. */
  time: string;
  counter: string;
  clerk: string;
  channel: "scanner" | "camera" | "image";
  verdict: VerdictName;
  credentialType: string | null;
  issuerName: string | null;
  reasons: string[];
  /** The masked subject summary the log keeps: (field, value). */
  subject: [string, string][];
  receipt: string | null;
}

// ---- Receipts and the printer (src-tauri view.rs, receipts.rs) -----------------------------

/** A print job (src-tauri `PrintJobView`). */
export interface PrintJobView {
  id: number;
  state: "queued" | "printing" | "waiting" | "done" | "cancelled";
  receipt: string | null;
  copy: boolean;
  testPage: boolean;
  /** Why it waits: `print.error.<code>` on the screen. */
  error: string | null;
  detail: string | null;
  attempts: number;
  /** Hall-local `HH:MM:SS` it was queued. */
  queued: string;
}

/** The spooler's news (src-tauri `PrintStatusView`; also the `print-status` event). */
export interface PrintStatusView {
  /** A message key (`printer.ready` …), or null before the printer's first answer. */
  state: string | null;
  detail: string;
  lastJob: number | null;
  lastPrinted: boolean;
  lastError: string | null;
  queueError: string | null;
}

/** The printer panel (src-tauri `PrinterPanelView`). */
export interface PrinterPanelView {
  configured: boolean;
  configError: string | null;
  address: string | null;
  paper: string;
  autoPrint: boolean;
  status: PrintStatusView | null;
  jobs: PrintJobView[];
  /** The hall's device key (64 hex digits), to register with the chain. */
  hallKey: string | null;
}

/** A checked receipt (src-tauri `ReceiptCheckView`). */
export interface ReceiptCheckView {
  finding: "genuine" | "cannot_confirm" | "contradicted" | "not_genuine";
  error: string | null;
  id: string | null;
  hall: string | null;
  counter: string | null;
  clerk: string | null;
  time: string | null;
  verdict: VerdictName | null;
  reasons: string[];
  credentialType: string | null;
  typeZh: string | null;
  typeEn: string | null;
  issuerName: string | null;
  subject: [string, string][];
  signer: string | null;
  standing: "trusted" | "withdrawn" | "unknown";
  signerStatus: string | null;
  key: string | null;
  log: "not_here" | "matches" | "differs" | "not_in_log";
  logSeq: number | null;
  differs: string[];
}

// ---- The session, the status bar, setup, updates (session.rs, commands.rs, setup.rs, updates.rs)

/** Who is signed in (src-tauri `SessionView`). */
export interface SessionView {
  id: string;
  name: string;
  role: "clerk" | "supervisor";
}

/** The chain as the status bar tells it (src-tauri `ChainStatusView`). */
export interface ChainStatusView {
  mode: "online" | "mirror" | "snapshot" | "none";
  note: string;
  mirrorBlock: number | null;
  mirrorBlockTime: string | null;
  syncedAt: string | null;
  syncing: boolean;
  syncError: string | null;
}

/** What the setup screen must ask for (src-tauri `SetupView`). */
export interface SetupView {
  kind: "no_bundle" | "refused" | "choose_counter";
  code: string | null;
  problem: string | null;
  action: string | null;
  /** The counters to choose from: (id, name). */
  counters: [string, string | null][];
  /** Whether this PC has an authority key file (then no key need be typed). */
  authorityFile: boolean;
}

/** What applying a hall bundle did (src-tauri `AppliedView`). */
export interface AppliedView {
  hall: string;
  hallName: string;
  version: number;
  counters: number;
}

/** The app's status (src-tauri `StatusView`). */
export interface StatusView {
  hall: string;
  counter: string;
  language: "zh-CN" | "en";
  session: SessionView | null;
  staffReady: boolean;
  staffError: string | null;
  chain: ChainStatusView;
  logOk: boolean;
  logError: string | null;
  printer: "none" | "misconfigured" | "configured";
  printStatus: PrintStatusView | null;
  printPending: number;
  autoPrint: boolean;
  serial: "connected" | "disconnected" | "error" | null;
  scannerMaxGapMs: number;
  idleLockSeconds: number;
  sound: boolean;
  setup: SetupView | null;
  hallName: string;
  bundleVersion: number | null;
}

/** What an update check found (src-tauri `UpdateView`). */
export interface UpdateView {
  /** `current`: nothing newer; `verified`: downloaded and its signature good. */
  status: "current" | "verified";
  current: string;
  version: string | null;
  notes: string | null;
  /** Bytes downloaded. */
  size: number | null;
}

// ---- The supervisor's console (src-tauri review_view.rs, supervisor.rs) ---------------------

/** The filter as the review commands take it (the station crate's `console::Selection`). */
export interface FilterArgs {
  from: string;
  to: string;
  counter: string | null;
  clerk: string | null;
  /** `VALID`, `INVALID`, or `UNVERIFIABLE` (review.ts `filterArgs`; the app also takes `CANNOT_CONFIRM`). */
  verdict: string | null;
  credentialType: string | null;
  issuer: string | null;
}

/** One value and how many entries had it (src-tauri `CountView`). */
export interface CountView {
  key: string | null;
  count: number;
  /** The value's names where Countersign knows them (credential types). */
  zh?: string | null;
  en?: string | null;
}

/** Counts over the filtered entries (src-tauri `SummaryView`). */
export interface SummaryView {
  total: number;
  byVerdict: CountView[];
  byType: CountView[];
  byIssuer: CountView[];
  byClerk: CountView[];
  byCounter: CountView[];
  byChannel: CountView[];
  byChainSource: CountView[];
  byHour: number[];
  failures: CountView[];
}

/** The values seen in the range, offered by the filter form (src-tauri `OptionsView`). */
export interface OptionsView {
  counters: CountView[];
  clerks: CountView[];
  verdicts: CountView[];
  types: CountView[];
  issuers: CountView[];
}

/** One item of the attention list (src-tauri `AttentionView`). */
export interface AttentionView {
  kind: "repeated-credential" | "failure-burst" | "stale-mirror" | "receipt-reprinted";
  subject: string;
  /** A readable name for the subject (the issuer's registered name), when there is one. */
  label: string | null;
  entries: number[];
  audit: number[];
  /** Hall-local first and last time of the entries concerned. */
  first: string | null;
  last: string | null;
  counters: string[];
  detail: string;
}

/** The console's overview (src-tauri `OverviewView`). */
export interface OverviewView {
  /** The hall-local day today. */
  today: string;
  from: string;
  to: string;
  summary: SummaryView;
  options: OptionsView;
  attention: AttentionView[];
}

/** A row of the entries table (src-tauri `ReviewRow`). */
export interface ReviewRow {
  seq: number;
  date: string;
  time: string;
  counter: string;
  clerk: string;
  channel: "scanner" | "camera" | "image";
  verdict: VerdictName;
  credentialType: string | null;
  typeZh: string | null;
  typeEn: string | null;
  issuerName: string | null;
  reasons: string[];
  subject: [string, string][];
  purged: boolean;
  receipt: string | null;
}

/** A page of entries (src-tauri `PageView`). */
export interface PageView {
  rows: ReviewRow[];
  /** The cursor of the next (older) page. */
  next: number | null;
  /** How many entries the filter selects (on the first page only). */
  total: number | null;
}

/** One failing check of an entry (src-tauri `FailingView`). */
export interface FailingView {
  check: string;
  reason: string | null;
}

/** A subject field as the log holds it (src-tauri `SubjectField`). */
export interface SubjectField {
  key: string;
  labelZh: string;
  labelEn: string;
  value: string;
}

/** The chain state an entry recorded (src-tauri `ChainView`). */
export interface ChainView {
  source: string;
  block: number;
  blockTime: string;
}

/** An entry in full, as the log holds it (src-tauri `EntryDetailView`). */
export interface EntryDetailView {
  seq: number;
  at: string;
  hall: string;
  counter: string;
  clerk: string;
  channel: "scanner" | "camera" | "image";
  verdict: VerdictName;
  credentialType: string | null;
  typeZh: string | null;
  typeEn: string | null;
  issuerName: string | null;
  issuer: string | null;
  credentialHash: string | null;
  failing: FailingView[];
  chain: ChainView | null;
  receipt: string | null;
  subject: SubjectField[];
  purged: boolean;
  entryHash: string;
}

/** A change found by the integrity check (src-tauri `FindingView`). */
export interface FindingView {
  seq: number;
  kind: "edited" | "deleted" | "inserted" | "reordered" | "summary-edited";
}

/** A closed day's signed digest, and how it stands on the registry (src-tauri `DigestView`). */
export interface DigestView {
  day: string;
  count: number;
  range: [number, number] | null;
  digest: string;
  /** Signed by a hall key this counter trusts, and the signature verifies. */
  signed: boolean;
  /**
   * What is wrong with it, locally (`bad-signature`, `altered`, `entries-changed`,
   * `broken-chain`) or against the registry's anchor (`differs-from-anchored`, `anchor-missing`).
   */
  problem: string | null;
  anchored: string | null;
  /** How it stands on the registry; null when the registry was not read. */
  chain: "anchored" | "differs-from-anchored" | "anchor-missing" | "not-anchored" | null;
}

/** An audit record (src-tauri `AuditView`). */
export interface AuditView {
  seq: number;
  at: string;
  actor: string;
  role: string;
  action: string;
  detail: string;
}

/** The integrity check's result (src-tauri `IntegrityView`). */
export interface IntegrityView {
  intact: boolean;
  entries: number;
  findings: FindingView[];
  auditRecords: number;
  auditFindings: FindingView[];
  digests: DigestView[];
  /** Why the registry's anchors were not checked, when a node was configured. */
  chainUnreachable: string | null;
  recentAudit: AuditView[];
  checkedAt: string;
  millis: number;
}

export type ExportFormat = "csv" | "xlsx" | "pdf";

/** A file written by an export (src-tauri `ExportView`). */
export interface ExportView {
  format: ExportFormat;
  path: string;
  entries: number;
  /** The PDF is the whole day's report, whatever the other filters. */
  wholeDay: boolean;
}

/** How the hall's policy keeps one field (src-tauri `PolicyField`). */
export interface PolicyField {
  key: string;
  labelZh: string;
  labelEn: string;
  /** `keep`: head and tail characters kept, the rest starred. */
  mask: "keep" | "clear";
  head: number;
  tail: number;
}

/** The hall's privacy policy (src-tauri `PolicyView`). */
export interface PolicyView {
  retentionDays: number;
  fields: PolicyField[];
}
