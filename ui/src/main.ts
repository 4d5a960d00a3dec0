// The clerk's screen: sign in, then scans in (scanner burst anywhere, serial scanner, camera,
// dropped/pasted/opened picture), the verdict out, ready for the next scan at once. Text comes
// from the shared message keys; the words are computed in view.ts and status.ts.

import * as api from "./api";
import { asCommandError } from "./api";
import { Camera, type CameraState } from "./camera";
import type { SvgNode } from "./charts";
import { lang, setLang, t, type Lang } from "./i18n";
import { IdleTimer } from "./idle";
import { jobLine, printLine, receiptLines } from "./print";
import {
  attentionLine,
  auditLine,
  dayFilter,
  detailLabel,
  detailLines,
  digestCells,
  exportLine,
  filterArgs,
  filterLine,
  integrityLines,
  options,
  pageLine,
  policyLines,
  reasonWord,
  searchArgs,
  summaryCharts,
  totalsLine,
  typeName,
  type FilterState,
} from "./review";
import { DEFAULT_SCANNER, ScanDetector } from "./scanner";
import { cue, play } from "./sound";
import { chainStatus, deviceLines, errorMessage, whoLine } from "./status";
import {
  chainLine,
  fieldLabel,
  fieldValue,
  loggedLine,
  reasonLines,
  typeLabel,
} from "./view";
import type {
  AttentionView,
  EntryDetailView,
  ExportFormat,
  FilterArgs,
  HistoryRow,
  IntegrityView,
  OptionsView,
  OverviewView,
  PageView,
  PolicyView,
  PrinterPanelView,
  PrintJobView,
  ReceiptCheckView,
  ReviewRow,
  ScanView,
  SessionView,
  SetupView,
  StatusView,
  VerdictView,
} from "./types";

type Screen = "setup" | "signin" | "ready" | "verdict" | "error" | "history" | "printer" | "receipt" | "preview-panel" | "console";

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

let current: VerdictView | null = null;
/** The print job of the verdict on screen, followed until it prints or has to wait. */
let currentJob: PrintJobView | null = null;
let previewUrl: string | null = null;
/** The whole values the clerk revealed for the verdict on screen (null: masked). */
let revealed: Map<string, string> | null = null;
let status: StatusView | null = null;
let session: SessionView | null = null;
let screen: Screen = "signin";
let signinNote: string | null = null;
let scanStarted = 0;
let idle = new IdleTimer(300_000, performance.now());

function show(section: Screen): void {
  // The app decides what a serial scan is: it must know when the clerk is checking receipts.
  if ((section === "receipt") !== (screen === "receipt")) {
    void api.setReceiptMode(section === "receipt").catch(() => undefined);
  }
  screen = section;
  for (const id of ["setup", "signin", "ready", "verdict", "error", "history", "printer", "receipt", "preview-panel", "console"]) $(id).hidden = id !== section;
  $("screen").dataset.state = section;
  if (section === "signin") $<HTMLInputElement>($<HTMLInputElement>("signin-id").value ? "signin-pin" : "signin-id").focus();
  // A button clicked on the last screen may now be hidden: keys go to the page again.
  else if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
}

function renderStatic(): void {
  document.title = t("app.title");
  $("signin-title").textContent = t("signin.title");
  $("signin-clerk").textContent = t("signin.clerk");
  $("signin-supervisor").textContent = t("signin.supervisor");
  $("signin-id-label").textContent = t("signin.id");
  $("signin-pin-label").textContent = t("signin.pin");
  $("signin-submit").textContent = t("signin.submit");
  $("ready-title").textContent = t("app.ready");
  $("ready-hint").textContent = t("app.ready.hint");
  $("next").textContent = t("action.next");
  $("lang").textContent = t("lang.switch");
  $("open-image").textContent = t("action.open");
  $("camera-toggle").textContent = t("action.camera");
  $("history-toggle").textContent = t("action.history");
  $("signout").textContent = t("action.signout");
  $("history-close").textContent = t("action.close");
  $("print").textContent = t("action.print");
  $("preview").textContent = t("action.preview");
  $("preview-close").textContent = t("action.close");
  $("printer-toggle").textContent = t("action.printer");
  $("receipt-toggle").textContent = t("action.receipt");
  $("printer-title").textContent = t("printer.title");
  $("printer-jobs-title").textContent = t("printer.jobs");
  $("printer-jobs-empty").textContent = t("printer.jobs.empty");
  $("printer-test").textContent = t("action.testpage");
  $("printer-close").textContent = t("action.close");
  $("update-title").textContent = t("update.title");
  $("update-check").textContent = t("action.update.check");
  $("receipt-title").textContent = t("receipt.check.title");
  $("receipt-hint").textContent = t("receipt.check.hint");
  $("receipt-close").textContent = t("action.close");
  renderConsoleStatic();
  renderSigninMessage();
  renderStatus();
}

function renderSigninMessage(): void {
  let text = signinNote ? t(signinNote) : "";
  if (status && !status.staffReady) {
    text = status.staffError ? t("signin.storage", { message: status.staffError }) : t("signin.no.staff");
  }
  $("signin-message").textContent = text;
}

function renderStatus(): void {
  if (!status) return;
  $("status-chain").textContent = chainStatus(status.chain, new Date());
  $("status-chain").dataset.mode = status.chain.mode;
  $("status-devices").textContent = deviceLines(status).join(" · ");
  $("status-clerk").textContent = whoLine({ ...status, session });
  const signedIn = session !== null;
  $("signout").hidden = !signedIn;
  $("history-toggle").hidden = !signedIn;
  $("camera-toggle").hidden = session?.role !== "clerk";
  $("printer-toggle").hidden = !signedIn;
  $("receipt-toggle").hidden = !signedIn;
  $("open-image").hidden = session?.role !== "clerk";
}

