// The verdict screen: the banner, the reason and what to do next, the credential's fields
// (sensitive numbers masked until revealed), the chain and log lines, and the receipt: printed
// (followed until it prints or has to wait) or previewed.

import * as api from "../api";
import { asCommandError } from "../api";
import { $ } from "../dom";
import { t } from "../i18n";
import { next, show, showError } from "../nav";
import { printLine } from "../print";
import { cue, play } from "../sound";
import { state, verdictArrived } from "../state";
import { errorMessage } from "../status";
import type { PrintJobView, VerdictView } from "../types";
import { chainLine, fieldLabel, fieldValue, loggedLine, reasonLines, typeLabel } from "../view";

export function labelVerdict(): void {
  $("next").textContent = t("action.next");
  $("print").textContent = t("action.print");
  $("preview").textContent = t("action.preview");
  $("preview-close").textContent = t("action.close");
}

export function renderVerdict(): void {
  const v = state.verdict.view;
  if (!v) return;
  const revealed = state.verdict.revealed;
  $("screen").dataset.verdict = v.verdict;
  $("verdict-text").textContent = t(`verdict.${v.verdict}`);
  const { reason, next } = reasonLines(v);
  $("verdict-reason").textContent = reason;
  $("verdict-next").textContent = next;
  $("credential-type").textContent = typeLabel(v);
  $("credential-issuer").textContent = v.issuerName
    ? `${v.issuerName} (${t(v.issuerRegistered ? "issuer.registered" : "issuer.claimed")})`
    : "";
  $("credential-fields").replaceChildren(
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
  const job = state.verdict.job;
  if (job) {
    const { text, kind } = printLine(job);
    line.textContent = text;
    line.dataset.kind = kind;
  } else {
    line.textContent = "";
    delete line.dataset.kind;
  }
}

function showPrintProblem(text: string): void {
  const line = $("print-line");
  line.textContent = text;
  line.dataset.kind = "problem";
}

/** The job's news from the app, if it is still the verdict's job. */
function jobUpdated(job: PrintJobView): void {
  if (state.verdict.job?.id === job.id) {
    state.verdict.job = job;
    if (state.screen === "verdict") renderPrintLine();
  }
}

/** Follows the verdict's print job until it prints, waits or is cancelled. */
async function followJob(id: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const job = state.verdict.job;
    if (!job || job.id !== id) return;
    if (job.state === "done" || job.state === "waiting" || job.state === "cancelled") return;
    await new Promise((r) => setTimeout(r, 250));
    try {
      jobUpdated(await api.printJob(id));
    } catch {
      return;
    }
  }
}

/** The spooler finished a job: if it is the verdict's, its line is brought up to date. */
export function printJobNews(lastJob: number | null): void {
  const job = state.verdict.job;
  if (!job || lastJob !== job.id) return;
  void api.printJob(job.id).then(jobUpdated).catch(() => undefined);
}

/** A verdict arrived: show it, cue it, and note how long it took from the scan. */
export function verdictShown(v: VerdictView): void {
  verdictArrived(state, v);
  const job = state.verdict.job;
  if (job) void followJob(job.id);
  renderVerdict();
  if (state.status?.sound) play(cue(v.verdict));
  const started = state.scanStarted;
  requestAnimationFrame(() => {
    // Read by the end-to-end run for the scan-to-verdict figure.
    document.body.dataset.scanMs = (performance.now() - started).toFixed(1);
  });
}

export async function printReceipt(): Promise<void> {
  const current = state.verdict.view;
  const seq = current?.logged.seq;
  if (seq === undefined || state.session?.role !== "clerk") {
    if (current?.logged.kind === "failed") showPrintProblem(t("print.not_logged"));
    return;
  }
  try {
    const job = await api.printReceipt(seq, false);
    state.verdict.job = job;
    renderPrintLine();
    void followJob(job.id);
  } catch (e) {
    const err = asCommandError(e);
    showPrintProblem(errorMessage(err.code, err.message));
  }
}

/** The verdict's receipt as it will print, on its own panel. */
export async function previewReceipt(): Promise<void> {
  const seq = state.verdict.view?.logged.seq;
  if (seq === undefined) return;
  try {
    const bytes = await api.receiptPreview(seq, false);
    if (state.previewUrl) URL.revokeObjectURL(state.previewUrl);
    state.previewUrl = URL.createObjectURL(new Blob([bytes], { type: "image/png" }));
    $<HTMLImageElement>("preview-image").src = state.previewUrl;
    show("preview-panel");
  } catch (e) {
    showError(e);
  }
}

/**
 * Shows the masked numbers: the app records the reveal in the audit trail and only then sends
 * the whole values; hiding them again forgets them at once.
 */
export async function toggleReveal(): Promise<void> {
  const current = state.verdict.view;
  // Nothing masked, nothing to reveal (a business licence's fields are public).
  if (!current || !current.fields.some((f) => f.sensitive)) return;
  if (state.verdict.revealed) {
    state.verdict.revealed = null;
  } else {
    try {
      const fields = await api.reveal(current.id);
      state.verdict.revealed = new Map(fields.map((f) => [f.key, f.value]));
    } catch (e) {
      showPrintProblem(t("reveal.not_recorded", { message: asCommandError(e).message }));
      return;
    }
  }
  renderVerdict();
}

export function wireVerdict(): void {
  $("next").addEventListener("click", next);
  $("reveal").addEventListener("click", () => void toggleReveal());
  $("print").addEventListener("click", () => void printReceipt());
  $("preview").addEventListener("click", () => void previewReceipt());
  $("preview-close").addEventListener("click", () => (state.verdict.view ? renderVerdict() : next()));
}
