// The clerk's screen: sign in, then scans in (scanner burst anywhere, serial scanner, camera,
// dropped/pasted/opened picture), the verdict out, ready for the next scan at once. Text comes
// from the shared message keys; the words are computed in view.ts and status.ts.

import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { Camera, type CameraState } from "./camera";
import { lang, setLang, t, type Lang } from "./i18n";
import { IdleTimer } from "./idle";
import { jobLine, printLine, receiptLines, type PrintJobView, type PrintStatusView, type ReceiptCheckView } from "./print";
import { DEFAULT_SCANNER, ScanDetector } from "./scanner";
import { cue, play } from "./sound";
import { chainStatus, deviceLines, errorMessage, whoLine, type SessionView, type SetupView, type StatusView } from "./status";
import {
  chainLine,
  fieldLabel,
  fieldValue,
  loggedLine,
  reasonLines,
  typeLabel,
  type VerdictView,
} from "./view";

interface HistoryRow {
  seq: number;
  time: string;
  counter: string;
  clerk: string;
  channel: string;
  verdict: "VALID" | "INVALID" | "CANNOT_CONFIRM";
  credentialType: string | null;
  issuerName: string | null;
  reasons: string[];
  subject: [string, string][];
  receipt: string | null;
}

interface CommandError {
  code?: string;
  message?: string;
}

type Screen = "setup" | "signin" | "ready" | "verdict" | "error" | "history" | "printer" | "receipt" | "preview-panel";

interface PrinterPanelView {
  configured: boolean;
  configError: string | null;
  address: string | null;
  paper: string;
  autoPrint: boolean;
  status: PrintStatusView | null;
  jobs: PrintJobView[];
  hallKey: string | null;
}

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

let current: VerdictView | null = null;
/** The print job of the verdict on screen, followed until it prints or has to wait. */
let currentJob: PrintJobView | null = null;
let previewUrl: string | null = null;
let revealed = false;
let status: StatusView | null = null;
let session: SessionView | null = null;
let screen: Screen = "signin";
let signinNote: string | null = null;
let scanStarted = 0;
let idle = new IdleTimer(300_000, performance.now());

