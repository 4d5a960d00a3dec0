// The supervisor's console drawn from what was last received (state.console): the filter
// form, the overview's totals, charts and attention list, the entries table, an entry's
// detail, the integrity check, the policy and the export line. Drawing only: the words come
// from review.ts, loading and navigation are console.ts's. Links to an entry carry its
// `data-seq`; console.ts opens them with one click handler per list.

import type { SvgNode } from "../charts";
import { $, cell, headCells, lineItems } from "../dom";
import { t } from "../i18n";
import {
  attentionLine,
  auditLine,
  detailLabel,
  detailLines,
  digestCells,
  filterLine,
  integrityLines,
  options,
  pageLine,
  policyLines,
  reasonWord,
  summaryCharts,
  totalsLine,
  typeName,
  type FilterState,
} from "../review";
import { shownRows, state } from "../state";
import type { OptionsView } from "../types";

const FILTER_FIELDS: [keyof FilterState, string, keyof OptionsView][] = [
  ["counter", "filter-counter", "counters"],
  ["clerk", "filter-clerk", "clerks"],
  ["verdict", "filter-verdict", "verdicts"],
  ["credentialType", "filter-type", "types"],
  ["issuer", "filter-issuer", "issuers"],
];

export function labelConsole(): void {
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

/** What the filter form holds now. */
export function formState(): FilterState {
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
  const { overview, applied } = state.console;
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

function typeLabelOf(key: string): string {
  const c = state.console.overview?.options.types.find((x) => x.key === key);
  return typeName(key, c?.zh, c?.en);
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

/** The attention list into `list`: each item in words, its entries as links to their detail. */
function renderAttention(list: HTMLElement): void {
  const items = state.console.overview?.attention ?? [];
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
        li.append(b);
      }
      if (a.entries.length > 12) li.append(` +${a.entries.length - 12}`);
      return li;
    }),
  );
}

function renderOverview(): void {
  const { overview } = state.console;
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

function verdictCell(verdict: string): HTMLTableCellElement {
  const td = cell(t(`verdict.${verdict}`));
  td.className = "verdict";
  return td;
}

export function renderEntries(): void {
  const { searched, page, total, applied, selected } = state.console;
  const rows = shownRows(state.console);
  $("entries-line").textContent = searched
    ? rows.length > 0
      ? t("console.search.results", { query: searched.query, n: rows.length })
      : t("console.search.none", { query: searched.query })
    : page
      ? pageLine(page.offset, page.rows.length, total)
      : t("console.loading");
  $("entries-head").replaceChildren(
    ...headCells(["history.time", "history.counter", "history.clerk", "history.type", "history.verdict", "history.reason", "history.subject", "receipt.id"]),
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
      return tr;
    }),
  );
  $<HTMLButtonElement>("page-prev").disabled = !page || page.offset === 0 || searched !== null;
  $<HTMLButtonElement>("page-next").disabled = !page || page.next === null || searched !== null;
}

function renderDetail(): void {
  const { detail } = state.console;
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

export function renderIntegrity(): void {
  const { integrity, integrityNote } = state.console;
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
  lines.replaceChildren(...lineItems(r.lines));
  $("integrity-checked").textContent = t("integrity.checked", { when: integrity.checkedAt, ms: integrity.millis });
  $("digests-empty").textContent = integrity.digests.length === 0 ? t("integrity.digests.none") : "";
  $("digests-table").hidden = integrity.digests.length === 0;
  $("digests-head").replaceChildren(...headCells(["day", "count", "digest", "signed", "anchored"].map((k) => `integrity.digests.${k}`)));
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

export function renderPolicy(): void {
  const { policy } = state.console;
  if (!policy) return;
  $("policy-lines").replaceChildren(...lineItems(policyLines(policy)));
}

/** Everything on the console from what was last received (also on a language switch). */
export function renderConsole(): void {
  const { applied, exported } = state.console;
  labelConsole();
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
