import { beforeEach, describe, expect, it, vi } from "vitest";

// The wrappers are the screen's half of the command contract: these tests pin the command
// names and argument names (which Tauri maps to the Rust parameters) without a window.
const calls: unknown[][] = [];
const listeners = new Map<string, (ev: { payload: unknown }) => void>();
vi.mock("@tauri-apps/api/core", () => ({
  invoke: (...args: unknown[]) => {
    calls.push(args);
    return Promise.resolve(null);
  },
}));
vi.mock("@tauri-apps/api/event", () => ({
  listen: (event: string, handler: (ev: { payload: unknown }) => void) => {
    listeners.set(event, handler);
    return Promise.resolve(() => undefined);
  },
}));

const api = await import("./api");

const filter = { from: "2026-11-25", to: "2026-11-25", counter: "3", clerk: null, verdict: null, credentialType: null, issuer: null };

describe("command wrappers", () => {
  beforeEach(() => {
    calls.length = 0;
  });

  const cases: [string, () => Promise<unknown>, unknown[]][] = [
    ["app_status", () => api.appStatus(), ["app_status"]],
    ["sign_in", () => api.signIn("clerk-007", "1234", "clerk"), ["sign_in", { id: "clerk-007", pin: "1234", role: "clerk" }]],
    ["sign_out", () => api.signOut("signin.locked.idle"), ["sign_out", { reason: "signin.locked.idle" }]],
    ["still_here", () => api.stillHere(), ["still_here"]],
    ["set_language", () => api.setLanguage("en"), ["set_language", { language: "en" }]],
    ["scan_text", () => api.scanText("CS1:ABC", "camera", true), ["scan_text", { text: "CS1:ABC", channel: "camera", expectingReceipt: true }]],
    ["set_receipt_mode", () => api.setReceiptMode(false), ["set_receipt_mode", { on: false }]],
    ["reveal", () => api.reveal(7), ["reveal", { id: 7 }]],
    ["today_history", () => api.todayHistory(500), ["today_history", { limit: 500 }]],
    ["print_receipt", () => api.printReceipt(12, true), ["print_receipt", { seq: 12, copy: true }]],
    ["print_job", () => api.printJob(4), ["print_job", { id: 4 }]],
    ["receipt_preview", () => api.receiptPreview(12, false), ["receipt_preview", { seq: 12, copy: false }]],
    ["printer_panel", () => api.printerPanel(), ["printer_panel"]],
    ["retry_print", () => api.retryPrint(4), ["retry_print", { id: 4 }]],
    ["cancel_print", () => api.cancelPrint(4), ["cancel_print", { id: 4 }]],
    ["print_test_page", () => api.printTestPage(), ["print_test_page"]],
    ["check_update", () => api.checkUpdate(), ["check_update"]],
    ["apply_bundle", () => api.applyBundle("{}", null), ["apply_bundle", { bundle: "{}", authority: null }]],
    ["choose_counter", () => api.chooseCounter("2"), ["choose_counter", { id: "2" }]],
    ["restart_app", () => api.restartApp(), ["restart_app"]],
    ["review_overview", () => api.reviewOverview(null), ["review_overview", { filter: null }]],
    ["review_page", () => api.reviewPage(filter, 90), ["review_page", { filter, before: 90 }]],
    ["review_entry", () => api.reviewEntry(3), ["review_entry", { seq: 3 }]],
    ["review_search", () => api.reviewSearch("R2026"), ["review_search", { query: "R2026" }]],
    ["review_integrity", () => api.reviewIntegrity(), ["review_integrity"]],
    ["review_export", () => api.reviewExport(filter, "xlsx"), ["review_export", { filter, format: "xlsx" }]],
    ["review_policy", () => api.reviewPolicy(), ["review_policy"]],
  ];

  it.each(cases)("%s is called by its name with the Rust parameters' names", async (_, call, expected) => {
    await call();
    expect(calls).toEqual([expected]);
  });

  it("sends pictures and frames as raw bytes, the receipt screen as a header", async () => {
    const bytes = new Uint8Array([1, 2, 3]);
    await api.scanImage(bytes, true);
    await api.scanImage(bytes, false);
    await api.decodeFrame(bytes);
    expect(calls).toEqual([
      ["scan_image", bytes, { headers: { "x-expecting-receipt": "1" } }],
      ["scan_image", bytes, { headers: { "x-expecting-receipt": "0" } }],
      ["decode_frame", bytes],
    ]);
  });
});

describe("events", () => {
  it("hands each event's payload to its handler", async () => {
    const got: unknown[] = [];
    await api.onSerialScanned((a) => got.push(a));
    await api.onPrintStatus((s) => got.push(s.lastJob));
    await api.onSerialRejected((code) => got.push(code));
    listeners.get("serial-scanned")?.({ payload: { error: { code: "scan.not_clerk", message: "" } } });
    listeners.get("print-status")?.({ payload: { lastJob: 9 } });
    listeners.get("serial-rejected")?.({ payload: "serial.too_long" });
    expect(got).toEqual([{ error: { code: "scan.not_clerk", message: "" } }, 9, "serial.too_long"]);
  });
});

describe("asCommandError", () => {
  it("keeps the app's code and message", () => {
    expect(api.asCommandError({ code: "signed_out", message: "no one is signed in" })).toEqual({
      code: "signed_out",
      message: "no one is signed in",
    });
  });

  it("gives what Tauri or the screen threw no code, keeping its text", () => {
    expect(api.asCommandError("invalid args `seq` for command `print_job`")).toEqual({
      code: "",
      message: "invalid args `seq` for command `print_job`",
    });
    expect(api.asCommandError(new Error("bad day"))).toEqual({ code: "", message: "bad day" });
    expect(api.asCommandError(null)).toEqual({ code: "", message: "null" });
    expect(api.asCommandError({ code: 5, message: ["x"] })).toEqual({ code: "", message: "" });
  });
});