function show(section: Screen): void {
  screen = section;
  for (const id of ["setup", "signin", "ready", "verdict", "error", "history", "printer", "receipt", "preview-panel"]) $(id).hidden = id !== section;
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
      const job = await invoke<PrintJobView>("print_job", { id });
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
    currentJob = await invoke<PrintJobView>("print_receipt", { seq, copy: false });
    renderPrintLine();
    void followJob(currentJob.id);
  } catch (e) {
    const err = e as CommandError;
    showPrintProblem(errorMessage(err.code, err.message ?? ""));
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
    const bytes = await invoke<ArrayBuffer>("receipt_preview", { seq, copy });
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
    panel = await invoke<PrinterPanelView>("printer_panel");
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
      for (const [label, command] of [["action.retry", "retry_print"], ["action.cancel", "cancel_print"]] as const) {
        if (j.state === "printing") continue;
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = t(label);
        b.className = command;
        b.addEventListener("click", async () => {
          await invoke(command, { id: j.id }).catch(showError);
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

interface UpdateView {
  status: "current" | "verified";
  current: string;
  version: string | null;
  notes: string | null;
  size: number | null;
}

async function checkUpdate(): Promise<void> {
  const line = $("update-result");
  line.textContent = t("update.checking");
  delete line.dataset.kind;
  try {
    const u = await invoke<UpdateView>("check_update");
    line.textContent =
      u.status === "current"
        ? t("update.current", { current: u.current })
        : t("update.verified", { version: u.version ?? "", size: u.size ?? 0 });
    line.dataset.kind = "ok";
  } catch (e) {
    const err = e as CommandError;
    line.textContent = errorMessage(err.code, err.message ?? "");
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

async function checkReceipt(input: string | Uint8Array): Promise<void> {
  if (!session) return;
  try {
    const r =
      typeof input === "string"
        ? await invoke<ReceiptCheckView>("check_receipt", { text: input })
        : await invoke<ReceiptCheckView>("check_receipt_image", input);
    showReceiptCheck(r);
  } catch (e) {
    showError(e);
  }
}

function showError(e: unknown): void {
  const err = (e && typeof e === "object" ? e : { message: String(e) }) as CommandError;
  if (err.code === "signed_out" || err.code === "not_clerk") {
    void lockScreen(err.code);
    return;
  }
  $("error-text").textContent = errorMessage(err.code, err.message ?? "");
  show("error");
}

/** A verdict arrived: show it, cue it, and note how long it took from the scan. */
function verdictShown(v: VerdictView): void {
  current = v;
  currentJob = v.print ?? null;
  if (currentJob) void followJob(currentJob.id);
  revealed = false;
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
  // A receipt's code, or anything scanned while checking receipts, is a receipt to check.
  if (session && (screen === "receipt" || text.trim().startsWith("CSR1:"))) {
    await checkReceipt(text);
    return;
  }
  if (session?.role !== "clerk") {
    if (screen === "signin") $("signin-error").textContent = t("signin.scan.first");
    return;
  }
  try {
    verdictShown(await invoke<VerdictView>("verify_scan", { text, channel }));
  } catch (e) {
    showError(e);
  }
}

async function verifyImage(bytes: Uint8Array): Promise<void> {
  scanStarted = performance.now();
  if (session && screen === "receipt") {
    await checkReceipt(bytes);
    return;
  }
  if (session?.role !== "clerk") {
    if (screen === "signin") $("signin-error").textContent = t("signin.scan.first");
    return;
  }
  try {
    verdictShown(await invoke<VerdictView>("verify_image", bytes));
  } catch (e) {
    showError(e);
  }
}

function next(): void {
  current = null;
  currentJob = null;
  revealed = false;
  delete $("screen").dataset.verdict;
  show(session?.role === "supervisor" ? "history" : "ready");
}

async function switchLanguage(): Promise<void> {
  const to: Lang = lang() === "zh-CN" ? "en" : "zh-CN";
  setLang(to);
  await invoke("set_language", { language: to }).catch(() => undefined);
  renderStatic();
  if (current && screen === "verdict") renderVerdict();
  if (screen === "history") await showHistory();
  if (screen === "printer") await showPrinter();
}

async function refreshStatus(): Promise<void> {
  try {
    status = await invoke<StatusView>("app_status");
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
  await invoke("sign_out", { reason: note }).catch(() => undefined);
  session = null;
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
  try {
    session = await invoke<SessionView>("sign_in", { id, pin, role });
  } catch (e) {
    const err = e as CommandError;
    const until = /until (\S+)/.exec(err.message ?? "")?.[1];
    const minutes = until ? Math.max(1, Math.ceil((Date.parse(until) - Date.now()) / 60_000)) : 5;
    $("signin-error").textContent = errorMessage(err.code, err.message ?? "", { minutes });
    pinInput.focus();
    return;
  }
  signinNote = null;
  $("signin-error").textContent = "";
  idle = new IdleTimer((status?.idleLockSeconds ?? 300) * 1000, performance.now());
  await refreshStatus();
  if (session.role === "supervisor") await showHistory();
  else show("ready");
}

function cell(text: string): HTMLTableCellElement {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

async function showHistory(): Promise<void> {
  let rows: HistoryRow[];
  try {
    rows = await invoke<HistoryRow[]>("today_history", { limit: 500 });
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
              const job = await invoke<PrintJobView>("print_receipt", { seq: r.seq, copy: true });
              b.textContent = printLine(job).text;
            } catch (e) {
              const err = e as CommandError;
              b.textContent = errorMessage(err.code, err.message ?? "");
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
  if (screen === "history" && session?.role === "clerk") next();
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
  } else if (session.role !== "clerk") return;
  else if (k === "p" && current && screen === "verdict") void printReceipt();
  else if (k === "v" && current && screen === "verdict") void previewReceipt(current.logged.seq, false);
  else if (k === "r" && current && screen === "verdict") {
    revealed = !revealed;
    renderVerdict();
  } else if (k === "o") $<HTMLInputElement>("image-input").click();
  else if (k === "c") toggleCamera();
}

let pendingShortcut: number | undefined;

function inSigninForm(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && target.closest("#signin-form, #setup") !== null;
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
          await invoke("choose_counter", { id });
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
  const err = e as CommandError;
  const result = $("setup-result");
  result.textContent = errorMessage(err.code, err.message ?? "");
  result.dataset.kind = "problem";
}

async function applyBundle(file: File): Promise<void> {
  const bundle = await file.text();
  const authority = $<HTMLInputElement>("setup-authority").value.trim() || null;
  try {
    const applied = await invoke<{ hallName: string; version: number }>("apply_bundle", { bundle, authority });
    setupDone(t("setup.applied", { hallName: applied.hallName, version: applied.version }));
  } catch (e) {
    setupFailed(e);
  }
}

async function start(): Promise<void> {
  try {
    status = await invoke<StatusView>("app_status");
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
    if (session && idle.input(performance.now())) void invoke("still_here").catch(() => undefined);
  };
  for (const kind of ["keydown", "pointerdown", "pointermove", "wheel"]) window.addEventListener(kind, activity, true);
  window.addEventListener(
    "keydown",
    (ev) => {
      // The PIN and staff ID are typed by a person: no burst detection, no shortcuts.
      if (inSigninForm(ev.target)) return;
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
  $("reveal").addEventListener("click", () => {
    revealed = !revealed;
    renderVerdict();
  });
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
    await invoke("print_test_page").catch(showError);
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
  await listen<string>("serial-scan", (ev) => void verifyText(ev.payload, "scanner"));
  await listen<PrintStatusView>("print-status", (ev) => {
    if (status) {
      status.printStatus = ev.payload;
      renderStatus();
    }
    if (currentJob && ev.payload.lastJob === currentJob.id) {
      void invoke<PrintJobView>("print_job", { id: currentJob.id })
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
  await listen<string>("serial-rejected", () => {
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
  $("setup-restart").addEventListener("click", () => void invoke("restart_app"));
  if (status?.setup) showSetup(status.setup);
  else if (session?.role === "clerk") show("ready");
  else if (session) await showHistory();
  else show("signin");
}

void start();
