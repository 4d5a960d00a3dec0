// The app's commands and events, one typed function each: the only place that names a Tauri
// command or spells its arguments (Tauri maps these camelCase names to the Rust parameters).
// A rejected call rejects with what the app sent, untouched; `asCommandError` reads it.

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type {
  AppliedView,
  CommandError,
  EntryDetailView,
  ExportFormat,
  ExportView,
  FilterArgs,
  HistoryRow,
  IntegrityView,
  OverviewView,
  PageView,
  PolicyView,
  PrinterPanelView,
  PrintJobView,
  PrintStatusView,
  RevealedField,
  ReviewRow,
  ScanView,
  SerialScanned,
  SessionView,
  StatusView,
  UpdateView,
} from "./types";

/**
 * A rejection as a CommandError. The app's own failures already are one; Tauri's IPC layer
 * rejects with a bare string and the screen's own code may throw an Error: those get no code,
 * so they are worded as a generic error with their text.
 */
export function asCommandError(e: unknown): CommandError {
  if (e && typeof e === "object") {
    const { code, message } = e as { code?: unknown; message?: unknown };
    return { code: typeof code === "string" ? code : "", message: typeof message === "string" ? message : "" };
  }
  return { code: "", message: String(e) };
}

// ---- Session and status ---------------------------------------------------------------------

export const appStatus = () => invoke<StatusView>("app_status");

export const signIn = (id: string, pin: string, role: string) => invoke<SessionView>("sign_in", { id, pin, role });

/** `reason` is the message key the lock screen shows ("" when the clerk signed out). */
export const signOut = (reason: string) => invoke<void>("sign_out", { reason });

/** The screen saw input: the app keeps the session alive. */
export const stillHere = () => invoke<boolean>("still_here");

export const setLanguage = (language: "zh-CN" | "en") => invoke<void>("set_language", { language });

// ---- Scanning -------------------------------------------------------------------------------

export const scanText = (text: string, channel: "scanner" | "camera", expectingReceipt: boolean) =>
  invoke<ScanView>("scan_text", { text, channel, expectingReceipt });

/** A picture goes as the raw body (no JSON round trip for megabytes); the header says which screen. */
export const scanImage = (bytes: Uint8Array, expectingReceipt: boolean) =>
  invoke<ScanView>("scan_image", bytes, { headers: { "x-expecting-receipt": expectingReceipt ? "1" : "0" } });

/** A camera frame (see camera.ts `lumaFrame`): the QR payload found in it, if any. */
export const decodeFrame = (frame: Uint8Array) => invoke<string | null>("decode_frame", frame);

/** The app decides what a serial scan is: it must know when the clerk is checking receipts. */
export const setReceiptMode = (on: boolean) => invoke<void>("set_receipt_mode", { on });

/** Shows the masked numbers of verdict `id`, once the reveal is in the audit trail. */
export const reveal = (id: number) => invoke<RevealedField[]>("reveal", { id });

export const todayHistory = (limit: number) => invoke<HistoryRow[]>("today_history", { limit });

// ---- Receipts and the printer ---------------------------------------------------------------

export const printReceipt = (seq: number, copy: boolean) => invoke<PrintJobView>("print_receipt", { seq, copy });

export const printJob = (id: number) => invoke<PrintJobView>("print_job", { id });

/** The receipt as the printer will print it: a PNG. */
export const receiptPreview = (seq: number, copy: boolean) => invoke<ArrayBuffer>("receipt_preview", { seq, copy });

export const printerPanel = () => invoke<PrinterPanelView>("printer_panel");

export const retryPrint = (id: number) => invoke<void>("retry_print", { id });

export const cancelPrint = (id: number) => invoke<void>("cancel_print", { id });

export const printTestPage = () => invoke<PrintJobView>("print_test_page");

export const checkUpdate = () => invoke<UpdateView>("check_update");

// ---- Setup ----------------------------------------------------------------------------------

/** `authority`: the key IT typed in, or null to use the PC's authority file. */
export const applyBundle = (bundle: string, authority: string | null) =>
  invoke<AppliedView>("apply_bundle", { bundle, authority });

export const chooseCounter = (id: string) => invoke<void>("choose_counter", { id });

export const restartApp = () => invoke<void>("restart_app");

// ---- The supervisor's console ---------------------------------------------------------------

/** `filter` null: today, with no other filter. */
export const reviewOverview = (filter: FilterArgs | null) => invoke<OverviewView>("review_overview", { filter });

/** `before` null: the first (newest) page. */
export const reviewPage = (filter: FilterArgs, before: number | null) => invoke<PageView>("review_page", { filter, before });

export const reviewEntry = (seq: number) => invoke<EntryDetailView>("review_entry", { seq });

export const reviewSearch = (query: string) => invoke<ReviewRow[]>("review_search", { query });

export const reviewIntegrity = () => invoke<IntegrityView>("review_integrity");

export const reviewExport = (filter: FilterArgs, format: ExportFormat) => invoke<ExportView>("review_export", { filter, format });

export const reviewPolicy = () => invoke<PolicyView>("review_policy");

// ---- Events ---------------------------------------------------------------------------------

export const onSerialScanned = (handler: (answer: SerialScanned) => void): Promise<UnlistenFn> =>
  listen<SerialScanned>("serial-scanned", (ev) => handler(ev.payload));

export const onPrintStatus = (handler: (status: PrintStatusView) => void): Promise<UnlistenFn> =>
  listen<PrintStatusView>("print-status", (ev) => handler(ev.payload));

/** A serial scanner's scan the app refused before verifying (its reason code). */
export const onSerialRejected = (handler: (code: string) => void): Promise<UnlistenFn> =>
  listen<string>("serial-rejected", (ev) => handler(ev.payload));
