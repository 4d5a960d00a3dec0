// The printer panel: the receipt printer, its paper and state, the jobs not yet printed (to
// retry or cancel), the test page, and the software update check.

import * as api from "../api";
import { asCommandError } from "../api";
import { $ } from "../dom";
import { t } from "../i18n";
import { next, show, showError } from "../nav";
import { jobLine } from "../print";
import { state } from "../state";
import { errorMessage } from "../status";
import type { PrinterPanelView, PrintJobView } from "../types";

export function labelPrinter(): void {
  $("printer-title").textContent = t("printer.title");
  $("printer-jobs-title").textContent = t("printer.jobs");
  $("printer-jobs-empty").textContent = t("printer.jobs.empty");
  $("printer-test").textContent = t("action.testpage");
  $("printer-close").textContent = t("action.close");
  $("update-title").textContent = t("update.title");
  $("update-check").textContent = t("action.update.check");
}

/** A job's line with its buttons (retry, cancel; none while it prints). */
function jobItem(j: PrintJobView): HTMLLIElement {
  const li = document.createElement("li");
  li.dataset.job = String(j.id);
  li.dataset.state = j.state;
  li.append(jobLine(j));
  // The class names the command: the end-to-end tests find the buttons by it.
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
}

export async function showPrinter(): Promise<void> {
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
  $("printer-jobs").replaceChildren(...panel.jobs.map(jobItem));
  $("printer-test").hidden = !panel.configured || panel.configError !== null;
  show("printer");
}

/** The status bar's button and the Q key: open the panel, or leave it when it shows. */
export function togglePrinter(): void {
  if (state.screen === "printer") next();
  else void showPrinter();
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

export function wirePrinter(): void {
  $("printer-close").addEventListener("click", next);
  $("update-check").addEventListener("click", () => void checkUpdate());
  $("printer-test").addEventListener("click", async () => {
    await api.printTestPage().catch(showError);
    await showPrinter();
  });
}