function renderVerdict(): void {
  const v = current;
  if (!v) return;
  $("screen").dataset.verdict = v.verdict;
  $("verdict-text").textContent = t(`verdict.${v.verdict}`);
  const { reason, next } = reasonLines(v);
  $("verdict-reason").textContent = reason;
  $("verdict-next").textContent = next;
  $("credential-type").textContent = typeLabel(v);
  $("credential-issuer").textContent = v.issuerName
    ? `${v.issuerName} (${t(v.issuerRegistered ? "issuer.registered" : "issuer.claimed")})`
    : "";
  const fields = $("credential-fields");
  fields.replaceChildren(
    ...v.fields.flatMap((f) => {
      const dt = document.createElement("dt");
      dt.textContent = fieldLabel(f);
      const dd = document.createElement("dd");
      dd.textContent = fieldValue(f, revealed);
      dd.dataset.key = f.key;
      return [dt, dd];
    }),
  );
  $("chain-line").textContent = chainLine(v.chain, new Date());
  const logged = $("logged-line");
  logged.textContent = loggedLine(v.logged);
  logged.dataset.kind = v.logged.kind;
  $("reveal").textContent = t(revealed ? "field.hide" : "field.reveal");
  $("reveal").hidden = !v.fields.some((f) => f.sensitive);
  const printable = v.logged.seq !== undefined;
  $("print").hidden = !printable;
  $("preview").hidden = !printable;
  renderPrintLine();
  show("verdict");
}

function renderPrintLine(): void {
  const line = $("print-line");
  if (currentJob) {
    const { text, kind } = printLine(currentJob);
    line.textContent = text;
    line.dataset.kind = kind;
  } else {
    line.textContent = "";
    delete line.dataset.kind;
  }
}

/** Follows the verdict's print job until it prints, waits or is cancelled. */
async function followJob(id: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (!currentJob || currentJob.id !== id) return;
    if (currentJob.state === "done" || currentJob.state === "waiting" || currentJob.state === "cancelled") return;
    await new Promise((r) => setTimeout(r, 250));
    try {
      const job = await api.printJob(id);
      if (currentJob?.id === id) {
        currentJob = job;
        if (screen === "verdict") renderPrintLine();
      }
    } catch {
      return;
    }
  }
}

async function printReceipt(): Promise<void> {
  const seq = current?.logged.seq;
  if (seq === undefined || session?.role !== "clerk") {
    if (current?.logged.kind === "failed") showPrintProblem(t("print.not_logged"));
    return;
  }
  try {
    currentJob = await api.printReceipt(seq, false);
    renderPrintLine();
    void followJob(currentJob.id);
  } catch (e) {
    const err = asCommandError(e);
    showPrintProblem(errorMessage(err.code, err.message));
  }
}

function showPrintProblem(text: string): void {
  const line = $("print-line");
  line.textContent = text;
  line.dataset.kind = "problem";
}

async function previewReceipt(seq: number | undefined, copy: boolean): Promise<void> {
  if (seq === undefined) return;
  try {
    const bytes = await api.receiptPreview(seq, copy);
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = URL.createObjectURL(new Blob([bytes], { type: "image/png" }));
    $<HTMLImageElement>("preview-image").src = previewUrl;
    show("preview-panel");
  } catch (e) {
    showError(e);
  }
}

async function showPrinter(): Promise<void> {
  let panel: PrinterPanelView;
  try {
    panel = await api.printerPanel();
  } catch (e) {
    showError(e);
    return;
  }
  const message = !panel.configured
    ? t("printer.none.detail")
    : panel.configError
      ? t("printer.misconfigured", { message: panel.configError })
      : "";
  $("printer-message").textContent = message;
  const info: [string, string][] = [
    ["printer.address", panel.address ?? "—"],
    ["printer.paper", panel.paper],
    ["printer.state", panel.status?.state ? t(panel.status.state) + (panel.status.detail ? ` (${panel.status.detail})` : "") : "—"],
    ["printer.autoprint", t(panel.autoPrint ? "printer.autoprint.on" : "printer.autoprint.off")],
    ["printer.hallkey", panel.hallKey ?? "—"],
  ];
  $("printer-info").replaceChildren(
    ...info.flatMap(([k, v]) => {
      const dt = document.createElement("dt");
      dt.textContent = t(k);
      const dd = document.createElement("dd");
      dd.textContent = v;
      dd.id = `printer-${k.split(".")[1]}`;
      return [dt, dd];
    }),
  );
  $("printer-jobs-empty").hidden = panel.jobs.length > 0;
  $("printer-jobs").replaceChildren(
    ...panel.jobs.map((j) => {
      const li = document.createElement("li");
      li.dataset.job = String(j.id);
      li.dataset.state = j.state;
      li.append(jobLine(j));
      for (const [label, command, call] of [["action.retry", "retry_print", api.retryPrint], ["action.cancel", "cancel_print", api.cancelPrint]] as const) {
        if (j.state === "printing") continue;
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = t(label);
        b.className = command;
        b.addEventListener("click", async () => {
          await call(j.id).catch(showError);
          await showPrinter();
        });
        li.append(b);
      }
      return li;
    }),
  );
  $("printer-test").hidden = !panel.configured || panel.configError !== null;
  show("printer");
}

async function checkUpdate(): Promise<void> {
  const line = $("update-result");
  line.textContent = t("update.checking");
  delete line.dataset.kind;
  try {
    const u = await api.checkUpdate();
    line.textContent =
      u.status === "current"
        ? t("update.current", { current: u.current })
        : t("update.verified", { version: u.version ?? "", size: u.size ?? 0 });
    line.dataset.kind = "ok";
  } catch (e) {
    const err = asCommandError(e);
    line.textContent = errorMessage(err.code, err.message);
    line.dataset.kind = "problem";
  }
}

function showReceiptCheck(r: ReceiptCheckView | null): void {
  const section = $("receipt");
  if (!r) {
    delete section.dataset.finding;
    $("receipt-finding").textContent = "";
    $("receipt-next").textContent = "";
    $("receipt-details").replaceChildren();
    show("receipt");
    return;
  }
  section.dataset.finding = r.finding;
  const { finding, next, details } = receiptLines(r);
  $("receipt-finding").textContent = finding;
  $("receipt-next").textContent = next;
  $("receipt-details").replaceChildren(
    ...details.map((d) => {
      const li = document.createElement("li");
      li.textContent = d;
      return li;
    }),
  );
  show("receipt");
  if (status?.sound) play(cue(r.finding === "genuine" ? "VALID" : r.finding === "cannot_confirm" ? "CANNOT_CONFIRM" : "INVALID"));
}

function scanShown(r: ScanView): void {
  if (r.receipt) showReceiptCheck(r.receipt);
  else if (r.verdict) verdictShown(r.verdict);
}

