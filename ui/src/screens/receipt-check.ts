// The receipt-checking screen: a receipt a citizen brings back is scanned here (the app is
// told this screen is showing, see nav.ts `show`), and its check is said like a verdict.

import { $, lineItems } from "../dom";
import { t } from "../i18n";
import { next, show } from "../nav";
import { receiptLines } from "../print";
import { cue, play } from "../sound";
import { state } from "../state";
import type { ReceiptCheckView } from "../types";

export function labelReceiptCheck(): void {
  $("receipt-title").textContent = t("receipt.check.title");
  $("receipt-hint").textContent = t("receipt.check.hint");
  $("receipt-close").textContent = t("action.close");
}

/** A checked receipt's finding, or (null) the empty screen waiting for one. */
export function showReceiptCheck(r: ReceiptCheckView | null): void {
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
  $("receipt-details").replaceChildren(...lineItems(details));
  show("receipt");
  if (state.status?.sound) play(cue(r.finding === "genuine" ? "VALID" : r.finding === "cannot_confirm" ? "CANNOT_CONFIRM" : "INVALID"));
}

/** The status bar's button and the K key: open the screen, or leave it when it shows. */
export function toggleReceiptCheck(): void {
  if (state.screen === "receipt") next();
  else showReceiptCheck(null);
}

export function wireReceiptCheck(): void {
  $("receipt-close").addEventListener("click", next);
}
