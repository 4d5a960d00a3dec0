import { describe, expect, it } from "vitest";
import { IdleTimer } from "./idle";

describe("IdleTimer", () => {
  it("locks after the limit without input, not before", () => {
    const idle = new IdleTimer(300_000, 0);
    expect(idle.expired(299_999)).toBe(false);
    expect(idle.expired(300_000)).toBe(true);
    idle.input(200_000);
    expect(idle.expired(300_000)).toBe(false);
    expect(idle.expired(500_000)).toBe(true);
  });

  it("tells the app at most once per ping interval", () => {
    const idle = new IdleTimer(300_000, 0, 30_000);
    expect(idle.input(1_000)).toBe(true);
    expect(idle.input(2_000)).toBe(false);
    expect(idle.input(30_999)).toBe(false);
    expect(idle.input(31_000)).toBe(true);
    idle.reset(40_000);
    expect(idle.input(41_000)).toBe(false);
  });
});
