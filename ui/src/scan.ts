// Scans in, from every source: a keyboard-wedge burst or the camera (text), an opened, dropped
// or pasted picture, and the serial scanner (decided in the app, answered by an event). The
// app decides what a scan is (a receipt brought back, or a credential) and what is allowed;
// this module shows its answer.

import * as api from "./api";
import { asCommandError } from "./api";
import { $ } from "./dom";
import { t } from "./i18n";
import { show, showError } from "./nav";
import { showReceiptCheck } from "./screens/receipt-check";
import { applyBundle } from "./screens/setup";
import { verdictShown } from "./screens/verdict";
import { state } from "./state";
import type { ScanView, SerialScanned } from "./types";

function scanShown(r: ScanView): void {
  if (r.receipt) showReceiptCheck(r.receipt);
  else if (r.verdict) verdictShown(r.verdict);
}

/** Whether a scan can go to the app; signed out, the sign-in screen asks for a sign-in first. */
function signedInFor(): boolean {
  if (state.session) return true;
  if (state.screen === "signin") $("signin-error").textContent = t("signin.scan.first");
  return false;
}

export async function verifyText(text: string, channel: "scanner" | "camera"): Promise<void> {
  state.scanStarted = performance.now();
  // Read by the end-to-end tests when a scan goes astray.
  document.body.dataset.lastScan = `${state.screen}|${text.length}|${text.slice(0, 12)}`;
  if (!signedInFor()) return;
  try {
    scanShown(await api.scanText(text, channel, state.screen === "receipt"));
  } catch (e) {
    // A credential scanned in the supervisor's console is ignored, as it always was.
    if (asCommandError(e).code !== "scan.not_clerk") showError(e);
  }
}

async function verifyImage(bytes: Uint8Array): Promise<void> {
  state.scanStarted = performance.now();
  if (!signedInFor()) return;
  try {
    scanShown(await api.scanImage(bytes, state.screen === "receipt"));
  } catch (e) {
    if (asCommandError(e).code !== "scan.not_clerk") showError(e);
  }
}

/** The app's answer to a serial scanner's scan. */
export function serialScanned(answer: SerialScanned): void {
  if (answer.ok) scanShown(answer.ok);
  else if (answer.error && answer.error.code !== "scan.not_clerk") showError(answer.error);
}

/** A serial scan the app refused before verifying (too long, not text): the clerk is told. */
export function serialRejected(): void {
  if (state.session?.role === "clerk") {
    $("error-text").textContent = t("serial.rejected");
    show("error");
  }
}

const bytesOf = async (file: File) => new Uint8Array(await file.arrayBuffer());

/** Pictures: the "open" button's file input, a file dropped anywhere, a pasted image. */
export function wireScanInputs(): void {
  $<HTMLInputElement>("image-input").addEventListener("change", async (ev) => {
    const input = ev.target as HTMLInputElement;
    const file = input.files?.[0];
    if (file) await verifyImage(await bytesOf(file));
    input.value = "";
  });
  window.addEventListener("dragover", (ev) => ev.preventDefault());
  window.addEventListener("drop", async (ev) => {
    ev.preventDefault();
    const file = ev.dataTransfer?.files?.[0];
    if (!file) return;
    // On the setup screen a dropped file is the hall's bundle.
    if (state.screen === "setup") await applyBundle(file);
    else await verifyImage(await bytesOf(file));
  });
  window.addEventListener("paste", async (ev) => {
    const item = [...(ev.clipboardData?.items ?? [])].find((i) => i.type.startsWith("image/"));
    const file = item?.getAsFile();
    if (file) await verifyImage(await bytesOf(file));
  });
}
