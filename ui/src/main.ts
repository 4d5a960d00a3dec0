// The clerk's screen: scans in (scanner burst anywhere, dropped/pasted/opened picture), the
// verdict out, ready for the next scan at once. Text comes from the shared message keys.

import { invoke } from "@tauri-apps/api/core";
import { lang, setLang, t, type Lang } from "./i18n";
import { DEFAULT_SCANNER, ScanDetector } from "./scanner";
import {
  chainLine,
  fieldLabel,
  fieldValue,
  loggedLine,
  reasonLines,
  typeLabel,
  type VerdictView,
} from "./view";

interface StatusView {
  hall: string;
  counter: string;
  clerk: string;
  language: Lang;
  chain: string;
  scannerMaxGapMs: number;
}

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

let current: VerdictView | null = null;
let revealed = false;
let status: StatusView | null = null;

function showOnly(section: "ready" | "verdict" | "error"): void {
  for (const id of ["ready", "verdict", "error"]) $(id).hidden = id !== section;
  $("screen").dataset.state = section;
}

function renderStatic(): void {
  document.title = t("app.title");
  $("ready-title").textContent = t("app.ready");
  $("ready-hint").textContent = t("app.ready.hint");
  $("next").textContent = t("action.next");
  $("lang").textContent = t("lang.switch");
  if (status) {
    $("status-clerk").textContent = t("status.clerk", { clerk: status.clerk, counter: status.counter });
    $("status-chain").textContent = status.chain;
  }
}

function renderVerdict(): void {
  const v = current;
  if (!v) return;
  $("screen").dataset.verdict = v.verdict;
  $("verdict-text").textContent = t(`verdict.${v.verdict}`);
  const { reason, next } = reasonLines(v);
  $("verdict-reason").textContent = reason;
  $("verdict-next").textContent = next;
  $("credential-type").textContent = typeLabel(v);
  $("credential-issuer").textContent = v.issuerName
    ? `${v.issuerName} (${t(v.issuerRegistered ? "issuer.registered" : "issuer.claimed")})`
    : "";
  const fields = $("credential-fields");
  fields.replaceChildren(
    ...v.fields.flatMap((f) => {
      const dt = document.createElement("dt");
      dt.textContent = fieldLabel(f);
      const dd = document.createElement("dd");
      dd.textContent = fieldValue(f, revealed);
      dd.dataset.key = f.key;
      return [dt, dd];
    }),
  );
  $("chain-line").textContent = chainLine(v.chain, new Date());
  const logged = $("logged-line");
  logged.textContent = loggedLine(v.logged);
  logged.dataset.kind = v.logged.kind;
  $("reveal").textContent = t(revealed ? "field.hide" : "field.reveal");
  $("reveal").hidden = !v.fields.some((f) => f.sensitive);
  showOnly("verdict");
}

function showError(message: string): void {
  $("error-text").textContent = t("error.generic", { message });
  showOnly("error");
}

async function verifyText(text: string, channel: "scanner" | "camera"): Promise<void> {
  try {
    current = await invoke<VerdictView>("verify_scan", { text, channel });
    revealed = false;
    renderVerdict();
  } catch (e) {
    showError(errorText(e));
  }
}

async function verifyImage(bytes: Uint8Array): Promise<void> {
  try {
    current = await invoke<VerdictView>("verify_image", bytes);
    revealed = false;
    renderVerdict();
  } catch (e) {
    showError(errorText(e));
  }
}

function errorText(e: unknown): string {
  if (e && typeof e === "object" && "message" in e) return String((e as { message: unknown }).message);
  return String(e);
}

function next(): void {
  current = null;
  revealed = false;
  delete $("screen").dataset.verdict;
  showOnly("ready");
}

async function switchLanguage(): Promise<void> {
  const to: Lang = lang() === "zh-CN" ? "en" : "zh-CN";
  setLang(to);
  await invoke("set_language", { language: to }).catch(() => undefined);
  renderStatic();
  if (current) renderVerdict();
}

async function start(): Promise<void> {
  try {
    status = await invoke<StatusView>("app_status");
    setLang(status.language);
  } catch (e) {
    showError(errorText(e));
  }
  renderStatic();
  const detector = new ScanDetector((text) => void verifyText(text, "scanner"), {
    ...DEFAULT_SCANNER,
    maxGapMs: status?.scannerMaxGapMs ?? DEFAULT_SCANNER.maxGapMs,
  });
  window.setInterval(() => detector.tick(performance.now()), 100);
  window.addEventListener(
    "keydown",
    (ev) => {
      const key = {
        key: ev.key,
        time: ev.timeStamp,
        isComposing: ev.isComposing,
        keyCode: ev.keyCode,
        ctrlKey: ev.ctrlKey,
        altKey: ev.altKey,
        metaKey: ev.metaKey,
      };
      if (detector.feed(key) === "consume") {
        ev.preventDefault();
        ev.stopPropagation();
        return;
      }
      if (detector.inBurst || ev.ctrlKey || ev.altKey || ev.metaKey) return;
      // Shortcuts (keys a scanner burst has not claimed).
      if (ev.key === "Escape") next();
      else if ((ev.key === "r" || ev.key === "R") && current) {
        revealed = !revealed;
        renderVerdict();
      } else if (ev.key === "o" || ev.key === "O") $<HTMLInputElement>("image-input").click();
    },
    true,
  );
  $("next").addEventListener("click", next);
  $("reveal").addEventListener("click", () => {
    revealed = !revealed;
    renderVerdict();
  });
  $("lang").addEventListener("click", () => void switchLanguage());
  $<HTMLInputElement>("image-input").addEventListener("change", async (ev) => {
    const file = (ev.target as HTMLInputElement).files?.[0];
    if (file) await verifyImage(new Uint8Array(await file.arrayBuffer()));
  });
  window.addEventListener("dragover", (ev) => ev.preventDefault());
  window.addEventListener("drop", async (ev) => {
    ev.preventDefault();
    const file = ev.dataTransfer?.files?.[0];
    if (file) await verifyImage(new Uint8Array(await file.arrayBuffer()));
  });
  window.addEventListener("paste", async (ev) => {
    const item = [...(ev.clipboardData?.items ?? [])].find((i) => i.type.startsWith("image/"));
    const file = item?.getAsFile();
    if (file) await verifyImage(new Uint8Array(await file.arrayBuffer()));
  });
  showOnly("ready");
}

void start();
