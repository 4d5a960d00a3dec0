import { describe, expect, it } from "vitest";
import { ScanDetector, normalise, type KeyInput } from "./scanner";

/** Types `text` as a scanner would: one key every `gap` ms from `start`, then `suffix`. */
function typed(text: string, gap: number, start = 1000, suffix = "Enter"): KeyInput[] {
  const keys: KeyInput[] = [...text].map((key, i) => ({ key, time: start + i * gap }));
  if (suffix) keys.push({ key: suffix, time: start + text.length * gap });
  return keys;
}

function run(keys: KeyInput[], options?: ConstructorParameters<typeof ScanDetector>[1]) {
  const scans: string[] = [];
  const detector = new ScanDetector((t) => scans.push(t), options);
  const dispositions = keys.map((k) => detector.feed(k));
  return { scans, dispositions, detector };
}

const PAYLOAD = "CS1:6BFOXN*TS0BI$ZDFRH%4:VF0/0C+8MO$.SW";

describe("ScanDetector", () => {
  it("recognises a fast burst ending in Enter", () => {
    const { scans, dispositions } = run(typed(PAYLOAD, 4));
    expect(scans).toEqual([PAYLOAD]);
    // The first keys reach the page until the burst is certain; the rest and Enter do not.
    expect(dispositions.slice(0, 2)).toEqual(["pass", "pass"]);
    expect(dispositions.slice(3)).toEqual(Array(dispositions.length - 3).fill("consume"));
  });

  it("accepts Tab as the suffix", () => {
    expect(run(typed(PAYLOAD, 4, 0, "Tab")).scans).toEqual([PAYLOAD]);
  });

  it("ignores a person typing, even a long word ending in Enter", () => {
    const { scans, dispositions } = run(typed("HELLOWORLDHELLO", 140));
    expect(scans).toEqual([]);
    expect(dispositions.every((d) => d === "pass")).toBe(true);
  });

  it("ignores short fast bursts (a clerk's shortcut, a key bounce)", () => {
    expect(run(typed("ABC", 2)).scans).toEqual([]);
  });

  it("tolerates a slow scanner when configured for it", () => {
    const slow = typed(PAYLOAD, 120);
    expect(run(slow).scans).toEqual([]);
    expect(run(slow, { maxGapMs: 150, minLength: 8, idleMs: 600 }).scans).toEqual([PAYLOAD]);
  });

  it("starts again after a pause: keys typed before the scan are not part of it", () => {
    const keys = [...typed("XY", 200, 0, ""), ...typed(PAYLOAD, 4, 2000)];
    expect(run(keys).scans).toEqual([PAYLOAD]);
  });

  it("is not confused by an input method composing (keyCode 229, isComposing)", () => {
    const keys = typed(PAYLOAD, 4).flatMap((k, i) =>
      i % 5 === 2
        ? [{ key: "Process", keyCode: 229, isComposing: true, time: k.time - 1 }, k]
        : [k],
    );
    expect(run(keys).scans).toEqual([PAYLOAD]);
  });

  it("maps back the full-width punctuation a Chinese input method substitutes", () => {
    const ime = PAYLOAD.replace(":", "：").replace(".", "。").replace("$", "￥").replace("/", "、");
    expect(run(typed(ime, 4)).scans).toEqual([PAYLOAD]);
    expect(normalise("Ａ")).toBe("A");
    expect(normalise("\u3000")).toBe(" ");
    expect(normalise("张")).toBe("张");
  });

  it("completes a burst without a suffix after a short silence", () => {
    const { scans, detector } = run(typed(PAYLOAD, 4, 0, ""));
    expect(scans).toEqual([]);
    detector.tick(PAYLOAD.length * 4 + 100);
    expect(scans).toEqual([]);
    detector.tick(PAYLOAD.length * 4 + 400);
    expect(scans).toEqual([PAYLOAD]);
  });

  it("lets modified keys through (Ctrl+P prints) and drops a half burst", () => {
    const keys = [...typed("CS1:ABCD", 4, 0, ""), { key: "p", ctrlKey: true, time: 40 }];
    const { scans, dispositions } = run([...keys, { key: "Enter", time: 44 }]);
    expect(scans).toEqual([]);
    expect(dispositions[dispositions.length - 2]).toBe("pass");
  });

  it("reads two scans in a row", () => {
    const keys = [...typed(PAYLOAD, 3, 0), ...typed(PAYLOAD.toLowerCase().toUpperCase() + "2", 3, 1000)];
    expect(run(keys).scans).toEqual([PAYLOAD, PAYLOAD + "2"]);
  });
});
