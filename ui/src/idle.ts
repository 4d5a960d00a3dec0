// Locks the screen after a while without input. The app ends the session on its side too;
// this only decides when the screen should lock and when to tell the app the clerk is still
// there (at most every `pingEveryMs`, not on every key).

export class IdleTimer {
  private lastInput: number;
  private lastPing = -Infinity;

  constructor(
    private readonly limitMs: number,
    now: number,
    private readonly pingEveryMs = 30_000,
  ) {
    this.lastInput = now;
  }

  /** Input happened; returns true when the app should be told. */
  input(now: number): boolean {
    this.lastInput = now;
    if (now - this.lastPing >= this.pingEveryMs) {
      this.lastPing = now;
      return true;
    }
    return false;
  }

  /** Whether the screen should lock now. */
  expired(now: number): boolean {
    return now - this.lastInput >= this.limitMs;
  }

  /** Starts afresh (after a sign-in). */
  reset(now: number): void {
    this.lastInput = now;
    this.lastPing = now;
  }
}