function showError(e: unknown): void {
  const err = asCommandError(e);
  if (err.code === "signed_out" || err.code === "not_clerk") {
    void lockScreen(err.code);
    return;
  }
  $("error-text").textContent = errorMessage(err.code, err.message);
  show("error");
}

/** A verdict arrived: show it, cue it, and note how long it took from the scan. */
function verdictShown(v: VerdictView): void {
  current = v;
  currentJob = v.print ?? null;
  if (currentJob) void followJob(currentJob.id);
  revealed = null;
  renderVerdict();
  if (status?.sound) play(cue(v.verdict));
  const started = scanStarted;
  requestAnimationFrame(() => {
    // Read by the end-to-end run for the scan-to-verdict figure.
    document.body.dataset.scanMs = (performance.now() - started).toFixed(1);
  });
}

async function verifyText(text: string, channel: "scanner" | "camera"): Promise<void> {
  scanStarted = performance.now();
  // Read by the end-to-end tests when a scan goes astray.
  document.body.dataset.lastScan = `${screen}|${text.length}|${text.slice(0, 12)}`;
  if (!session) {
    if (screen === "signin") $("signin-error").textContent = t("signin.scan.first");
    return;
  }
  // The app decides what it is (a receipt brought back, or a credential) and what is allowed.
  try {
    scanShown(await api.scanText(text, channel, screen === "receipt"));
  } catch (e) {
    // A credential scanned in the supervisor's console is ignored, as it always was.
    if (asCommandError(e).code !== "scan.not_clerk") showError(e);
  }
}

async function verifyImage(bytes: Uint8Array): Promise<void> {
  scanStarted = performance.now();
  if (!session) {
    if (screen === "signin") $("signin-error").textContent = t("signin.scan.first");
    return;
  }
  try {
    scanShown(await api.scanImage(bytes, screen === "receipt"));
  } catch (e) {
    if (asCommandError(e).code !== "scan.not_clerk") showError(e);
  }
}

function next(): void {
  current = null;
  currentJob = null;
  revealed = null;
  delete $("screen").dataset.verdict;
  if (session?.role === "supervisor") {
    // Esc in the console: from an entry's detail back to where it was opened.
    if (screen === "console" && pane === "detail") showPane(detailFrom);
    else void showConsole(screen === "console" ? pane : "overview");
  } else show("ready");
}

async function switchLanguage(): Promise<void> {
  const to: Lang = lang() === "zh-CN" ? "en" : "zh-CN";
  setLang(to);
  await api.setLanguage(to).catch(() => undefined);
  renderStatic();
  if (current && screen === "verdict") renderVerdict();
  if (screen === "history") await showHistory();
  if (screen === "printer") await showPrinter();
  if (screen === "console") renderConsole();
}

async function refreshStatus(): Promise<void> {
  try {
    status = await api.appStatus();
  } catch {
    return;
  }
  if (session && !status.session) {
    // The app ended the session (idle): lock here too.
    await lockScreen("signin.locked.idle");
    return;
  }
  renderSigninMessage();
  renderStatus();
}

async function lockScreen(note: string): Promise<void> {
  await api.signOut(note).catch(() => undefined);
  session = null;
  resetConsole();
  current = null;
  camera.stop();
  $("camera").hidden = true;
  signinNote = note;
  $<HTMLInputElement>("signin-pin").value = "";
  $("signin-error").textContent = "";
  renderSigninMessage();
  renderStatus();
  show("signin");
}

async function signIn(): Promise<void> {
  const id = $<HTMLInputElement>("signin-id").value.trim();
  const pinInput = $<HTMLInputElement>("signin-pin");
  const pin = pinInput.value;
  const role = (document.querySelector('input[name="role"]:checked') as HTMLInputElement | null)?.value ?? "clerk";
  pinInput.value = "";
  if (!id || !pin) {
    $("signin-error").textContent = t("staff.empty");
    return;
  }
  // The PIN check takes a moment (argon2, off the window's thread): no earlier message stays
  // on screen meanwhile to be mistaken for this attempt's answer.
  $("signin-error").textContent = "";
  try {
    session = await api.signIn(id, pin, role);
  } catch (e) {
    const err = asCommandError(e);
    const until = /until (\S+)/.exec(err.message)?.[1];
    const minutes = until ? Math.max(1, Math.ceil((Date.parse(until) - Date.now()) / 60_000)) : 5;
    $("signin-error").textContent = errorMessage(err.code, err.message, { minutes });
    pinInput.focus();
    return;
  }
  signinNote = null;
  $("signin-error").textContent = "";
  idle = new IdleTimer((status?.idleLockSeconds ?? 300) * 1000, performance.now());
  await refreshStatus();
  if (session.role === "supervisor") {
    resetConsole();
    await showConsole("overview");
  } else show("ready");
}

