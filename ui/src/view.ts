// What the verdict screen shows, computed from the app's answer: pure functions, tested
// without a window. The DOM code in screens/verdict.ts only places these strings.

import { lang, t, has } from "./i18n";
import type { ChainUsedView, FieldView, LoggedView, VerdictView } from "./types";

/** "2 minutes ago", in the current language. */
export function ago(then: Date, now: Date): string {
  const seconds = Math.max(0, Math.round((now.getTime() - then.getTime()) / 1000));
  if (seconds < 60) return t("ago.now");
  if (seconds < 3600) return t("ago.minutes", { n: Math.floor(seconds / 60) });
  if (seconds < 172800) return t("ago.hours", { n: Math.floor(seconds / 3600) });
  return t("ago.days", { n: Math.floor(seconds / 86400) });
}

/** Hall-local "MM-DD HH:MM" (the webview runs in the hall's time zone). */
export function shortTime(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The chain state line: "online · block 8 · just now" / "offline · hall mirror, synced 11-24 17:02". */
export function chainLine(chain: ChainUsedView | null, now: Date): string {
  if (!chain) return t("chain.none");
  switch (chain.source) {
    case "online": {
      const vars = { block: chain.block, ago: ago(new Date(chain.checkedAt), now) };
      // One node's word is said as such; with several, how many gave this block.
      if (chain.nodesAsked === undefined) return t("chain.online", vars);
      if (chain.nodesAsked <= 1) return t("chain.online.one", vars);
      return t("chain.online.quorum", { ...vars, agreed: chain.nodesAgreed ?? 0, asked: chain.nodesAsked });
    }
    case "mirror": {
      const synced = new Date(chain.checkedAt);
      return t("chain.mirror", { synced: `${shortTime(synced)} (${ago(synced, now)})` });
    }
    default:
      return t("chain.memory", { block: chain.block });
  }
}

/** The reason in plain words and what to do next. */
export function reasonLines(v: VerdictView): { reason: string; next: string } {
  const code = v.reason;
  const reason = code && has(`reason.${code}`) ? t(`reason.${code}`) : code ?? "";
  const next =
    code && has(`next.${code}`) ? t(`next.${code}`) : t(`verdict.${v.verdict}.next`);
  return { reason, next };
}

export function typeLabel(v: VerdictView): string {
  const label = lang() === "en" ? v.typeEn : v.typeZh;
  return label ?? v.typeName ?? "";
}

export function fieldLabel(f: FieldView): string {
  return lang() === "en" ? f.labelEn : f.labelZh;
}

/**
 * A field as shown: sensitive numbers arrive masked, and their whole values only come from the
 * `reveal` command (after the reveal is in the audit trail), as `revealed`, by field key.
 */
export function fieldValue(f: FieldView, revealed: ReadonlyMap<string, string> | null): string {
  if (!f.sensitive) return f.value;
  return revealed?.get(f.key) ?? f.masked;
}

export function loggedLine(l: LoggedView): string {
  switch (l.kind) {
    case "entry":
      return t("log.entry", { seq: l.seq ?? 0 });
    case "repeat":
      return t("log.repeat", { seq: l.seq ?? 0 });
    default:
      return l.storage ? t("log.failed.storage") : t("log.failed", { reason: l.reason ?? "" });
  }
}
