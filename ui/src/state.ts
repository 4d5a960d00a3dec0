// The screen's state in one object: what the app last said (status, session, the verdict on
// screen, the console's data) and where the clerk is. Screens read and set its fields; the
// changes that follow a rule (signing out, paging, moving the selection) are functions here
// that take the state as a parameter, so they are tested on a fresh object without a window.

import { IdleTimer } from "./idle";
import type {
  EntryDetailView,
  FilterArgs,
  IntegrityView,
  OverviewView,
  PageView,
  PolicyView,
  PrintJobView,
  ReviewRow,
  SessionView,
  StatusView,
  VerdictView,
} from "./types";

/** The sections of `#screen`, by id; exactly one is shown. */
export const SCREENS = ["setup", "signin", "ready", "verdict", "error", "history", "printer", "receipt", "preview-panel", "console"] as const;
export type Screen = (typeof SCREENS)[number];

/** The console's panes (`#pane-…`); all but the detail have a tab. */
export const PANES = ["overview", "entries", "attention", "integrity", "policy", "detail"] as const;
export type Pane = (typeof PANES)[number];

/** Rows per page of the entries table (src-tauri `supervisor::PAGE`). */
export const PAGE = 50;

/** Until the app's status arrives: the app's default idle lock, five minutes. */
const DEFAULT_IDLE_MS = 300_000;

/** The verdict on screen. */
export interface VerdictState {
  view: VerdictView | null;
  /** Its receipt's print job, followed until it prints or has to wait. */
  job: PrintJobView | null;
  /** The whole values the clerk revealed, by field key (null: masked). */
  revealed: Map<string, string> | null;
}

/** The supervisor's console: what was last received for each pane. */
export interface ConsoleState {
  pane: Pane;
  /** Where an entry's detail was opened from, for "back". */
  detailFrom: Pane;
  /** The filter in force (null until the first overview says which day is today). */
  applied: FilterArgs | null;
  overview: OverviewView | null;
  /** The page shown, with the row number (0-based) it starts at. */
  page: (PageView & { offset: number }) | null;
  /** The `before` cursor of each page shown, oldest last (`null`: the first page), for "previous". */
  cursors: (number | null)[];
  /** How many entries the filter selects, from its first page. */
  total: number | null;
  /** A search's results, shown in the entries table instead of the page. */
  searched: { query: string; rows: ReviewRow[] } | null;
  detail: EntryDetailView | null;
  integrity: IntegrityView | null;
  /** What the integrity pane says while the check runs. */
  integrityNote: string | null;
  policy: PolicyView | null;
  exported: { text: string; kind: "ok" | "problem" | "busy" } | null;
  /** The selected row of the entries table (-1: none). */
  selected: number;
}

export interface AppState {
  status: StatusView | null;
  session: SessionView | null;
  screen: Screen;
  /** The message key the sign-in screen explains itself with (why it locked). */
  signinNote: string | null;
  /** When the last scan came in (`performance.now()`), for the scan-to-verdict figure. */
  scanStarted: number;
  idle: IdleTimer;
  /** The receipt preview's object URL, revoked when the next one replaces it. */
  previewUrl: string | null;
  verdict: VerdictState;
  console: ConsoleState;
}

export function newConsoleState(): ConsoleState {
  return {
    pane: "overview",
    detailFrom: "entries",
    applied: null,
    overview: null,
    page: null,
    cursors: [],
    total: null,
    searched: null,
    detail: null,
    integrity: null,
    integrityNote: null,
    policy: null,
    exported: null,
    selected: -1,
  };
}

export function newState(now: number): AppState {
  return {
    status: null,
    session: null,
    screen: "signin",
    signinNote: null,
    scanStarted: 0,
    idle: new IdleTimer(DEFAULT_IDLE_MS, now),
    previewUrl: null,
    verdict: { view: null, job: null, revealed: null },
    console: newConsoleState(),
  };
}

/** The screen's one state. */
export const state: AppState = newState(performance.now());

// ---- The verdict ----------------------------------------------------------------------------

/** A new verdict: its print job (where the hall prints every receipt) and nothing revealed. */
export function verdictArrived(s: AppState, v: VerdictView): void {
  s.verdict = { view: v, job: v.print ?? null, revealed: null };
}

/** On to the next scan: the verdict, its job and revealed values are forgotten. */
export function clearVerdict(s: AppState): void {
  s.verdict = { view: null, job: null, revealed: null };
}

// ---- The session ----------------------------------------------------------------------------

/**
 * Signed out (by the clerk, the idle lock or the app): no session, an empty console, no
 * verdict. The verdict's print job is still followed; the receipt prints whoever is signed in.
 */
export function signedOut(s: AppState, note: string): void {
  s.session = null;
  resetConsole(s.console);
  s.verdict.view = null;
  s.signinNote = note;
}

// ---- The console ----------------------------------------------------------------------------

/** A new supervisor (or none): nothing of the last one's console is kept but where "back" goes. */
export function resetConsole(c: ConsoleState): void {
  Object.assign(c, newConsoleState(), { detailFrom: c.detailFrom });
}

/** A new filter: its pages, total, search and selection start afresh. */
export function filterApplied(c: ConsoleState, filter: FilterArgs): void {
  c.applied = filter;
  c.page = null;
  c.cursors = [];
  c.total = null;
  c.searched = null;
  c.selected = -1;
}

/** The rows the entries table shows: a search's results, else the page. */
export function shownRows(c: ConsoleState): ReviewRow[] {
  return c.searched ? c.searched.rows : (c.page?.rows ?? []);
}

/** A page arrived for the filter in force; the first page brings the total. */
export function pageLoaded(c: ConsoleState, got: PageView, offset: number): void {
  if (got.total !== null) c.total = got.total;
  c.page = { ...got, offset };
  c.searched = null;
  c.selected = got.rows.length > 0 ? 0 : -1;
}

/** A search's results replace the table; the first row is selected. */
export function searchFound(c: ConsoleState, query: string, rows: ReviewRow[]): void {
  c.searched = { query, rows };
  c.selected = rows.length > 0 ? 0 : -1;
}

/** Back from a search to the filter's pages (loaded afresh from the first). */
export function leaveSearch(c: ConsoleState): void {
  if (c.searched) {
    c.searched = null;
    c.page = null;
  }
}

/** Where the next (older) page starts, noting the cursor for "previous"; null when there is none. */
export function pageForward(c: ConsoleState): { before: number; offset: number } | null {
  if (!c.page || c.page.next === null || c.searched) return null;
  if (c.cursors.length === 0) c.cursors.push(null);
  c.cursors.push(c.page.next);
  return { before: c.page.next, offset: c.page.offset + c.page.rows.length };
}

/** Where the previous (newer) page starts; null on the first page or during a search. */
export function pageBack(c: ConsoleState): { before: number | null; offset: number } | null {
  if (!c.page || c.page.offset === 0 || c.searched || c.cursors.length < 2) return null;
  c.cursors.pop();
  return { before: c.cursors[c.cursors.length - 1] ?? null, offset: Math.max(0, c.page.offset - PAGE) };
}

/** The selection after an arrow key, kept within the `count` rows shown. */
export function stepSelection(selected: number, count: number, key: "ArrowDown" | "ArrowUp"): number {
  return Math.min(count - 1, Math.max(0, selected + (key === "ArrowDown" ? 1 : -1)));
}
