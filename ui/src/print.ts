// Receipts on the screen: what the verdict screen says about printing, what the status bar
// says about the printer, and how a checked receipt reads. Pure functions, tested without a
// window; the screens place the strings.

import { lang, t } from "./i18n";
import type { PrintJobView, PrintStatusView, ReceiptCheckView } from "./types";

/** What the verdict screen says about this verification's receipt. */
export function printLine(job: PrintJobView): { text: string; kind: "ok" | "busy" | "problem" } {
  switch (job.state) {
    case "done":
      return { text: t(job.copy ? "print.copy.done" : "print.done"), kind: "ok" };
    case "waiting":
      return {
        text: t("print.waiting", { why: t(`print.error.${job.error ?? "job_failed"}`) }),
        kind: "problem",
      };
    case "cancelled":
      return { text: t("print.cancelled"), kind: "problem" };
    case "printing":
      return { text: t("print.printing"), kind: "busy" };
    default:
      return { text: t("print.queued", { id: job.id }), kind: "busy" };
  }
}

/** The printer in the status bar: nothing when all is well, else what is wrong and how many wait. */
export function printerLine(printer: string, status: PrintStatusView | null, pending: number): string {
  if (printer === "none") return t("status.printer.none");
  if (printer === "misconfigured") return t("status.printer.misconfigured");
  const parts: string[] = [];
  if (status?.state && status.state !== "printer.ready") parts.push(t(status.state));
  if (pending > 0) parts.push(t("status.printer.pending", { n: pending }));
  return parts.join(" · ");
}

/** A job in the printer panel: "12:03:04 R20261125-… copy · waiting: out of paper". */
export function jobLine(job: PrintJobView): string {
  const what = job.testPage ? t("printer.job.test") : (job.receipt ?? "");
  const copy = job.copy ? ` · ${t("printer.job.copy")}` : "";
  const state = t(`printer.job.${job.state}`);
  const why = job.error ? `：${t(`print.error.${job.error}`)}` : "";
  return `${job.queued} ${what}${copy} · ${state}${why}`;
}

/** The lines of a checked receipt: headline, what to do, who signed it, the log, what it says. */
/** What the hall's log proves about the receipt's entry, in one line ("" when not asked). */
function recordedLine(r: ReceiptCheckView): string {
  switch (r.recorded) {
    case "in_checkpoint":
      return r.anchoredBlock === null
        ? t("receipt.recorded.unanchored", { size: r.checkpointSize ?? "" })
        : t("receipt.recorded.in_checkpoint", { size: r.checkpointSize ?? "", block: r.anchoredBlock });
    case "not_yet":
      return t("receipt.recorded.not_yet");
    case "proof_fails":
      return t("receipt.recorded.proof_fails", { why: r.proofFailure ?? "" });
    default:
      return "";
  }
}

export function receiptLines(r: ReceiptCheckView): { finding: string; next: string; details: string[] } {
  const finding = t(`receipt.finding.${r.finding}`);
  const next = t(`receipt.next.${r.finding}`);
  if (r.finding === "not_genuine") return { finding, next, details: r.error ? [r.error] : [] };
  const details: string[] = [];
  details.push(
    t("receipt.what", {
      time: r.time ?? "",
      hall: r.hall ?? "",
      counter: r.counter ?? "",
      verdict: r.verdict ? t(`verdict.${r.verdict}`) : "",
    }),
  );
  for (const code of r.reasons) details.push(t(`reason.${code}`));
  const type = (lang() === "en" ? r.typeEn : r.typeZh) ?? r.credentialType;
  if (type || r.issuerName) details.push([type, r.issuerName].filter(Boolean).join(" · "));
  if (r.subject.length > 0) details.push(r.subject.map(([, v]) => v).join(" "));
  details.push(
    t(`receipt.standing.${r.standing}`, { name: r.signer ?? "", status: r.signerStatus ?? "" }),
  );
  details.push(t(`receipt.log.${r.log}`, { seq: r.logSeq ?? "", fields: r.differs.join(", ") }));
  const recorded = recordedLine(r);
  if (recorded) details.push(recorded);
  if (r.id) details.push(`${t("receipt.id")} ${r.id}`);
  return { finding, next, details };
}
