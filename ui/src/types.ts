// What the app sends the screen and takes from it. The views are generated from the Rust view
// structs (crates/views, by ts-rs) into ./generated/ and re-exported here, so that UI modules
// import every view type from this one file; a Rust test fails when ./generated/ is stale
// (regenerate: `cargo run -p countersign-views --example export-ts`, see ui/README.md).
// Hand-written below is only what is not a Rust view struct.

export type {
  AppliedView,
  AttentionView,
  AuditView,
  ChainStatusView,
  ChainUsedView,
  CheckView,
  CountView,
  DigestView,
  EntryChainView,
  EntryDetailView,
  EntryRow,
  ExportView,
  FailingView,
  FieldView,
  FindingView,
  IntegrityView,
  LoggedView,
  OptionsView,
  OverviewView,
  PageView,
  PolicyField,
  PolicyView,
  PrintJobView,
  PrintStatusView,
  PrinterPanelView,
  ReceiptCheckView,
  RevealedField,
  RowChain,
  ScanView,
  SessionView,
  SetupView,
  StatusView,
  SubjectField,
  SummaryView,
  UpdateView,
  VerdictView,
} from "./generated";

import type { EntryRow, ExportView, ScanView, VerdictView } from "./generated";

/** A failure as the screen receives it (src-tauri `CommandError`, beside the app's commands). */
export interface CommandError {
  /** A stable code the screen maps to a message key. */
  code: string;
  /** Detail, in English, for IT. */
  message: string;
}

/** The verdict under the screen's name. */
export type VerdictName = VerdictView["verdict"];

/** The `serial-scanned` event: a serial scanner's scan, decided and verified in the app. */
export type SerialScanned = { ok: ScanView; error?: undefined } | { ok?: undefined; error: CommandError };

/** One line of today's history: the row every front end lists. */
export type HistoryRow = EntryRow;

/** A row of the console's entries table and its search results: the same row. */
export type ReviewRow = EntryRow;

export type ExportFormat = ExportView["format"];

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
