// The supervisor's console: which pane shows, and what is asked of the app for it. Panes: the
// overview (today at a glance, or the filter's range), the entries table (a page of 50 at a
// time, never the whole range), an entry's detail, the attention list, the integrity check,
// the privacy policy. console-view.ts draws them from state.console.

import * as api from "../api";
import { asCommandError } from "../api";
import { $, blurActive } from "../dom";
import { t } from "../i18n";
import { lockScreen, show } from "../nav";
import { dayFilter, exportLine, filterArgs, searchArgs, type FilterState } from "../review";
import {
  filterApplied,
  leaveSearch,
  pageBack,
  pageForward,
  pageLoaded,
  PANES,
  searchFound,
  shownRows,
  state,
  stepSelection,
  type Pane,
} from "../state";
import { errorMessage } from "../status";
import type { ExportFormat } from "../types";
import { formState, renderConsole, renderEntries, renderIntegrity, renderPolicy } from "./console-view";

/** A failed console command: an ended session locks the screen, anything else is said above the panes. */
function consoleProblem(e: unknown): void {
  const err = asCommandError(e);
  if (err.code === "signed_out") {
    void lockScreen("signin.locked.idle");
    return;
  }
  // An Error is the screen's own (a day typed wrongly in the filter), already in words.
  $("console-error").textContent = e instanceof Error ? e.message : errorMessage(err.code, err.message);
}

export async function showConsole(to: Pane): Promise<void> {
  if (state.session?.role !== "supervisor") return;
  show("console");
  if (!state.console.overview) await loadOverview();
  showPane(to);
}

export function showPane(to: Pane): void {
  const c = state.console;
  c.pane = to;
  for (const p of PANES) $(`pane-${p}`).hidden = p !== to;
  for (const b of document.querySelectorAll<HTMLButtonElement>("#console-tabs button")) {
    b.classList.toggle("current", b.dataset.pane === to);
  }
  $("console").dataset.pane = to;
  if (to === "entries" && !c.page && !c.searched) void loadPage(null, 0);
  if (to === "policy" && !c.policy) void loadPolicy();
  renderConsole();
}

/** The overview of the filter in force; the first one says which day is today and filters on it. */
export async function loadOverview(): Promise<void> {
  const c = state.console;
  $("console-error").textContent = "";
  const started = performance.now();
  const asked = c.applied;
  try {
    const got = await api.reviewOverview(asked);
    // A later filter's overview may have arrived first: keep the newest.
    if (asked !== c.applied) return;
    c.overview = got;
    if (!c.applied) c.applied = filterArgs(dayFilter(got.today));
    // Read by the end-to-end run for the overview figure.
    $("overview-totals").dataset.ms = (performance.now() - started).toFixed(1);
  } catch (e) {
    consoleProblem(e);
  }
  renderConsole();
}

async function applyFilter(form: FilterState = formState()): Promise<void> {
  const c = state.console;
  try {
    filterApplied(c, filterArgs(form));
  } catch (e) {
    consoleProblem(e);
    return;
  }
  // The first page does not wait for the range's summary (the app reads them apart).
  const summarised = loadOverview();
  if (c.pane === "entries") await loadPage(null, 0);
  else if (c.pane === "detail" || c.pane === "integrity" || c.pane === "policy") showPane("entries");
  await summarised;
}

async function loadPage(before: number | null, offset: number): Promise<void> {
  const c = state.console;
  if (!c.applied) return;
  $("console-error").textContent = "";
  const started = performance.now();
  const asked = c.applied;
  try {
    const got = await api.reviewPage(asked, before);
    if (asked !== c.applied) return;
    pageLoaded(c, got, offset);
    // Read by the end-to-end run for the time-to-page figure.
    $("entries-table").dataset.ms = (performance.now() - started).toFixed(1);
  } catch (e) {
    consoleProblem(e);
  }
  renderEntries();
}

export async function nextPage(): Promise<void> {
  const to = pageForward(state.console);
  if (to) await loadPage(to.before, to.offset);
}

export async function previousPage(): Promise<void> {
  const to = pageBack(state.console);
  if (to) await loadPage(to.before, to.offset);
}

/** The entries pane afresh: back from a search to the filter's pages. */
export function showEntries(): void {
  leaveSearch(state.console);
  showPane("entries");
}

async function openDetail(seq: number): Promise<void> {
  const c = state.console;
  try {
    c.detail = await api.reviewEntry(seq);
  } catch (e) {
    consoleProblem(e);
    return;
  }
  if (c.pane !== "detail") c.detailFrom = c.pane;
  showPane("detail");
}

