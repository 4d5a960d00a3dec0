import { describe, expect, it } from "vitest";
import { consoleKeyFor, opensConsole, routeKey, shortcutFor, type KeyPress } from "./keymap";
import type { Screen } from "./state";

const press = (key: string, mods: Partial<KeyPress> = {}): KeyPress => ({ key, ctrlKey: false, altKey: false, metaKey: false, ...mods });
const at = (screen: Screen, over: { inBurst?: boolean; signedIn?: boolean } = {}) => ({ inBurst: false, signedIn: true, screen, ...over });

describe("routeKey", () => {
  it("routes the clerk's keys", () => {
    expect(routeKey(press("Escape"), at("verdict"))).toEqual({ kind: "next" });
    expect(routeKey(press("F10"), at("ready"))).toEqual({ kind: "lock" });
    expect(routeKey(press("P"), at("verdict"))).toEqual({ kind: "letter", letter: "p" });
    expect(routeKey(press("ArrowDown"), at("verdict"))).toEqual({ kind: "none" });
    expect(routeKey(press("Enter"), at("ready"))).toEqual({ kind: "none" });
  });

  it("gives arrows and Enter to the console's table, F10 and letters still work there", () => {
    for (const key of ["ArrowDown", "ArrowUp", "Enter"]) expect(routeKey(press(key), at("console"))).toEqual({ kind: "arrow" });
    expect(routeKey(press("F10"), at("console"))).toEqual({ kind: "lock" });
    expect(routeKey(press("e"), at("console"))).toEqual({ kind: "letter", letter: "e" });
  });

  it("ignores keys during a burst, with modifiers, and when no one is signed in", () => {
    expect(routeKey(press("c"), at("ready", { inBurst: true }))).toEqual({ kind: "none" });
    expect(routeKey(press("c", { ctrlKey: true }), at("ready"))).toEqual({ kind: "none" });
    expect(routeKey(press("v", { metaKey: true }), at("verdict"))).toEqual({ kind: "none" });
    expect(routeKey(press("Escape", { altKey: true }), at("verdict"))).toEqual({ kind: "none" });
    expect(routeKey(press("Escape"), at("signin", { signedIn: false }))).toEqual({ kind: "none" });
    expect(routeKey(press("h"), at("signin", { signedIn: false }))).toEqual({ kind: "none" });
  });

  it("takes one character, however many code units it has, as a letter", () => {
    expect(routeKey(press("𝐀"), at("ready"))).toEqual({ kind: "letter", letter: "𝐀" });
    expect(routeKey(press("Shift"), at("ready"))).toEqual({ kind: "none" });
  });
});

describe("shortcutFor", () => {
  const clerk = (screen: Screen, verdictShown = false) => ({ role: "clerk" as const, screen, verdictShown });
  const supervisor = (screen: Screen) => ({ role: "supervisor" as const, screen, verdictShown: false });

  it("gives history, printer and receipt checking to everyone", () => {
    for (const who of [clerk("ready"), supervisor("console")]) {
      expect(shortcutFor("h", who)).toBe("history");
      expect(shortcutFor("q", who)).toBe("printer");
      expect(shortcutFor("k", who)).toBe("receipt");
    }
  });

  it("acts on the verdict only while it shows", () => {
    expect(shortcutFor("p", clerk("verdict", true))).toBe("print");
    expect(shortcutFor("v", clerk("verdict", true))).toBe("preview");
    expect(shortcutFor("r", clerk("verdict", true))).toBe("reveal");
    expect(shortcutFor("p", clerk("preview-panel", true))).toBeNull();
    expect(shortcutFor("r", clerk("verdict", false))).toBeNull();
    expect(shortcutFor("o", clerk("history"))).toBe("open");
    expect(shortcutFor("c", clerk("verdict", true))).toBe("camera");
    expect(shortcutFor("z", clerk("ready"))).toBeNull();
  });

  it("leaves every other letter of a supervisor's to the console", () => {
    for (const letter of ["p", "o", "c", "t", "e", "z"]) expect(shortcutFor(letter, supervisor("history"))).toBe("console");
  });
});

describe("console keys", () => {
  it("maps the letters the console's key line names", () => {
    const got = [..."teaimfsxwd"].map((k) => consoleKeyFor(k, "overview"));
    expect(got).toEqual(["overview", "entries", "attention", "integrity", "policy", "filter", "search", "export-csv", "export-xlsx", "export-pdf"]);
    expect(consoleKeyFor("z", "overview")).toBeNull();
    expect(consoleKeyFor("constructor", "overview")).toBeNull();
  });

  it("pages only where the entries table shows", () => {
    expect(consoleKeyFor("n", "entries")).toBe("next-page");
    expect(consoleKeyFor("b", "entries")).toBe("previous-page");
    expect(consoleKeyFor("n", "detail")).toBeNull();
    expect(consoleKeyFor("b", "overview")).toBeNull();
  });

  it("opens the console from elsewhere for the pane and field keys, not paging or exports", () => {
    expect([..."teaimfs"].every(opensConsole)).toBe(true);
    expect([..."nbxwdz"].some(opensConsole)).toBe(false);
  });
});
