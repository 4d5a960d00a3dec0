// The moves nav.ts hands to every screen, and the idle lock. Leaving a verdict goes to the
// clerk's ready screen or back into the supervisor's console; locking signs out in the app,
// forgets the session's state and stops the camera.

import * as api from "./api";
import { $ } from "./dom";
import { show, type Moves } from "./nav";
import { showConsole, showPane } from "./screens/console";
import { stopCamera } from "./screens/ready";
import { clearSigninForm } from "./screens/signin";
import { clearVerdict, signedOut, state } from "./state";
import { renderSigninMessage, renderStatus } from "./status-bar";

function next(): void {
  clearVerdict(state);
  delete $("screen").dataset.verdict;
  if (state.session?.role === "supervisor") {
    const { pane, detailFrom } = state.console;
    // Esc in the console: from an entry's detail back to where it was opened.
    if (state.screen === "console" && pane === "detail") showPane(detailFrom);
    else void showConsole(state.screen === "console" ? pane : "overview");
  } else show("ready");
}

/** `note`: the message key the sign-in screen shows ("" when the clerk signed out). */
async function lockScreen(note: string): Promise<void> {
  await api.signOut(note).catch(() => undefined);
  signedOut(state, note);
  stopCamera();
  clearSigninForm();
  renderSigninMessage();
  renderStatus();
  show("signin");
}

/** What main.ts installs in nav.ts. */
export const moves: Moves = { next, lockScreen };

/**
 * Locks the screen after the app's idle time without input, and tells the app the clerk is
 * still there when there is input (not on every key: see idle.ts).
 */
export function watchIdle(): void {
  window.setInterval(() => {
    if (state.session && state.idle.expired(performance.now())) void lockScreen("signin.locked.idle");
  }, 1000);
  const activity = () => {
    if (state.session && state.idle.input(performance.now())) void api.stillHere().catch(() => undefined);
  };
  for (const kind of ["keydown", "pointerdown", "pointermove", "wheel"]) window.addEventListener(kind, activity, true);
}