function cell(text: string): HTMLTableCellElement {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

async function showHistory(): Promise<void> {
  let rows: HistoryRow[];
  try {
    rows = await api.todayHistory(500);
  } catch (e) {
    showError(e);
    return;
  }
  const all = session?.role === "supervisor";
  $("history-title").textContent = t(all ? "supervisor.title" : "history.title");
  const count = (v: string) => rows.filter((r) => r.verdict === v).length;
  $("history-summary").textContent = t("supervisor.counts", {
    total: rows.length,
    valid: count("VALID"),
    invalid: count("INVALID"),
    unconfirmed: count("CANNOT_CONFIRM"),
  });
  $("history-empty").textContent = t("history.empty");
  $("history-empty").hidden = rows.length > 0;
  const heads = ["history.time", ...(all ? ["history.counter", "history.clerk"] : []), "history.type", "history.verdict", "history.reason", "history.subject", ...(all ? [] : ["receipt.id"])];
  $("history-head").replaceChildren(
    ...heads.map((k) => {
      const th = document.createElement("th");
      th.textContent = t(k);
      return th;
    }),
  );
  $("history-rows").replaceChildren(
    ...rows.map((r) => {
      const tr = document.createElement("tr");
      tr.dataset.verdict = r.verdict;
      tr.append(cell(r.time));
      if (all) tr.append(cell(r.counter), cell(r.clerk));
      const reason = r.reasons[0];
      tr.append(
        cell(r.credentialType ?? ""),
        cell(t(`verdict.${r.verdict}`)),
        cell(reason ? t(`reason.${reason}`) : ""),
        cell(r.subject.map(([, v]) => v).join(" ")),
      );
      if (!all) {
        const td = cell(r.receipt ?? "");
        if (r.receipt) {
          const b = document.createElement("button");
          b.type = "button";
          b.className = "reprint";
          b.textContent = t("action.reprint");
          b.addEventListener("click", async () => {
            try {
              const job = await api.printReceipt(r.seq, true);
              b.textContent = printLine(job).text;
            } catch (e) {
              const err = asCommandError(e);
              b.textContent = errorMessage(err.code, err.message);
            }
          });
          td.append(" ", b);
        }
        tr.append(td);
      }
      return tr;
    }),
  );
  show("history");
}

function toggleHistory(): void {
  if (session?.role === "supervisor") void showConsole("entries");
  else if (screen === "history") next();
  else void showHistory();
}

function cameraState(s: CameraState): void {
  const text =
    s.kind === "denied" ? t("camera.denied", { message: s.message }) : t(`camera.${s.kind}`);
  $("camera-state").textContent = text;
  $("camera").dataset.kind = s.kind;
  $("camera-video").hidden = s.kind !== "live";
}

const camera = new Camera($<HTMLVideoElement>("camera-video"), cameraState, (text) => {
  if (screen === "ready") void verifyText(text, "camera");
});

function toggleCamera(): void {
  if (session?.role !== "clerk") return;
  if (screen !== "ready") next();
  if (camera.running || !$("camera").hidden) {
    camera.stop();
    $("camera").hidden = true;
  } else {
    $("camera").hidden = false;
    void camera.start();
  }
}

/** A letter key, once no scanner burst followed it. */
function shortcut(k: string): void {
  if (!session) return;
  if (k === "h") toggleHistory();
  else if (k === "q") {
    if (screen === "printer") next();
    else void showPrinter();
  } else if (k === "k") {
    if (screen === "receipt") next();
    else showReceiptCheck(null);
  } else if (session.role === "supervisor") consoleKey(k);
  else if (session.role !== "clerk") return;
  else if (k === "p" && current && screen === "verdict") void printReceipt();
  else if (k === "v" && current && screen === "verdict") void previewReceipt(current.logged.seq, false);
  else if (k === "r" && current && screen === "verdict") void toggleReveal();
  else if (k === "o") $<HTMLInputElement>("image-input").click();
  else if (k === "c") toggleCamera();
}

let pendingShortcut: number | undefined;

function inSigninForm(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && target.closest("#signin-form, #setup, .typed") !== null;
}

function showSetup(setup: SetupView): void {
  $("setup-title").textContent = t("setup.title");
  $("setup-message").textContent =
    setup.kind === "refused"
      ? t("setup.message.refused", { problem: setup.problem ?? "", action: setup.action ?? "" })
      : setup.kind === "choose_counter"
        ? t("setup.choose_counter")
        : t("setup.no_bundle");
  $("setup-bundle").hidden = setup.kind === "choose_counter";
  $("setup-hint").textContent = t("setup.hint");
  $("setup-authority-label").textContent = t(setup.authorityFile ? "setup.authority.file" : "setup.authority");
  $<HTMLInputElement>("setup-authority").hidden = setup.authorityFile;
  $("setup-file-label").textContent = t("setup.file");
  $("setup-restart").textContent = t("action.restart");
  $("setup-counters").replaceChildren(
    ...setup.counters.map(([id, name]) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "counter";
      b.dataset.id = id;
      b.textContent = name ? `${id} · ${name}` : id;
      b.addEventListener("click", async () => {
        try {
          await api.chooseCounter(id);
          setupDone(t("setup.counter.chosen", { id }));
        } catch (e) {
          setupFailed(e);
        }
      });
      return b;
    }),
  );
  show("setup");
}

function setupDone(text: string): void {
  const result = $("setup-result");
  result.textContent = text;
  result.dataset.kind = "ok";
  $("setup-restart").hidden = false;
}

function setupFailed(e: unknown): void {
  const err = asCommandError(e);
  const result = $("setup-result");
  result.textContent = errorMessage(err.code, err.message);
  result.dataset.kind = "problem";
}

async function applyBundle(file: File): Promise<void> {
  const bundle = await file.text();
  const authority = $<HTMLInputElement>("setup-authority").value.trim() || null;
  try {
    const applied = await api.applyBundle(bundle, authority);
    setupDone(t("setup.applied", { hallName: applied.hallName, version: applied.version }));
  } catch (e) {
    setupFailed(e);
  }
}


/**
 * Shows the masked numbers: the app records the reveal in the audit trail and only then sends
 * the whole values; hiding them again forgets them at once.
 */
async function toggleReveal(): Promise<void> {
  // Nothing masked, nothing to reveal (a business licence's fields are public).
  if (!current || !current.fields.some((f) => f.sensitive)) return;
  if (revealed) {
    revealed = null;
  } else {
    try {
      const fields = await api.reveal(current.id);
      revealed = new Map(fields.map((f) => [f.key, f.value]));
    } catch (e) {
      const err = asCommandError(e);
      showPrintProblem(t("reveal.not_recorded", { message: err.message }));
      return;
    }
  }
  renderVerdict();
}

// ---- The supervisor's console -------------------------------------------------------------
// Panes: the overview (today at a glance, or the filter's range), the entries table (a page
// of 50 at a time, never the whole range), an entry's detail, the attention list, the
// integrity check, the privacy policy. The strings come from review.ts; this places them.

type Pane = "overview" | "entries" | "attention" | "integrity" | "policy" | "detail";

let pane: Pane = "overview";
let detailFrom: Pane = "entries";
let applied: FilterArgs | null = null;
let overview: OverviewView | null = null;
let page: (PageView & { offset: number }) | null = null;
/** The `before` cursor of each page shown, oldest last (`null`: the first page), for "previous". */
let cursors: (number | null)[] = [];
let total: number | null = null;
let searched: { query: string; rows: ReviewRow[] } | null = null;
let detail: EntryDetailView | null = null;
let integrity: IntegrityView | null = null;
let integrityNote: string | null = null;
let policy: PolicyView | null = null;
let exported: { text: string; kind: "ok" | "problem" | "busy" } | null = null;
let selected = -1;
/** Rows per page (src-tauri `supervisor::PAGE`). */
const PAGE = 50;

