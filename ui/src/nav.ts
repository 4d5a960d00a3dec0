// Showing a screen, and the two moves any screen may make: on to the next scan, and locking
// the counter (any command may answer that the session has ended). Those two need the console,
// the sign-in screen and the camera, which need them in turn, so their implementations
// (moves.ts) are installed here by main.ts at start and no screen imports another for them.

import * as api from "./api";
import { asCommandError } from "./api";
import { $, blurActive } from "./dom";
import { state, SCREENS, type Screen } from "./state";
import { errorMessage } from "./status";

export interface Moves {
  /** Leaves the verdict (or panel) for the next scan: the ready screen, or the console. */
  next(): void;
  /** Signs out and shows the sign-in screen with `note` (a message key, or ""). */
  lockScreen(note: string): Promise<void>;
}

const notInstalled = (): never => {
  throw new Error("nav: main.ts installs the moves before anything runs");
};
const moves: Moves = { next: notInstalled, lockScreen: notInstalled };

export function installMoves(m: Moves): void {
  Object.assign(moves, m);
}

export function next(): void {
  moves.next();
}

export function lockScreen(note: string): Promise<void> {
  return moves.lockScreen(note);
}

export function show(section: Screen): void {
  // The app decides what a serial scan is: it must know when the clerk is checking receipts.
  if ((section === "receipt") !== (state.screen === "receipt")) {
    void api.setReceiptMode(section === "receipt").catch(() => undefined);
  }
  state.screen = section;
  for (const id of SCREENS) $(id).hidden = id !== section;
  $("screen").dataset.state = section;
  if (section === "signin") $<HTMLInputElement>($<HTMLInputElement>("signin-id").value ? "signin-pin" : "signin-id").focus();
  // A button clicked on the last screen may now be hidden: keys go to the page again.
  else blurActive();
}

/** A command failed: an ended session locks the screen, anything else is said on the error screen. */
export function showError(e: unknown): void {
  const err = asCommandError(e);
  if (err.code === "signed_out" || err.code === "not_clerk") {
    void lockScreen(err.code);
    return;
  }
  $("error-text").textContent = errorMessage(err.code, err.message);
  show("error");
}
