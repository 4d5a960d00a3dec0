// What a key means, as pure functions (keys.ts listens and acts on the answer). A letter is a
// shortcut only for a signed-in user and only once the scanner's gap has passed without a
// burst following it; the same letter means different things to a clerk and a supervisor.

import type { Pane, Screen } from "./state";

/** The parts of a keydown the routing looks at. */
export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  altKey: boolean;
  metaKey: boolean;
}

export type KeyRoute =
  | { kind: "none" }
  /** Esc: on to the next scan (or back, in the console). */
  | { kind: "next" }
  /** Arrows and Enter in the console, for the entries table. */
  | { kind: "arrow" }
  /** F10: sign out at once. */
  | { kind: "lock" }
  /** A character: a shortcut, if no scanner burst follows it. */
  | { kind: "letter"; letter: string };

const NONE: KeyRoute = { kind: "none" };
const TABLE_KEYS = ["ArrowDown", "ArrowUp", "Enter"];

/** Where a keydown that the scanner's detector let through goes. */
export function routeKey(ev: KeyPress, at: { inBurst: boolean; signedIn: boolean; screen: Screen }): KeyRoute {
  if (at.inBurst || ev.ctrlKey || ev.altKey || ev.metaKey || !at.signedIn) return NONE;
  if (ev.key === "Escape") return { kind: "next" };
  if (at.screen === "console" && TABLE_KEYS.includes(ev.key)) return { kind: "arrow" };
  if (ev.key === "F10") return { kind: "lock" };
  // One character (an astral one counts as one): "ArrowLeft", "Shift" and the like are not.
  if ([...ev.key].length === 1) return { kind: "letter", letter: ev.key.toLowerCase() };
  return NONE;
}

export type Shortcut = "history" | "printer" | "receipt" | "console" | "print" | "preview" | "reveal" | "open" | "camera";

/**
 * A letter's shortcut. H, Q and K are everyone's; every other letter is the console's for a
 * supervisor; a clerk prints, previews and reveals on the verdict screen, opens a picture and
 * turns the camera on anywhere.
 */
export function shortcutFor(letter: string, at: { role: "clerk" | "supervisor"; screen: Screen; verdictShown: boolean }): Shortcut | null {
  if (letter === "h") return "history";
  if (letter === "q") return "printer";
  if (letter === "k") return "receipt";
  if (at.role === "supervisor") return "console";
  const onVerdict = at.verdictShown && at.screen === "verdict";
  if (letter === "p" && onVerdict) return "print";
  if (letter === "v" && onVerdict) return "preview";
  if (letter === "r" && onVerdict) return "reveal";
  if (letter === "o") return "open";
  if (letter === "c") return "camera";
  return null;
}

export type ConsoleKey =
  | "overview"
  | "entries"
  | "attention"
  | "integrity"
  | "policy"
  | "filter"
  | "search"
  | "next-page"
  | "previous-page"
  | "export-csv"
  | "export-xlsx"
  | "export-pdf";

const CONSOLE_KEYS = new Map<string, ConsoleKey>([
  ["t", "overview"],
  ["e", "entries"],
  ["a", "attention"],
  ["i", "integrity"],
  ["m", "policy"],
  ["f", "filter"],
  ["s", "search"],
  ["n", "next-page"],
  ["b", "previous-page"],
  ["x", "export-csv"],
  ["w", "export-xlsx"],
  ["d", "export-pdf"],
]);

/** A supervisor's letter in the console; paging only where the entries table shows. */
export function consoleKeyFor(letter: string, pane: Pane): ConsoleKey | null {
  const action = CONSOLE_KEYS.get(letter) ?? null;
  if ((action === "next-page" || action === "previous-page") && pane !== "entries") return null;
  return action;
}

/** The letters that open the console from the supervisor's other screens (then act in it). */
export function opensConsole(letter: string): boolean {
  return [..."teaimfs"].includes(letter);
}