const FILTER_FIELDS: [keyof FilterState, string, keyof OptionsView][] = [
  ["counter", "filter-counter", "counters"],
  ["clerk", "filter-clerk", "clerks"],
  ["verdict", "filter-verdict", "verdicts"],
  ["credentialType", "filter-type", "types"],
  ["issuer", "filter-issuer", "issuers"],
];

function resetConsole(): void {
  pane = "overview";
  applied = null;
  overview = null;
  page = null;
  cursors = [];
  total = null;
  searched = null;
  detail = null;
  integrity = null;
  integrityNote = null;
  policy = null;
  exported = null;
  selected = -1;
}

function renderConsoleStatic(): void {
  $("console-title").textContent = t("console.title");
  $("console-keys").textContent = t("console.keys");
  for (const p of ["overview", "entries", "attention", "integrity", "policy"]) $(`tab-${p}`).textContent = t(`console.tab.${p}`);
  $("filter-title").textContent = t("console.filter.title");
  $("filter-from-label").textContent = t("console.filter.from");
  $("filter-to-label").textContent = t("console.filter.to");
  $("filter-counter-label").textContent = t("history.counter");
  $("filter-clerk-label").textContent = t("history.clerk");
  $("filter-verdict-label").textContent = t("history.verdict");
  $("filter-type-label").textContent = t("history.type");
  $("filter-issuer-label").textContent = t("receipt.issuer");
  $("filter-apply").textContent = t("console.filter.apply");
  $("filter-today").textContent = t("console.filter.today");
  $("search-label").textContent = t("console.search.label");
  $("search-submit").textContent = t("console.search.submit");
  $("overview-attention-title").textContent = t("console.tab.attention");
  $("page-prev").textContent = t("console.page.prev");
  $("page-next").textContent = t("console.page.next");
  $("detail-back").textContent = t("console.detail.back");
  $("attention-title").textContent = t("console.tab.attention");
  $("integrity-title").textContent = t("integrity.title");
  $("integrity-run").textContent = t("integrity.run");
  $("digests-title").textContent = t("integrity.digests");
  $("audit-title").textContent = t("integrity.audit.recent");
  $("policy-title").textContent = t("policy.title");
  $("export-title").textContent = t("export.title");
  $("export-csv").textContent = t("export.csv");
  $("export-xlsx").textContent = t("export.xlsx");
  $("export-pdf").textContent = t("export.pdf");
}

function consoleProblem(e: unknown): void {
  const err = asCommandError(e);
  if (err.code === "signed_out") {
    void lockScreen("signin.locked.idle");
    return;
  }
  const text = e instanceof Error ? e.message : errorMessage(err.code, err.message);
  $("console-error").textContent = text;
}

function formState(): FilterState {
  const value = (id: string) => ($(id) as HTMLInputElement | HTMLSelectElement).value;
  return {
    from: value("filter-from"),
    to: value("filter-to"),
    counter: value("filter-counter"),
    clerk: value("filter-clerk"),
    verdict: value("filter-verdict"),
    credentialType: value("filter-type"),
    issuer: value("filter-issuer"),
  };
}

/** Fills the selects with the values seen in the range, keeping what was chosen. */
function renderFilterForm(): void {
  if (!overview || !applied) return;
  $<HTMLInputElement>("filter-from").value = applied.from;
  $<HTMLInputElement>("filter-to").value = applied.to;
  const chosen: Record<string, string | null> = {
    counter: applied.counter,
    clerk: applied.clerk,
    verdict: applied.verdict === "UNVERIFIABLE" ? "CANNOT_CONFIRM" : applied.verdict,
    credentialType: applied.credentialType,
    issuer: applied.issuer,
  };
  for (const [field, id, list] of FILTER_FIELDS) {
    const select = $<HTMLSelectElement>(id);
    const choices = options(list, overview.options[list]);
    const want = chosen[field] ?? "";
    if (want && !choices.some(([v]) => v === want)) choices.push([want, want]);
    select.replaceChildren(
      ...choices.map(([value, label]) => {
        const o = document.createElement("option");
        o.value = value;
        o.textContent = label;
        return o;
      }),
    );
    select.value = want;
  }
}

async function showConsole(to: Pane): Promise<void> {
  if (session?.role !== "supervisor") return;
  show("console");
  if (!overview) await loadOverview();
  showPane(to);
}

function showPane(to: Pane): void {
  pane = to;
  for (const p of ["overview", "entries", "attention", "integrity", "policy", "detail"]) $(`pane-${p}`).hidden = p !== to;
  for (const b of document.querySelectorAll<HTMLButtonElement>("#console-tabs button")) {
    b.classList.toggle("current", b.dataset.pane === to);
  }
  $("console").dataset.pane = to;
  if (to === "entries" && !page && !searched) void loadPage(null, 0);
  if (to === "policy" && !policy) void loadPolicy();
  renderConsole();
}

/** Everything on the console from what was last received (also on a language switch). */
function renderConsole(): void {
  renderConsoleStatic();
  renderFilterForm();
  $("console-filter-line").textContent = applied ? filterLine(applied, typeLabelOf) : "";
  renderOverview();
  renderEntries();
  renderDetail();
  renderAttention($("attention-list"));
  renderIntegrity();
  renderPolicy();
  const result = $("export-result");
  result.textContent = exported?.text ?? "";
  if (exported) result.dataset.kind = exported.kind;
  else delete result.dataset.kind;
}

function typeLabelOf(key: string): string {
  const c = overview?.options.types.find((x) => x.key === key);
  return typeName(key, c?.zh, c?.en);
}

async function loadOverview(): Promise<void> {
  $("console-error").textContent = "";
  const started = performance.now();
  const asked = applied;
  try {
    const got = await api.reviewOverview(asked);
    // A later filter's overview may have arrived first: keep the newest.
    if (asked !== applied) return;
    overview = got;
    if (!applied) applied = filterArgs(dayFilter(got.today));
    // Read by the end-to-end run for the overview figure.
    $("overview-totals").dataset.ms = (performance.now() - started).toFixed(1);
  } catch (e) {
    consoleProblem(e);
  }
  renderConsole();
}

