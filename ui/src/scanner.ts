// Recognises a USB scanner in keyboard-wedge mode by how it types: a burst of keystrokes far
// faster than a person types, ending in Enter or Tab (or a short silence, for scanners set up
// without a suffix). It listens wherever focus is, so the clerk never clicks into a text box.
//
// A Chinese input method may be active at the counter. While it composes, keydown reports
// `isComposing` or keyCode 229 with no usable character: those events are skipped without
// breaking the burst, and full-width punctuation the input method substitutes (：。￥ and the
// full-width forms) is mapped back, since a CS1 payload is base45 (0-9 A-Z space $%*+-./:).

export interface KeyInput {
  /** `KeyboardEvent.key` */
  key: string;
  /** Milliseconds, monotonic (`KeyboardEvent.timeStamp` or `performance.now()`). */
  time: number;
  isComposing?: boolean;
  keyCode?: number;
  ctrlKey?: boolean;
  altKey?: boolean;
  metaKey?: boolean;
}

export interface ScannerOptions {
  /** Longest pause between two keystrokes of one scan (slow scanners: raise it). */
  maxGapMs: number;
  /** Fewest characters a scan has; shorter bursts are a person's keys. */
  minLength: number;
  /** Silence after which a burst without Enter/Tab counts as complete. */
  idleMs: number;
}

export const DEFAULT_SCANNER: ScannerOptions = { maxGapMs: 80, minLength: 8, idleMs: 300 };

/** What the caller should do with the key event. */
export type Disposition =
  | "pass" // not part of a scan: let the page have it
  | "consume"; // part of a scan (or its terminator): preventDefault

const FULL_WIDTH: Record<string, string> = {
  "：": ":",
  "。": ".",
  "．": ".",
  "￥": "$",
  "＄": "$",
  "％": "%",
  "＊": "*",
  "＋": "+",
  "－": "-",
  "—": "-",
  "／": "/",
  "、": "/",
  "\u3000": " ",
};

/** Maps what an input method typed back to the ASCII the scanner sent. */
export function normalise(ch: string): string {
  if (FULL_WIDTH[ch] !== undefined) return FULL_WIDTH[ch];
  const code = ch.codePointAt(0) ?? 0;
  // U+FF01..U+FF5E are full-width forms of U+0021..U+007E.
  if (code >= 0xff01 && code <= 0xff5e) return String.fromCodePoint(code - 0xfee0);
  return ch;
}

export class ScanDetector {
  private chars: string[] = [];
  private last = -Infinity;

  constructor(
    private readonly onScan: (text: string) => void,
    private readonly options: ScannerOptions = DEFAULT_SCANNER,
  ) {}

  /** Whether a burst is under way: three keys within the gap of each other are not a person. */
  get inBurst(): boolean {
    return this.chars.length >= 3;
  }

  /** Feeds one keydown; says whether the page should see it. */
  feed(ev: KeyInput): Disposition {
    if (ev.ctrlKey || ev.altKey || ev.metaKey) {
      this.reset();
      return "pass";
    }
    if (ev.isComposing || ev.keyCode === 229 || ev.key === "Process") {
      // The input method holds the character; the burst goes on (its timing is kept).
      if (this.chars.length > 0) this.last = ev.time;
      return this.inBurst ? "consume" : "pass";
    }
    if (ev.key === "Enter" || ev.key === "Tab") {
      const complete = this.complete(ev.time);
      if (complete !== null) {
        this.reset();
        this.onScan(complete);
        return "consume";
      }
      this.reset();
      return "pass";
    }
    if (ev.key === "Shift" || ev.key === "CapsLock") return this.inBurst ? "consume" : "pass";
    if ([...ev.key].length !== 1) {
      // Arrows, function keys: a person at the keyboard.
      this.reset();
      return "pass";
    }
    if (this.chars.length > 0 && ev.time - this.last > this.options.maxGapMs) {
      // Too slow to be the same scan: start again from this key.
      this.reset();
    }
    this.chars.push(normalise(ev.key));
    this.last = ev.time;
    return this.inBurst ? "consume" : "pass";
  }

  /** Call periodically: completes a burst that ended without Enter/Tab. */
  tick(now: number): void {
    if (this.chars.length === 0 || now - this.last < this.options.idleMs) return;
    const text = this.chars.length >= this.options.minLength ? this.text() : null;
    this.reset();
    if (text !== null) this.onScan(text);
  }

  private complete(time: number): string | null {
    if (this.chars.length < this.options.minLength) return null;
    if (time - this.last > this.options.maxGapMs * 4) return null;
    return this.text();
  }

  private text(): string {
    return this.chars.join("").trim();
  }

  private reset(): void {
    this.chars = [];
    this.last = -Infinity;
  }
}
