// The status bar's words, computed from the app's status: pure functions, tested without a
// window. The chain part says where verdicts come from now and how fresh that is.

import { t } from "./i18n";
import { printerLine } from "./print";
import type { ChainStatusView, StatusView } from "./types";
import { ago, shortTime } from "./view";

/** "Online · block 12 · synced just now" / "Offline · hall mirror at block 9 · synced 11-24 17:02 (20 h ago)". */
export function chainStatus(c: ChainStatusView, now: Date): string {
  let head: string;
  switch (c.mode) {
    case "online":
      head = t("status.chain.online", { block: c.mirrorBlock ?? "—" });
      break;
    case "mirror":
      head =
        c.mirrorBlock === null
          ? t("status.chain.mirror.empty")
          : t("status.chain.mirror", { block: c.mirrorBlock });
      break;
    case "snapshot":
      return t("status.chain.snapshot");
    default:
      return t("status.chain.none");
  }
  if (c.nodeFaults.length > 0) head = `${head} · ${t("status.chain.faults", { n: c.nodeFaults.length })}`;
  if (c.syncing) return `${head} · ${t("status.syncing")}`;
  if (c.syncedAt === null) return `${head} · ${t("status.synced.never")}`;
  const synced = new Date(c.syncedAt);
  const when = now.getTime() - synced.getTime() < 3_600_000 ? ago(synced, now) : `${shortTime(synced)} (${ago(synced, now)})`;
  return `${head} · ${t("status.synced", { when })}`;
}

/** Who is at the counter. */
export function whoLine(s: StatusView): string {
  if (!s.session) return t("status.signedout", { counter: s.counter });
  if (s.session.role === "supervisor") return t("status.supervisor", { clerk: s.session.name });
  return t("status.clerk", { clerk: s.session.name, counter: s.counter });
}

/** What the sign-in screen says: why no one can sign in (no staff yet), else why it locked. */
export function signinMessage(s: StatusView | null, note: string | null): string {
  if (s && !s.staffReady) return s.staffError ? t("signin.storage", { message: s.staffError }) : t("signin.no.staff");
  return note ? t(note) : "";
}

/** Printer, serial scanner and log problems, in that order; empty when there is nothing to say. */
export function deviceLines(s: StatusView): string[] {
  const out: string[] = [];
  const printer = printerLine(s.printer, s.printStatus, s.printPending);
  if (printer) out.push(printer);
  if (s.serial) out.push(t(`status.serial.${s.serial}`));
  if (!s.logOk) out.push(t("status.log.failed"));
  return out;
}

/** Minutes until a lock-out ends, from the app's "locked until <RFC 3339>" (5 if it names no time). */
export function lockoutMinutes(message: string, now: number): number {
  const until = /until (\S+)/.exec(message)?.[1];
  return until ? Math.max(1, Math.ceil((Date.parse(until) - now) / 60_000)) : 5;
}

/** The message for an error code from the app, with its detail where the key takes one. */
export function errorMessage(code: string | undefined, message: string, vars: Record<string, string | number> = {}): string {
  if (code) {
    const text = t(code, { message, ...vars });
    if (text !== code) return text;
  }
  return t("error.generic", { message });
}