async function applyFilter(state: FilterState = formState()): Promise<void> {
  try {
    applied = filterArgs(state);
  } catch (e) {
    consoleProblem(e);
    return;
  }
  page = null;
  cursors = [];
  total = null;
  searched = null;
  selected = -1;
  // The first page does not wait for the range's summary (the app reads them apart).
  const summarised = loadOverview();
  if (pane === "entries") await loadPage(null, 0);
  else if (pane === "detail" || pane === "integrity" || pane === "policy") showPane("entries");
  await summarised;
}

async function loadPage(before: number | null, offset: number): Promise<void> {
  if (!applied) return;
  $("console-error").textContent = "";
  const started = performance.now();
  const asked = applied;
  try {
    const got = await api.reviewPage(asked, before);
    if (asked !== applied) return;
    if (got.total !== null) total = got.total;
    page = { ...got, offset };
    searched = null;
    selected = got.rows.length > 0 ? 0 : -1;
    // Read by the end-to-end run for the time-to-page figure.
    $("entries-table").dataset.ms = (performance.now() - started).toFixed(1);
  } catch (e) {
    consoleProblem(e);
  }
  renderEntries();
}

async function nextPage(): Promise<void> {
  if (!page || page.next === null || searched) return;
  if (cursors.length === 0) cursors.push(null);
  cursors.push(page.next);
  await loadPage(page.next, page.offset + page.rows.length);
}

async function previousPage(): Promise<void> {
  if (!page || page.offset === 0 || searched || cursors.length < 2) return;
  cursors.pop();
  const before = cursors[cursors.length - 1] ?? null;
  await loadPage(before, Math.max(0, page.offset - PAGE));
}

function verdictCell(verdict: string): HTMLTableCellElement {
  const td = cell(t(`verdict.${verdict}`));
  td.className = "verdict";
  return td;
}

function renderEntries(): void {
  const rows = searched ? searched.rows : (page?.rows ?? []);
  $("entries-line").textContent = searched
    ? rows.length > 0
      ? t("console.search.results", { query: searched.query, n: rows.length })
      : t("console.search.none", { query: searched.query })
    : page
      ? pageLine(page.offset, page.rows.length, total)
      : t("console.loading");
  const heads = ["history.time", "history.counter", "history.clerk", "history.type", "history.verdict", "history.reason", "history.subject", "receipt.id"];
  $("entries-head").replaceChildren(
    ...heads.map((k) => {
      const th = document.createElement("th");
      th.textContent = t(k);
      return th;
    }),
  );
  const multiDay = applied !== null && applied.from !== applied.to;
  $("entries-rows").replaceChildren(
    ...rows.map((r, i) => {
      const tr = document.createElement("tr");
      tr.dataset.seq = String(r.seq);
      tr.dataset.verdict = r.verdict;
      if (i === selected) tr.classList.add("selected");
      const reason = r.reasons[0];
      tr.append(
        cell(multiDay || searched ? `${r.date} ${r.time}` : r.time),
        cell(r.counter),
        cell(r.clerk),
        cell(r.credentialType ? typeName(r.credentialType, r.typeZh, r.typeEn) : ""),
        verdictCell(r.verdict),
        cell(reason ? reasonWord(reason) : ""),
        cell(r.purged ? t("console.detail.purged") : r.subject.map(([, v]) => v).join(" ")),
        cell(r.receipt ?? ""),
      );
      tr.addEventListener("click", () => void openDetail(r.seq));
      return tr;
    }),
  );
  $<HTMLButtonElement>("page-prev").disabled = !page || page.offset === 0 || searched !== null;
  $<HTMLButtonElement>("page-next").disabled = !page || page.next === null || searched !== null;
}

async function openDetail(seq: number): Promise<void> {
  try {
    detail = await api.reviewEntry(seq);
  } catch (e) {
    consoleProblem(e);
    return;
  }
  if (pane !== "detail") detailFrom = pane;
  showPane("detail");
}

function renderDetail(): void {
  if (!detail) return;
  $("detail-title").textContent = t("console.detail.title", { seq: detail.seq });
  $("pane-detail").dataset.verdict = detail.verdict;
  $("detail-fields").replaceChildren(
    ...detailLines(detail).flatMap(([k, v]) => {
      const dt = document.createElement("dt");
      dt.textContent = detailLabel(k);
      const dd = document.createElement("dd");
      dd.textContent = v;
      return [dt, dd];
    }),
  );
}

/** The attention list into `list`: each item in words, its entries as links to their detail. */
function renderAttention(list: HTMLElement): void {
  const items: AttentionView[] = overview?.attention ?? [];
  if (items.length === 0) {
    const li = document.createElement("li");
    li.className = "none";
    li.textContent = t("console.attention.none");
    list.replaceChildren(li);
    return;
  }
  list.replaceChildren(
    ...items.map((a) => {
      const li = document.createElement("li");
      li.dataset.kind = a.kind;
      li.append(attentionLine(a), " ");
      for (const seq of a.entries.slice(0, 12)) {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "entry-link";
        b.dataset.seq = String(seq);
        b.textContent = `#${seq}`;
        b.addEventListener("click", () => void openDetail(seq));
        li.append(b);
      }
      if (a.entries.length > 12) li.append(` +${a.entries.length - 12}`);
      return li;
    }),
  );
}

/** A chart's tree (charts.ts) as SVG elements: createElementNS and textContent only, so a
 * label is never parsed as markup. */
function svg(node: SvgNode): SVGElement {
  const el = document.createElementNS("http://www.w3.org/2000/svg", node.tag);
  for (const [name, value] of Object.entries(node.attrs)) el.setAttribute(name, String(value));
  if (node.text !== undefined) el.textContent = node.text;
  for (const child of node.children ?? []) el.append(svg(child));
  return el;
}

function renderOverview(): void {
  const charts = $("overview-charts");
  charts.replaceChildren();
  if (!overview) {
    $("overview-totals").textContent = t("console.loading");
    return;
  }
  $("overview-totals").textContent = totalsLine(overview.summary);
  $("overview-totals").dataset.total = String(overview.summary.total);
  charts.append(...summaryCharts(overview.summary).map(svg));
  renderAttention($("overview-attention"));
}

