// The sign-in screen: staff ID and PIN, as clerk or supervisor. The PIN never stays in the
// field, and a refused attempt says why (a lock-out with the minutes left).

import * as api from "../api";
import { asCommandError } from "../api";
import { $ } from "../dom";
import { IdleTimer } from "../idle";
import { t } from "../i18n";
import { show } from "../nav";
import { resetConsole, state } from "../state";
import { refreshStatus } from "../status-bar";
import { errorMessage, lockoutMinutes } from "../status";
import { showConsole } from "./console";

export function labelSignin(): void {
  $("signin-title").textContent = t("signin.title");
  $("signin-clerk").textContent = t("signin.clerk");
  $("signin-supervisor").textContent = t("signin.supervisor");
  $("signin-id-label").textContent = t("signin.id");
  $("signin-pin-label").textContent = t("signin.pin");
  $("signin-submit").textContent = t("signin.submit");
}

/** Locked: no PIN left in the field and no answer to an earlier attempt on screen. */
export function clearSigninForm(): void {
  $<HTMLInputElement>("signin-pin").value = "";
  $("signin-error").textContent = "";
}

async function signIn(): Promise<void> {
  const id = $<HTMLInputElement>("signin-id").value.trim();
  const pinInput = $<HTMLInputElement>("signin-pin");
  const pin = pinInput.value;
  const role = (document.querySelector('input[name="role"]:checked') as HTMLInputElement | null)?.value ?? "clerk";
  pinInput.value = "";
  if (!id || !pin) {
    $("signin-error").textContent = t("staff.empty");
    return;
  }
  // The PIN check takes a moment (argon2, off the window's thread): no earlier message stays
  // on screen meanwhile to be mistaken for this attempt's answer.
  $("signin-error").textContent = "";
  try {
    state.session = await api.signIn(id, pin, role);
  } catch (e) {
    const err = asCommandError(e);
    const minutes = lockoutMinutes(err.message, Date.now());
    $("signin-error").textContent = errorMessage(err.code, err.message, { minutes });
    pinInput.focus();
    return;
  }
  state.signinNote = null;
  $("signin-error").textContent = "";
  state.idle = new IdleTimer((state.status?.idleLockSeconds ?? 300) * 1000, performance.now());
  await refreshStatus();
  // The app may have ended the session meanwhile: then the screen is locked already.
  if (!state.session) return;
  if (state.session.role === "supervisor") {
    resetConsole(state.console);
    await showConsole("overview");
  } else show("ready");
}

export function wireSignin(): void {
  $("signin-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    void signIn();
  });
}
