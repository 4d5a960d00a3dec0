// The footer (chain, devices, who is signed in, the buttons a role may use) and the sign-in
// screen's note: both are drawn from the app's status, which is polled every few seconds.

import * as api from "./api";
import { $ } from "./dom";
import { t } from "./i18n";
import { lockScreen } from "./nav";
import { state } from "./state";
import { chainStatus, deviceLines, signinMessage, whoLine } from "./status";

export function labelStatusBar(): void {
  $("lang").textContent = t("lang.switch");
  $("open-image").textContent = t("action.open");
  $("camera-toggle").textContent = t("action.camera");
  $("history-toggle").textContent = t("action.history");
  $("signout").textContent = t("action.signout");
  $("printer-toggle").textContent = t("action.printer");
  $("receipt-toggle").textContent = t("action.receipt");
}

export function renderStatus(): void {
  const { status, session } = state;
  if (!status) return;
  $("status-chain").textContent = chainStatus(status.chain, new Date());
  $("status-chain").dataset.mode = status.chain.mode;
  $("status-devices").textContent = deviceLines(status).join(" · ");
  $("status-clerk").textContent = whoLine({ ...status, session });
  const signedIn = session !== null;
  $("signout").hidden = !signedIn;
  $("history-toggle").hidden = !signedIn;
  $("camera-toggle").hidden = session?.role !== "clerk";
  $("printer-toggle").hidden = !signedIn;
  $("receipt-toggle").hidden = !signedIn;
  $("open-image").hidden = session?.role !== "clerk";
}

export function renderSigninMessage(): void {
  $("signin-message").textContent = signinMessage(state.status, state.signinNote);
}

/** Asks the app for its status; a session the app ended (idle) locks the screen here too. */
export async function refreshStatus(): Promise<void> {
  try {
    state.status = await api.appStatus();
  } catch {
    return;
  }
  if (state.session && !state.status.session) {
    await lockScreen("signin.locked.idle");
    return;
  }
  renderSigninMessage();
  renderStatus();
}