async function runIntegrity(): Promise<void> {
  showPane("integrity");
  integrity = null;
  integrityNote = t("integrity.running");
  renderIntegrity();
  try {
    integrity = await api.reviewIntegrity();
    integrityNote = null;
  } catch (e) {
    integrityNote = null;
    consoleProblem(e);
  }
  renderIntegrity();
}

function renderIntegrity(): void {
  const banner = $("integrity-banner");
  const lines = $("integrity-lines");
  if (!integrity) {
    $("integrity-headline").textContent = integrityNote ?? "";
    banner.dataset.kind = integrityNote ? "busy" : "none";
    lines.replaceChildren();
    $("integrity-checked").textContent = "";
    $("digests-table").hidden = true;
    $("digests-empty").textContent = "";
    $("audit-list").replaceChildren();
    return;
  }
  const r = integrityLines(integrity);
  $("integrity-headline").textContent = r.headline;
  banner.dataset.kind = r.kind;
  lines.replaceChildren(
    ...r.lines.map((l) => {
      const li = document.createElement("li");
      li.textContent = l;
      return li;
    }),
  );
  $("integrity-checked").textContent = t("integrity.checked", { when: integrity.checkedAt, ms: integrity.millis });
  $("digests-empty").textContent = integrity.digests.length === 0 ? t("integrity.digests.none") : "";
  $("digests-table").hidden = integrity.digests.length === 0;
  $("digests-head").replaceChildren(
    ...["day", "count", "digest", "signed", "anchored"].map((k) => {
      const th = document.createElement("th");
      th.textContent = t(`integrity.digests.${k}`);
      return th;
    }),
  );
  $("digests-rows").replaceChildren(
    ...integrity.digests.map((d) => {
      const tr = document.createElement("tr");
      tr.dataset.day = d.day;
      if (d.problem) tr.dataset.problem = d.problem;
      tr.append(...digestCells(d).map(cell));
      return tr;
    }),
  );
  $("audit-list").replaceChildren(
    ...integrity.recentAudit.map((a) => {
      const li = document.createElement("li");
      li.dataset.action = a.action;
      li.textContent = auditLine(a);
      return li;
    }),
  );
}

async function loadPolicy(): Promise<void> {
  try {
    policy = await api.reviewPolicy();
  } catch (e) {
    consoleProblem(e);
  }
  renderPolicy();
}

function renderPolicy(): void {
  if (!policy) return;
  $("policy-lines").replaceChildren(
    ...policyLines(policy).map((l) => {
      const li = document.createElement("li");
      li.textContent = l;
      return li;
    }),
  );
}

async function runSearch(): Promise<void> {
  const q = searchArgs($<HTMLInputElement>("search-input").value);
  if (!q) return;
  try {
    const rows = await api.reviewSearch(q.query);
    searched = { query: q.query, rows };
    selected = rows.length > 0 ? 0 : -1;
  } catch (e) {
    consoleProblem(e);
    return;
  }
  showPane("entries");
}

async function runExport(format: ExportFormat): Promise<void> {
  if (!applied) return;
  exported = { text: t("export.busy"), kind: "busy" };
  renderConsole();
  try {
    const e = await api.reviewExport(applied, format);
    exported = { text: exportLine(e), kind: "ok" };
  } catch (e) {
    const err = asCommandError(e);
    exported = { text: errorMessage(err.code, err.message), kind: "problem" };
  }
  renderConsole();
}

/** A supervisor's letter key (after the scanner's gap). */
function consoleKey(k: string): void {
  if (screen !== "console") {
    if ("teaimfs".includes(k)) void showConsole("overview").then(() => consoleKey(k));
    return;
  }
  if (k === "t") {
    showPane("overview");
    void loadOverview();
  } else if (k === "e") {
    if (searched) {
      searched = null;
      page = null;
    }
    showPane("entries");
  } else if (k === "a") showPane("attention");
  else if (k === "i") void runIntegrity();
  else if (k === "m") showPane("policy");
  else if (k === "f") $<HTMLInputElement>("filter-from").focus();
  else if (k === "s") $<HTMLInputElement>("search-input").focus();
  else if (k === "n" && pane === "entries") void nextPage();
  else if (k === "b" && pane === "entries") void previousPage();
  else if (k === "x") void runExport("csv");
  else if (k === "w") void runExport("xlsx");
  else if (k === "d") void runExport("pdf");
}

/** Arrows move through the entries table, Enter opens the selected entry. */
function consoleArrow(key: string): boolean {
  if (pane !== "entries") return false;
  const rows = searched ? searched.rows : (page?.rows ?? []);
  if (rows.length === 0) return false;
  if (key === "ArrowDown" || key === "ArrowUp") {
    selected = Math.min(rows.length - 1, Math.max(0, selected + (key === "ArrowDown" ? 1 : -1)));
    renderEntries();
    document.querySelector("#entries-rows tr.selected")?.scrollIntoView({ block: "nearest" });
    return true;
  }
  if (key === "Enter" && selected >= 0 && rows[selected]) {
    void openDetail(rows[selected].seq);
    return true;
  }
  return false;
}

function wireConsole(): void {
  for (const b of document.querySelectorAll<HTMLButtonElement>("#console-tabs button")) {
    b.addEventListener("click", () => {
      const to = b.dataset.pane as Pane;
      if (to === "integrity" && !integrity) void runIntegrity();
      else showPane(to);
      if (to === "overview") void loadOverview();
    });
  }
  // After a submit the keys are the console's again (F, S, E …), not the form's.
  const leaveForm = () => {
    if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
    $("screen").focus();
  };
  $("console-filter").addEventListener("submit", (ev) => {
    ev.preventDefault();
    leaveForm();
    void applyFilter();
  });
  $("filter-today").addEventListener("click", () => {
    leaveForm();
    if (overview) void applyFilter(dayFilter(overview.today));
  });
  $("console-search").addEventListener("submit", (ev) => {
    ev.preventDefault();
    leaveForm();
    void runSearch();
  });
  $("page-next").addEventListener("click", () => void nextPage());
  $("page-prev").addEventListener("click", () => void previousPage());
  $("detail-back").addEventListener("click", () => showPane(detailFrom));
  $("integrity-run").addEventListener("click", () => void runIntegrity());
  $("export-csv").addEventListener("click", () => void runExport("csv"));
  $("export-xlsx").addEventListener("click", () => void runExport("xlsx"));
  $("export-pdf").addEventListener("click", () => void runExport("pdf"));
}

