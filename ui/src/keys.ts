// Keyboard handling, wherever focus is. Every keydown goes first to the scanner's burst
// detector (scanner.ts): what it consumes is a scan. The rest is the clerk's, routed by
// keymap.ts; a letter waits out the scanner's gap before it counts as a shortcut.

import { $ } from "./dom";
import { consoleKeyFor, opensConsole, routeKey, shortcutFor } from "./keymap";
import { lockScreen, next } from "./nav";
import { verifyText } from "./scan";
import { DEFAULT_SCANNER, ScanDetector } from "./scanner";
import {
  consoleArrow,
  focusField,
  loadOverview,
  nextPage,
  previousPage,
  runExport,
  runIntegrity,
  showConsole,
  showEntries,
  showPane,
} from "./screens/console";
import { toggleHistory } from "./screens/history";
import { togglePrinter } from "./screens/printer";
import { toggleCamera } from "./screens/ready";
import { toggleReceiptCheck } from "./screens/receipt-check";
import { previewReceipt, printReceipt, toggleReveal } from "./screens/verdict";
import { state } from "./state";

/** The PIN and staff ID (and the console's filter and search) are typed by a person. */
function inTypedField(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && target.closest("#signin-form, #setup, .typed") !== null;
}

function consoleKey(letter: string): void {
  if (state.screen !== "console") {
    // Then act in it, unless the screen was locked while the console opened.
    if (opensConsole(letter)) {
      void showConsole("overview").then(() => {
        if (state.screen === "console") consoleKey(letter);
      });
    }
    return;
  }
  switch (consoleKeyFor(letter, state.console.pane)) {
    case "overview":
      showPane("overview");
      void loadOverview();
      break;
    case "entries":
      showEntries();
      break;
    case "attention":
      showPane("attention");
      break;
    case "integrity":
      void runIntegrity();
      break;
    case "policy":
      showPane("policy");
      break;
    case "filter":
      focusField("filter-from");
      break;
    case "search":
      focusField("search-input");
      break;
    case "next-page":
      void nextPage();
      break;
    case "previous-page":
      void previousPage();
      break;
    case "export-csv":
      void runExport("csv");
      break;
    case "export-xlsx":
      void runExport("xlsx");
      break;
    case "export-pdf":
      void runExport("pdf");
      break;
  }
}

/** A letter key, once no scanner burst followed it. */
function shortcut(letter: string): void {
  const session = state.session;
  if (!session) return;
  switch (shortcutFor(letter, { role: session.role, screen: state.screen, verdictShown: state.verdict.view !== null })) {
    case "history":
      toggleHistory();
      break;
    case "printer":
      togglePrinter();
      break;
    case "receipt":
      toggleReceiptCheck();
      break;
    case "console":
      consoleKey(letter);
      break;
    case "print":
      void printReceipt();
      break;
    case "preview":
      void previewReceipt();
      break;
    case "reveal":
      void toggleReveal();
      break;
    case "open":
      $<HTMLInputElement>("image-input").click();
      break;
    case "camera":
      toggleCamera();
      break;
  }
}

/** Listens for keys from now on; `maxGapMs` is the hall's scanner setting. */
export function installKeys(maxGapMs: number): void {
  const detector = new ScanDetector((text) => void verifyText(text, "scanner"), { ...DEFAULT_SCANNER, maxGapMs });
  window.setInterval(() => detector.tick(performance.now()), 100);
  let pendingShortcut: number | undefined;
  window.addEventListener(
    "keydown",
    (ev) => {
      // No burst detection and no shortcuts in a typed field; Esc leaves the console's fields
      // for the keys.
      if (inTypedField(ev.target)) {
        if (ev.key === "Escape" && ev.target instanceof HTMLElement && ev.target.closest(".typed")) {
          ev.target.blur();
          $("screen").focus();
        }
        return;
      }
      // Any key cancels a letter that was waiting to count as a shortcut: it was the start
      // of a scanner's burst ("CS1:…" begins with C, the camera key).
      window.clearTimeout(pendingShortcut);
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
      const route = routeKey(ev, { inBurst: detector.inBurst, signedIn: state.session !== null, screen: state.screen });
      switch (route.kind) {
        case "next":
          next();
          break;
        case "arrow":
          if (consoleArrow(ev.key)) ev.preventDefault();
          break;
        case "lock":
          ev.preventDefault();
          void lockScreen("");
          break;
        case "letter": {
          const gap = state.status?.scannerMaxGapMs ?? DEFAULT_SCANNER.maxGapMs;
          pendingShortcut = window.setTimeout(() => shortcut(route.letter), gap + 20);
          break;
        }
      }
    },
    true,
  );
}
