// The setup screen, for a PC without a usable hall bundle: apply a bundle (its file opened or
// dropped, checked against the authority's key), or choose which counter this PC is; then
// restart into the configured app.

import * as api from "../api";
import { asCommandError } from "../api";
import { $ } from "../dom";
import { t } from "../i18n";
import { show } from "../nav";
import { errorMessage } from "../status";
import type { SetupView } from "../types";

function setupDone(text: string): void {
  const result = $("setup-result");
  result.textContent = text;
  result.dataset.kind = "ok";
  $("setup-restart").hidden = false;
}

function setupFailed(e: unknown): void {
  const err = asCommandError(e);
  const result = $("setup-result");
  result.textContent = errorMessage(err.code, err.message);
  result.dataset.kind = "problem";
}

function counterButton([id, name]: [string, string | null]): HTMLButtonElement {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "counter";
  b.dataset.id = id;
  b.textContent = name ? `${id} · ${name}` : id;
  b.addEventListener("click", async () => {
    try {
      await api.chooseCounter(id);
      setupDone(t("setup.counter.chosen", { id }));
    } catch (e) {
      setupFailed(e);
    }
  });
  return b;
}

export function showSetup(setup: SetupView): void {
  $("setup-title").textContent = t("setup.title");
  $("setup-message").textContent =
    setup.kind === "refused"
      ? t("setup.message.refused", { problem: setup.problem ?? "", action: setup.action ?? "" })
      : setup.kind === "choose_counter"
        ? t("setup.choose_counter")
        : t("setup.no_bundle");
  $("setup-bundle").hidden = setup.kind === "choose_counter";
  $("setup-hint").textContent = t("setup.hint");
  $("setup-authority-label").textContent = t(setup.authorityFile ? "setup.authority.file" : "setup.authority");
  $<HTMLInputElement>("setup-authority").hidden = setup.authorityFile;
  $("setup-file-label").textContent = t("setup.file");
  $("setup-restart").textContent = t("action.restart");
  $("setup-counters").replaceChildren(...setup.counters.map(counterButton));
  show("setup");
}

/** Applies a bundle file; the key typed in is used when the PC has no authority file. */
export async function applyBundle(file: File): Promise<void> {
  const bundle = await file.text();
  const authority = $<HTMLInputElement>("setup-authority").value.trim() || null;
  try {
    const applied = await api.applyBundle(bundle, authority);
    setupDone(t("setup.applied", { hallName: applied.hallName, version: applied.version }));
  } catch (e) {
    setupFailed(e);
  }
}

export function wireSetup(): void {
  $<HTMLInputElement>("setup-file").addEventListener("change", async (ev) => {
    const input = ev.target as HTMLInputElement;
    const file = input.files?.[0];
    if (file) await applyBundle(file);
    input.value = "";
  });
  $("setup-restart").addEventListener("click", () => void api.restartApp());
}