async function start(): Promise<void> {
  try {
    status = await api.appStatus();
    setLang(status.language);
    session = status.session;
    idle = new IdleTimer(status.idleLockSeconds * 1000, performance.now());
  } catch (e) {
    showError(e);
  }
  renderStatic();
  const detector = new ScanDetector((text) => void verifyText(text, "scanner"), {
    ...DEFAULT_SCANNER,
    maxGapMs: status?.scannerMaxGapMs ?? DEFAULT_SCANNER.maxGapMs,
  });
  window.setInterval(() => detector.tick(performance.now()), 100);
  window.setInterval(() => void refreshStatus(), 5000);
  window.setInterval(() => {
    if (session && idle.expired(performance.now())) void lockScreen("signin.locked.idle");
  }, 1000);
  const activity = () => {
    if (session && idle.input(performance.now())) void api.stillHere().catch(() => undefined);
  };
  for (const kind of ["keydown", "pointerdown", "pointermove", "wheel"]) window.addEventListener(kind, activity, true);
  window.addEventListener(
    "keydown",
    (ev) => {
      // The PIN and staff ID (and the console's filter and search) are typed by a person:
      // no burst detection, no shortcuts. Esc leaves the console's fields for the keys.
      if (inSigninForm(ev.target)) {
        if (ev.key === "Escape" && ev.target instanceof HTMLElement && ev.target.closest(".typed")) {
          ev.target.blur();
          $("screen").focus();
        }
        return;
      }
      const key = {
        key: ev.key,
        time: ev.timeStamp,
        isComposing: ev.isComposing,
        keyCode: ev.keyCode,
        ctrlKey: ev.ctrlKey,
        altKey: ev.altKey,
        metaKey: ev.metaKey,
      };
      // Any key cancels a letter that was waiting to count as a shortcut: it was the start
      // of a scanner's burst ("CS1:…" begins with C, the camera key).
      window.clearTimeout(pendingShortcut);
      if (detector.feed(key) === "consume") {
        ev.preventDefault();
        ev.stopPropagation();
        return;
      }
      if (detector.inBurst || ev.ctrlKey || ev.altKey || ev.metaKey || !session) return;
      if (ev.key === "Escape") next();
      else if (screen === "console" && consoleArrow(ev.key)) ev.preventDefault();
      else if (ev.key === "F10") {
        ev.preventDefault();
        void lockScreen("");
      } else if ([...ev.key].length === 1) {
        const k = ev.key.toLowerCase();
        pendingShortcut = window.setTimeout(() => shortcut(k), (status?.scannerMaxGapMs ?? DEFAULT_SCANNER.maxGapMs) + 20);
      }
    },
    true,
  );
  $("signin-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    void signIn();
  });
  $("next").addEventListener("click", next);
  $("reveal").addEventListener("click", () => void toggleReveal());
  $("lang").addEventListener("click", () => void switchLanguage());
  $("signout").addEventListener("click", () => void lockScreen(""));
  $("history-toggle").addEventListener("click", toggleHistory);
  $("history-close").addEventListener("click", next);
  $("print").addEventListener("click", () => void printReceipt());
  $("preview").addEventListener("click", () => void previewReceipt(current?.logged.seq, false));
  $("preview-close").addEventListener("click", () => (current ? renderVerdict() : next()));
  $("printer-toggle").addEventListener("click", () => (screen === "printer" ? next() : void showPrinter()));
  $("receipt-toggle").addEventListener("click", () => (screen === "receipt" ? next() : showReceiptCheck(null)));
  $("printer-close").addEventListener("click", next);
  $("receipt-close").addEventListener("click", next);
  $("update-check").addEventListener("click", () => void checkUpdate());
  $("printer-test").addEventListener("click", async () => {
    await api.printTestPage().catch(showError);
    await showPrinter();
  });
  $("camera-toggle").addEventListener("click", toggleCamera);
  $("open-image").addEventListener("click", () => $<HTMLInputElement>("image-input").click());
  $<HTMLInputElement>("image-input").addEventListener("change", async (ev) => {
    const input = ev.target as HTMLInputElement;
    const file = input.files?.[0];
    if (file) await verifyImage(new Uint8Array(await file.arrayBuffer()));
    input.value = "";
  });
  window.addEventListener("dragover", (ev) => ev.preventDefault());
  window.addEventListener("drop", async (ev) => {
    ev.preventDefault();
    const file = ev.dataTransfer?.files?.[0];
    if (!file) return;
    if (screen === "setup") await applyBundle(file);
    else await verifyImage(new Uint8Array(await file.arrayBuffer()));
  });
  window.addEventListener("paste", async (ev) => {
    const item = [...(ev.clipboardData?.items ?? [])].find((i) => i.type.startsWith("image/"));
    const file = item?.getAsFile();
    if (file) await verifyImage(new Uint8Array(await file.arrayBuffer()));
  });
  // A serial scanner's scans are decided and verified in the app; the screen shows the answer.
  await api.onSerialScanned((answer) => {
    if (answer.ok) scanShown(answer.ok);
    else if (answer.error && answer.error.code !== "scan.not_clerk") showError(answer.error);
  });
  await api.onPrintStatus((printStatus) => {
    if (status) {
      status.printStatus = printStatus;
      renderStatus();
    }
    if (currentJob && printStatus.lastJob === currentJob.id) {
      void api.printJob(currentJob.id)
        .then((job) => {
          if (currentJob?.id === job.id) {
            currentJob = job;
            if (screen === "verdict") renderPrintLine();
          }
        })
        .catch(() => undefined);
    }
    if (screen === "printer") void showPrinter();
  });
  await api.onSerialRejected(() => {
    if (session?.role === "clerk") {
      $("error-text").textContent = t("serial.rejected");
      show("error");
    }
  });
  $<HTMLInputElement>("setup-file").addEventListener("change", async (ev) => {
    const input = ev.target as HTMLInputElement;
    const file = input.files?.[0];
    if (file) await applyBundle(file);
    input.value = "";
  });
  $("setup-restart").addEventListener("click", () => void api.restartApp());
  wireConsole();
  if (status?.setup) showSetup(status.setup);
  else if (session?.role === "clerk") show("ready");
  else if (session) await showConsole("overview");
  else show("signin");
}

void start();