export async function runIntegrity(): Promise<void> {
  const c = state.console;
  showPane("integrity");
  c.integrity = null;
  c.integrityNote = t("integrity.running");
  renderIntegrity();
  try {
    c.integrity = await api.reviewIntegrity();
    c.integrityNote = null;
  } catch (e) {
    c.integrityNote = null;
    consoleProblem(e);
  }
  renderIntegrity();
}

async function loadPolicy(): Promise<void> {
  try {
    state.console.policy = await api.reviewPolicy();
  } catch (e) {
    consoleProblem(e);
  }
  renderPolicy();
}

async function runSearch(): Promise<void> {
  const q = searchArgs($<HTMLInputElement>("search-input").value);
  if (!q) return;
  try {
    searchFound(state.console, q.query, await api.reviewSearch(q.query));
  } catch (e) {
    consoleProblem(e);
    return;
  }
  showPane("entries");
}

export async function runExport(format: ExportFormat): Promise<void> {
  const c = state.console;
  if (!c.applied) return;
  c.exported = { text: t("export.busy"), kind: "busy" };
  renderConsole();
  try {
    const e = await api.reviewExport(c.applied, format);
    c.exported = { text: exportLine(e), kind: "ok" };
  } catch (e) {
    const err = asCommandError(e);
    c.exported = { text: errorMessage(err.code, err.message), kind: "problem" };
  }
  renderConsole();
}

/** Arrows move through the entries table, Enter opens the selected entry; false: not handled. */
export function consoleArrow(key: string): boolean {
  const c = state.console;
  if (c.pane !== "entries") return false;
  const rows = shownRows(c);
  if (rows.length === 0) return false;
  if (key === "ArrowDown" || key === "ArrowUp") {
    c.selected = stepSelection(c.selected, rows.length, key);
    renderEntries();
    document.querySelector("#entries-rows tr.selected")?.scrollIntoView({ block: "nearest" });
    return true;
  }
  const row = rows[c.selected];
  if (key === "Enter" && c.selected >= 0 && row) {
    void openDetail(row.seq);
    return true;
  }
  return false;
}

/** Focus into the filter's first field (F) or the search box (S). */
export function focusField(id: "filter-from" | "search-input"): void {
  $<HTMLInputElement>(id).focus();
}

/** Opens the entry whose link (`data-seq`) was clicked inside `list`. */
function openClickedEntry(list: HTMLElement, selector: string): void {
  list.addEventListener("click", (ev) => {
    const link = ev.target instanceof Element ? ev.target.closest<HTMLElement>(selector) : null;
    if (link?.dataset.seq) void openDetail(Number(link.dataset.seq));
  });
}

export function wireConsole(): void {
  for (const b of document.querySelectorAll<HTMLButtonElement>("#console-tabs button")) {
    b.addEventListener("click", () => {
      const to = b.dataset.pane as Pane;
      if (to === "integrity" && !state.console.integrity) void runIntegrity();
      else showPane(to);
      if (to === "overview") void loadOverview();
    });
  }
  // After a submit the keys are the console's again (F, S, E …), not the form's.
  const leaveForm = () => {
    blurActive();
    $("screen").focus();
  };
  $("console-filter").addEventListener("submit", (ev) => {
    ev.preventDefault();
    leaveForm();
    void applyFilter();
  });
  $("filter-today").addEventListener("click", () => {
    leaveForm();
    const { overview } = state.console;
    if (overview) void applyFilter(dayFilter(overview.today));
  });
  $("console-search").addEventListener("submit", (ev) => {
    ev.preventDefault();
    leaveForm();
    void runSearch();
  });
  $("page-next").addEventListener("click", () => void nextPage());
  $("page-prev").addEventListener("click", () => void previousPage());
  $("detail-back").addEventListener("click", () => showPane(state.console.detailFrom));
  $("integrity-run").addEventListener("click", () => void runIntegrity());
  $("export-csv").addEventListener("click", () => void runExport("csv"));
  $("export-xlsx").addEventListener("click", () => void runExport("xlsx"));
  $("export-pdf").addEventListener("click", () => void runExport("pdf"));
  openClickedEntry($("entries-rows"), "tr[data-seq]");
  openClickedEntry($("overview-attention"), "button.entry-link");
  openClickedEntry($("attention-list"), "button.entry-link");
}
