// The clerk's screen: sign in, then scans in (scanner burst anywhere, serial scanner, camera,
// dropped/pasted/opened picture), the verdict out, ready for the next scan at once. This file
// only wires: each screen is a module under screens/, the state is state.ts, the app's
// commands are api.ts, the keyboard is keys.ts.

import * as api from "./api";
import { $ } from "./dom";
import { IdleTimer } from "./idle";
import { lang, setLang, t, type Lang } from "./i18n";
import { installKeys } from "./keys";
import { moves, watchIdle } from "./moves";
import { installMoves, lockScreen, show, showError } from "./nav";
import { serialRejected, serialScanned, wireScanInputs } from "./scan";
import { DEFAULT_SCANNER } from "./scanner";
import { showConsole, wireConsole } from "./screens/console";
import { labelConsole, renderConsole } from "./screens/console-view";
import { labelHistory, showHistory, toggleHistory, wireHistory } from "./screens/history";
import { labelPrinter, showPrinter, togglePrinter, wirePrinter } from "./screens/printer";
import { labelReady, toggleCamera } from "./screens/ready";
import { labelReceiptCheck, toggleReceiptCheck, wireReceiptCheck } from "./screens/receipt-check";
import { showSetup, wireSetup } from "./screens/setup";
import { labelSignin, wireSignin } from "./screens/signin";
import { labelVerdict, printJobNews, renderVerdict, wireVerdict } from "./screens/verdict";
import { state } from "./state";
import { labelStatusBar, refreshStatus, renderSigninMessage, renderStatus } from "./status-bar";
import type { PrintStatusView } from "./types";

installMoves(moves);

/** Every fixed text, in the current language. */
function renderStatic(): void {
  document.title = t("app.title");
  labelSignin();
  labelReady();
  labelVerdict();
  labelStatusBar();
  labelHistory();
  labelPrinter();
  labelReceiptCheck();
  labelConsole();
  renderSigninMessage();
  renderStatus();
}

async function switchLanguage(): Promise<void> {
  const to: Lang = lang() === "zh-CN" ? "en" : "zh-CN";
  setLang(to);
  await api.setLanguage(to).catch(() => undefined);
  renderStatic();
  if (state.verdict.view && state.screen === "verdict") renderVerdict();
  if (state.screen === "history") await showHistory();
  if (state.screen === "printer") await showPrinter();
  if (state.screen === "console") renderConsole();
}

/** The spooler's news: the status bar, the verdict's receipt line, the open printer panel. */
function printStatusChanged(printStatus: PrintStatusView): void {
  if (state.status) {
    state.status.printStatus = printStatus;
    renderStatus();
  }
  printJobNews(printStatus.lastJob);
  if (state.screen === "printer") void showPrinter();
}

/** The status bar's buttons (the same moves as the keys H, Q, K, O, C, F10). */
function wireStatusBar(): void {
  $("lang").addEventListener("click", () => void switchLanguage());
  $("signout").addEventListener("click", () => void lockScreen(""));
  $("history-toggle").addEventListener("click", toggleHistory);
  $("printer-toggle").addEventListener("click", togglePrinter);
  $("receipt-toggle").addEventListener("click", toggleReceiptCheck);
  $("camera-toggle").addEventListener("click", toggleCamera);
  $("open-image").addEventListener("click", () => $<HTMLInputElement>("image-input").click());
}

async function start(): Promise<void> {
  try {
    const status = await api.appStatus();
    state.status = status;
    setLang(status.language);
    state.session = status.session;
    state.idle = new IdleTimer(status.idleLockSeconds * 1000, performance.now());
  } catch (e) {
    showError(e);
  }
  renderStatic();
  window.setInterval(() => void refreshStatus(), 5000);
  watchIdle();
  installKeys(state.status?.scannerMaxGapMs ?? DEFAULT_SCANNER.maxGapMs);
  wireSignin();
  wireVerdict();
  wireStatusBar();
  wireHistory();
  wirePrinter();
  wireReceiptCheck();
  wireScanInputs();
  wireSetup();
  wireConsole();
  // A serial scanner's scans are decided and verified in the app; the screen shows the answer.
  await api.onSerialScanned(serialScanned);
  await api.onPrintStatus(printStatusChanged);
  await api.onSerialRejected(serialRejected);
  const { status, session } = state;
  if (status?.setup) showSetup(status.setup);
  else if (session?.role === "clerk") show("ready");
  else if (session) await showConsole("overview");
  else show("signin");
}

void start();
