import { describe, expect, it } from "vitest";
import {
  clearVerdict,
  filterApplied,
  leaveSearch,
  newState,
  PAGE,
  pageBack,
  pageForward,
  pageLoaded,
  resetConsole,
  searchFound,
  shownRows,
  signedOut,
  stepSelection,
  verdictArrived,
} from "./state";
import type { FilterArgs, PageView, PrintJobView, ReviewRow, VerdictView } from "./types";

const job: PrintJobView = { id: 7, state: "queued", receipt: "R1", copy: false, testPage: false, error: null, detail: null, attempts: 0, queued: "10:00:00" };

const verdict: VerdictView = {
  verdict: "VALID",
  reason: null,
  checks: [],
  typeName: null,
  typeZh: null,
  typeEn: null,
  issuerName: null,
  issuerRegistered: false,
  fields: [],
  validFrom: null,
  validUntil: null,
  chain: null,
  warnings: [],
  logged: { kind: "entry", seq: 3 },
  print: job,
  id: 1,
};

const filter: FilterArgs = { from: "2026-11-25", to: "2026-11-25", counter: null, clerk: null, verdict: null, credentialType: null, issuer: null };

const row = (seq: number): ReviewRow => ({
  seq,
  at: "2026-11-25T10:00:00+08:00",
  date: "2026-11-25",
  time: "10:00:00",
  hall: "BJ-CY-01",
  counter: "3",
  clerk: "clerk-007",
  channel: "scanner",
  verdict: "VALID",
  credentialType: null,
  typeZh: null,
  typeEn: null,
  issuer: null,
  issuerName: null,
  credentialHash: null,
  failing: [],
  reasons: [],
  chain: null,
  subject: [],
  purged: false,
  receipt: null,
  entryHash: "00".repeat(32),
});

/** A full page of `PAGE` rows, newest first from `top`, with the cursor of the next one. */
const page = (top: number, total: number | null): PageView => ({
  rows: Array.from({ length: PAGE }, (_, i) => row(top - i)),
  next: top - PAGE + 1,
  total,
});

describe("the verdict on screen", () => {
  it("follows a new verdict's print job with nothing revealed, and forgets all on the next scan", () => {
    const s = newState(0);
    s.verdict.revealed = new Map([["idNumber", "110101199001011234"]]);
    verdictArrived(s, verdict);
    expect(s.verdict).toEqual({ view: verdict, job, revealed: null });
    clearVerdict(s);
    expect(s.verdict).toEqual({ view: null, job: null, revealed: null });
  });
});

describe("signing out", () => {
  it("forgets the session, the console and the verdict but keeps following the print job", () => {
    const s = newState(0);
    s.session = { id: "sup-1", name: "李主管", role: "supervisor" };
    verdictArrived(s, verdict);
    filterApplied(s.console, filter);
    s.console.pane = "detail";
    s.console.detailFrom = "attention";
    signedOut(s, "signin.locked.idle");
    expect(s.session).toBeNull();
    expect(s.signinNote).toBe("signin.locked.idle");
    expect(s.verdict.view).toBeNull();
    expect(s.verdict.job).toEqual(job);
    expect(s.console.applied).toBeNull();
    expect(s.console.pane).toBe("overview");
    // As before the split: "back" is not reset with the rest.
    expect(s.console.detailFrom).toBe("attention");
  });

  it("resets the console in place, so a load under way sees the filter has changed", () => {
    const s = newState(0);
    const c = s.console;
    filterApplied(c, filter);
    const asked = c.applied;
    resetConsole(c);
    expect(s.console).toBe(c);
    expect(c.applied).not.toBe(asked);
  });
});

describe("the entries table", () => {
  it("pages back and forth by the cursors it noted", () => {
    const c = newState(0).console;
    filterApplied(c, filter);
    expect(pageForward(c)).toBeNull();
    pageLoaded(c, page(120, 120), 0);
    expect(c.total).toBe(120);
    expect(c.selected).toBe(0);

    const second = pageForward(c);
    expect(second).toEqual({ before: 71, offset: 50 });
    pageLoaded(c, page(70, null), second!.offset);
    // Only the first page brings the total; it is kept.
    expect(c.total).toBe(120);

    const third = pageForward(c);
    expect(third).toEqual({ before: 21, offset: 100 });
    pageLoaded(c, { rows: [row(20)], next: null, total: null }, third!.offset);
    expect(pageForward(c)).toBeNull();
    expect(c.cursors).toEqual([null, 71, 21]);

    expect(pageBack(c)).toEqual({ before: 71, offset: 50 });
    pageLoaded(c, page(70, null), 50);
    expect(pageBack(c)).toEqual({ before: null, offset: 0 });
    pageLoaded(c, page(120, null), 0);
    expect(pageBack(c)).toBeNull();
  });

  it("shows a search's results instead of the page until the entries are asked for again", () => {
    const c = newState(0).console;
    pageLoaded(c, page(120, 120), 0);
    searchFound(c, "R-33", [row(33)]);
    expect(shownRows(c).map((r) => r.seq)).toEqual([33]);
    expect(pageForward(c)).toBeNull();
    expect(pageBack(c)).toBeNull();
    leaveSearch(c);
    expect(c.searched).toBeNull();
    expect(c.page).toBeNull();
    expect(shownRows(c)).toEqual([]);
    searchFound(c, "nothing", []);
    expect(c.selected).toBe(-1);
  });

  it("starts a new filter from its first page with nothing selected", () => {
    const c = newState(0).console;
    pageLoaded(c, page(120, 120), 0);
    pageForward(c);
    filterApplied(c, { ...filter, counter: "3" });
    expect(c).toMatchObject({ page: null, cursors: [], total: null, searched: null, selected: -1 });
    expect(c.applied?.counter).toBe("3");
  });

  it("keeps the selection within the rows", () => {
    expect(stepSelection(0, 3, "ArrowDown")).toBe(1);
    expect(stepSelection(2, 3, "ArrowDown")).toBe(2);
    expect(stepSelection(0, 3, "ArrowUp")).toBe(0);
    expect(stepSelection(-1, 3, "ArrowDown")).toBe(0);
  });
});
