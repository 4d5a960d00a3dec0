// The supervisor's console, as pure functions: the filter form to the commands' arguments,
// the options the form offers (the values seen in the range), the charts of a summary, and
// the words for the attention list, an entry's detail, the integrity check, exports and the
// privacy policy. Tested without a window; screens/console-view.ts places what these return.

import { barChart, hourChart, type Bar, type SvgNode } from "./charts";
import { has, lang, t } from "./i18n";
import type {
  AttentionView,
  AuditView,
  CountView,
  DigestView,
  EntryDetailView,
  ExportView,
  FilterArgs,
  FindingView,
  IntegrityView,
  OptionsView,
  PolicyView,
  SummaryView,
} from "./types";

/** What the filter form holds: hall-local days (YYYY-MM-DD) and a value per field ("" = any). */
export interface FilterState {
  from: string;
  to: string;
  counter: string;
  clerk: string;
  verdict: string;
  credentialType: string;
  issuer: string;
}

/** The form for one hall-local day with no other filter. */
export function dayFilter(day: string): FilterState {
  return { from: day, to: day, counter: "", clerk: "", verdict: "", credentialType: "", issuer: "" };
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The command arguments for the form: empty fields are no filter, days are checked and put
 * in order (a range typed backwards is the same range), an empty "to" is the "from" day. The
 * verdict is the log's name (`UNVERIFIABLE`, which the screen calls CANNOT CONFIRM).
 */
export function filterArgs(f: FilterState): FilterArgs {
  const from = f.from.trim();
  const to = f.to.trim() || from;
  if (!DAY.test(from) || !DAY.test(to)) throw new Error(t("console.filter.bad_day"));
  const [a, b] = from <= to ? [from, to] : [to, from];
  const value = (v: string) => (v.trim() === "" ? null : v.trim());
  const verdict = value(f.verdict);
  return {
    from: a,
    to: b,
    counter: value(f.counter),
    clerk: value(f.clerk),
    verdict: verdict === "CANNOT_CONFIRM" ? "UNVERIFIABLE" : verdict,
    credentialType: value(f.credentialType),
    issuer: value(f.issuer),
  };
}

/** Whether the filter has more than a time range. */
export function isFiltered(f: FilterArgs): boolean {
  return [f.counter, f.clerk, f.verdict, f.credentialType, f.issuer].some((v) => v !== null);
}

/** The screen's name for a verdict the log stores. */
export function verdictName(stored: string): string {
  return stored === "UNVERIFIABLE" ? "CANNOT_CONFIRM" : stored;
}

/** A credential type's name in the current language (its type name when unknown). */
export function typeName(key: string | null, zh?: string | null, en?: string | null): string {
  const label = lang() === "en" ? en : zh;
  return label ?? key ?? t("console.unrecorded");
}

/** A failure key (a reason code, or the check id for entries that recorded none) in words. */
export function reasonWord(key: string): string {
  if (has(`reason.${key}`)) return t(`reason.${key}`);
  if (has(`check.${key}`)) return t(`check.${key}`);
  return key;
}

/** The choices for one select: [value, label], "" (any) first. */
export function options(field: keyof OptionsView, counts: readonly CountView[]): [string, string][] {
  const any: [string, string] = ["", t("console.filter.any")];
  const seen = counts
    .filter((c): c is CountView & { key: string } => c.key !== null && c.key !== "")
    .map((c): [string, string] => {
      const label =
        field === "verdicts"
          ? t(`verdict.${verdictName(c.key)}`)
          : field === "types"
            ? typeName(c.key, c.zh, c.en)
            : c.key;
      return [field === "verdicts" ? verdictName(c.key) : c.key, `${label} (${c.count})`];
    });
  return [any, ...seen];
}

/** "2026-11-25" or "2026-11-20 – 2026-11-25", then the filters set, in words. */
export function filterLine(f: FilterArgs, typeLabel: (key: string) => string = (k) => k): string {
  const parts = [f.from === f.to ? f.from : `${f.from} – ${f.to}`];
  if (f.counter) parts.push(t("console.filter.is.counter", { value: f.counter }));
  if (f.clerk) parts.push(t("console.filter.is.clerk", { value: f.clerk }));
  if (f.verdict) parts.push(t("console.filter.is.verdict", { value: t(`verdict.${verdictName(f.verdict)}`) }));
  if (f.credentialType) parts.push(t("console.filter.is.type", { value: typeLabel(f.credentialType) }));
  if (f.issuer) parts.push(t("console.filter.is.issuer", { value: f.issuer }));
  return parts.join(" · ");
}

const count = (counts: readonly CountView[], key: string) => counts.find((c) => c.key === key)?.count ?? 0;

/** "128 verifications: 120 valid, 6 invalid, 2 could not be confirmed". */
export function totalsLine(s: SummaryView): string {
  return t("supervisor.counts", {
    total: s.total,
    valid: count(s.byVerdict, "VALID"),
    invalid: count(s.byVerdict, "INVALID"),
    unconfirmed: count(s.byVerdict, "UNVERIFIABLE"),
  });
}

const TONES: Record<string, Bar["tone"]> = { VALID: "ok", INVALID: "bad", UNVERIFIABLE: "warn" };

/** The share of `n` in `total`, "(40%)". */
export function share(n: number, total: number): string {
  return total > 0 ? `(${Math.round((n / total) * 100)}%)` : "";
}

/** The four charts of a summary: per hour, verdict mix, failure reasons, per clerk. */
export function summaryCharts(s: SummaryView): SvgNode[] {
  const empty = t("console.chart.empty");
  const others = (n: number) => t("console.chart.others", { n });
  const verdicts: Bar[] = ["VALID", "INVALID", "UNVERIFIABLE"].map((v) => ({
    label: t(`verdict.${verdictName(v)}`),
    value: count(s.byVerdict, v),
    tone: TONES[v],
    key: v,
    note: share(count(s.byVerdict, v), s.total),
  }));
  const reasons: Bar[] = s.failures.map((c) => ({
    label: reasonWord(c.key ?? ""),
    value: c.count,
    tone: "bad",
    key: c.key ?? "",
  }));
  const clerks: Bar[] = s.byClerk.map((c) => ({ label: c.key ?? t("console.unrecorded"), value: c.count, key: c.key ?? "" }));
  return [
    hourChart(s.byHour, t("dayreport.chart.hours"), empty),
    barChart("verdicts", t("dayreport.chart.verdicts"), verdicts, empty),
    barChart("failures", t("dayreport.chart.failures"), reasons, t("dayreport.failures.none"), { othersLabel: others }),
    barChart("clerks", t("dayreport.chart.clerks"), clerks, empty, { othersLabel: others }),
  ];
}

/** The first characters of a hash or key, for a line of text. */
export function short(hex: string, n = 12): string {
  return hex.length > n ? `${hex.slice(0, n)}…` : hex;
}

/** An attention item in words: what it is, in the current language. */
export function attentionLine(a: AttentionView): string {
  const n = a.entries.length;
  const when = a.first && a.last ? (a.first === a.last ? a.first : `${a.first}–${a.last}`) : "";
  switch (a.kind) {
    case "repeated-credential":
      return t("attention.repeated", { n, counters: a.counters.join(", "), hash: short(a.subject, 8), when });
    case "failure-burst":
      return t("attention.burst", { n, issuer: a.label ?? short(a.subject, 24), when });
    case "stale-mirror":
      return a.subject
        ? t("attention.stale", { n, block: a.subject, when })
        : t("attention.stale.recorded", { n, when });
    case "receipt-reprinted":
      return t("attention.reprinted", { receipt: a.subject, n: a.audit.length });
    default:
      return a.detail;
  }
}

/** An entry's detail as label/value lines (the subject as the log holds it: masked). */
export function detailLines(d: EntryDetailView): [string, string][] {
  const lines: [string, string][] = [
    ["console.detail.seq", `#${d.seq}`],
    ["console.detail.time", d.at],
    ["history.counter", `${d.hall} · ${d.counter}`],
    ["history.clerk", d.clerk],
    ["console.detail.channel", has(`dayreport.channel.${d.channel}`) ? t(`dayreport.channel.${d.channel}`) : d.channel],
    ["history.verdict", t(`verdict.${d.verdict}`)],
  ];
  for (const f of d.failing) {
    lines.push([`check.${f.check}`, f.reason ? reasonWord(f.reason) : t("console.detail.failed")]);
  }
  lines.push(["history.type", d.credentialType ? typeName(d.credentialType, d.typeZh, d.typeEn) : t("console.unrecorded")]);
  lines.push(["receipt.issuer", d.issuerName ?? (d.issuer ? short(d.issuer, 32) : t("console.unrecorded"))]);
  lines.push([
    "console.detail.chain",
    d.chain
      ? t("console.detail.chain.value", { source: t(`receipt.chain.${d.chain.source}`), block: d.chain.block, time: d.chain.blockTime })
      : t("receipt.chain.none"),
  ]);
  lines.push(["receipt.id", d.receipt ?? "—"]);
  lines.push(["console.detail.hash", d.credentialHash ?? "—"]);
  if (d.purged) lines.push(["history.subject", t("console.detail.purged")]);
  else if (d.subject.length === 0) lines.push(["history.subject", "—"]);
  else for (const s of d.subject) lines.push([`=${lang() === "en" ? s.labelEn : s.labelZh}`, s.value]);
  lines.push(["console.detail.entryhash", short(d.entryHash, 16)]);
  return lines;
}

/** A label key of [`detailLines`] in words (`=text` is already words). */
export function detailLabel(key: string): string {
  return key.startsWith("=") ? key.slice(1) : t(key);
}

/** A finding in words: which entry (or audit record) and what was done to it. */
export function findingLine(f: FindingView, audit = false): string {
  return t(`${audit ? "integrity.audit" : "integrity"}.${f.kind}`, { seq: f.seq });
}

/** The integrity check's headline and lines. */
export function integrityLines(r: IntegrityView): { headline: string; kind: "ok" | "bad"; lines: string[] } {
  const bad = r.findings.length > 0 || r.auditFindings.length > 0 || r.digests.some((d) => d.problem !== null);
  const lines: string[] = [];
  if (r.findings.length === 0) lines.push(t("integrity.entries.intact", { n: r.entries }));
  for (const f of r.findings) lines.push(findingLine(f));
  if (r.auditFindings.length === 0) lines.push(t("integrity.audit.intact", { n: r.auditRecords }));
  for (const f of r.auditFindings) lines.push(findingLine(f, true));
  for (const d of r.digests.filter((d) => d.problem !== null)) {
    lines.push(t(`integrity.digest.${d.problem}`, { day: d.day }));
  }
  return { headline: t(bad ? "integrity.changed" : "integrity.intact"), kind: bad ? "bad" : "ok", lines };
}

/** A closed day's row: day, entries, digest (short), signed, anchored. */
export function digestCells(d: DigestView): string[] {
  return [
    d.day,
    String(d.count),
    short(d.digest, 16),
    t(d.problem ? `integrity.digest.${d.problem}.short` : d.signed ? "integrity.digest.signed" : "integrity.digest.unsigned"),
    d.anchored ? t("integrity.digest.anchored", { tx: short(d.anchored, 14) }) : t("dayreport.digest.not_anchored"),
  ];
}

/** An audit record as a line: "10:02:03 sup-01 (supervisor) export.csv 2026-11-25". */
export function auditLine(a: AuditView): string {
  const action = has(`audit.action.${a.action}`) ? t(`audit.action.${a.action}`) : a.action;
  return `${a.at} · ${a.actor} (${t(`audit.role.${a.role}`)}) · ${action}${a.detail ? ` · ${a.detail}` : ""}`;
}

/** What the screen says after an export. */
export function exportLine(e: ExportView): string {
  const what = e.format === "pdf" ? t("export.done.pdf", { path: e.path }) : t("export.done", { n: e.entries, path: e.path });
  return e.wholeDay ? `${what} ${t("export.whole_day")}` : what;
}

/** The privacy policy: one line per field kept, then the retention. */
export function policyLines(p: PolicyView): string[] {
  const lines = p.fields.map((f) => {
    const label = lang() === "en" ? f.labelEn : f.labelZh;
    return f.mask === "clear"
      ? t("policy.field.clear", { field: label })
      : t("policy.field.keep", { field: label, head: f.head, tail: f.tail });
  });
  if (lines.length === 0) lines.push(t("policy.none"));
  else lines.push(t("policy.dropped"));
  lines.push(t("policy.retention", { days: p.retentionDays }));
  return lines;
}

/** "Entries 51–100 of 128" for the page starting at row `offset` (0-based). */
export function pageLine(offset: number, shown: number, total: number | null): string {
  if (shown === 0) return t("console.page.empty");
  return t("console.page", { from: offset + 1, to: offset + shown, total: total ?? "?" });
}

/** What a search box holds: a credential hash (64 hex digits) or a receipt id. */
export function searchArgs(text: string): { kind: "hash" | "receipt"; query: string } | null {
  const q = text.trim();
  if (q === "") return null;
  return /^(0x)?[0-9a-fA-F]{64}$/.test(q) ? { kind: "hash", query: q.replace(/^0x/, "").toLowerCase() } : { kind: "receipt", query: q };
}
