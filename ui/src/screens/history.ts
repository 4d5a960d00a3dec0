// Today's history: the clerk's own verifications, newest first, each with its receipt to
// reprint. A supervisor's history is the console's entries table instead.

import * as api from "../api";
import { asCommandError } from "../api";
import { $, cell, headCells } from "../dom";
import { t } from "../i18n";
import { next, show, showError } from "../nav";
import { printLine } from "../print";
import { state } from "../state";
import { errorMessage } from "../status";
import type { HistoryRow } from "../types";
import { showConsole } from "./console";

export function labelHistory(): void {
  $("history-close").textContent = t("action.close");
}

/** The receipt cell's button: reprints a copy and says how that went, in the button itself. */
function reprintButton(seq: number): HTMLButtonElement {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "reprint";
  b.textContent = t("action.reprint");
  b.addEventListener("click", async () => {
    try {
      const job = await api.printReceipt(seq, true);
      b.textContent = printLine(job).text;
    } catch (e) {
      const err = asCommandError(e);
      b.textContent = errorMessage(err.code, err.message);
    }
  });
  return b;
}

export async function showHistory(): Promise<void> {
  let rows: HistoryRow[];
  try {
    rows = await api.todayHistory(500);
  } catch (e) {
    showError(e);
    return;
  }
  const all = state.session?.role === "supervisor";
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
  $("history-head").replaceChildren(...headCells(heads));
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
        if (r.receipt) td.append(" ", reprintButton(r.seq));
        tr.append(td);
      }
      return tr;
    }),
  );
  show("history");
}

/** The status bar's button and the H key; a supervisor gets the console's entries. */
export function toggleHistory(): void {
  if (state.session?.role === "supervisor") void showConsole("entries");
  else if (state.screen === "history") next();
  else void showHistory();
}

export function wireHistory(): void {
  $("history-close").addEventListener("click", next);
}
