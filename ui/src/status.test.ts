import { describe, expect, it } from "vitest";
import { setLang } from "./i18n";
import { chainStatus, deviceLines, errorMessage, lockoutMinutes, signinMessage, whoLine } from "./status";
import type { StatusView } from "./types";
import { cue } from "./sound";
import { lumaFrame } from "./camera";

const now = new Date("2026-11-25T10:00:00+08:00");

function status(over: Partial<StatusView> = {}): StatusView {
  return {
    hall: "BJ-CY-01",
    counter: "3",
    language: "zh-CN",
    session: { id: "clerk-007", name: "王芳", role: "clerk" },
    staffReady: true,
    staffError: null,
    chain: { mode: "online", note: "", mirrorBlock: 42, mirrorBlockTime: null, syncedAt: "2026-11-25T09:58:00+08:00", syncing: false, syncError: null, nodeFaults: [] },
    logOk: true,
    logError: null,
    printer: "none",
    printStatus: null,
    printPending: 0,
    autoPrint: false,
    setup: null,
    hallName: "北京市朝阳区政务服务中心",
    bundleVersion: null,
    serial: null,
    scannerMaxGapMs: 80,
    idleLockSeconds: 300,
    sound: true,
    ...over,
  };
}

describe("status bar", () => {
  it("says online with the mirror's block and how fresh it is", () => {
    setLang("zh-CN");
    expect(chainStatus(status().chain, now)).toBe("在线 · 区块 42 · 同步于 2 分钟前");
    const faulty = { ...status().chain, nodeFaults: ["http://10.0.0.3:8545 gives block 0x… at height 9, not 0x…"] };
    expect(chainStatus(faulty, now)).toBe("在线 · 区块 42 · 1 个链节点已排除（应答不一致或无法证明） · 同步于 2 分钟前");
    setLang("en");
    expect(chainStatus(status().chain, now)).toBe("Online · block 42 · synced 2 min ago");
  });

  it("says offline with the mirror's date when it is old", () => {
    setLang("zh-CN");
    const chain = { ...status().chain, mode: "mirror" as const, syncedAt: "2026-11-24T17:02:00+08:00" };
    expect(chainStatus(chain, now)).toMatch(/^离线 · 本地镜像区块 42 · 同步于 11-24 \d\d:02 \(16 小时前\)$/);
    expect(chainStatus({ ...chain, syncedAt: null, mirrorBlock: null }, now)).toBe("离线 · 本地镜像为空 · 尚未同步");
    expect(chainStatus({ ...chain, syncing: true }, now)).toBe("离线 · 本地镜像区块 42 · 正在同步…");
    expect(chainStatus({ ...chain, mode: "none" }, now)).toBe("未配置区块链");
  });

  it("names who is at the counter and what is missing", () => {
    setLang("zh-CN");
    expect(whoLine(status())).toBe("办事员 王芳 · 窗口 3");
    expect(whoLine(status({ session: null }))).toBe("未登录 · 窗口 3");
    expect(whoLine(status({ session: { id: "sup-1", name: "李主管", role: "supervisor" } }))).toBe("主管 李主管");
    expect(deviceLines(status({ serial: "disconnected", logOk: false }))).toEqual([
      "未配置打印机",
      "串口扫码枪未连接",
      "日志不可用",
    ]);
    const ready = { state: "printer.ready", detail: "", lastJob: null, lastPrinted: false, lastError: null, queueError: null };
    expect(deviceLines(status({ printer: "configured", printStatus: ready }))).toEqual([]);
    expect(
      deviceLines(status({ printer: "configured", printStatus: { ...ready, state: "printer.offline" }, printPending: 1 })),
    ).toEqual(["打印机离线 · 待打印 1 张"]);
  });

  it("turns error codes into the clerk's words, with a fallback", () => {
    setLang("zh-CN");
    expect(errorMessage("staff.wrong_pin", "wrong")).toBe("工号或 PIN 码不正确。");
    expect(errorMessage("staff.locked", "locked", { minutes: 5 })).toContain("5 分钟后");
    expect(errorMessage("no.such", "boom")).toBe("出错了：boom");
  });
});

describe("sign-in screen", () => {
  it("says why no one can sign in before why the screen locked", () => {
    setLang("en");
    expect(signinMessage(null, null)).toBe("");
    expect(signinMessage(status(), "")).toBe("");
    expect(signinMessage(status(), "signin.locked.idle")).toBe("Locked after a while without input. Sign in again.");
    expect(signinMessage(status({ staffReady: false }), "signin.locked.idle")).toBe(
      "No staff accounts on this PC yet. IT adds them with countersign staff add.",
    );
    expect(signinMessage(status({ staffReady: false, staffError: "disk" }), null)).toBe("Cannot read the staff accounts: disk. Tell IT.");
  });

  it("counts a lock-out's minutes up, at least one, five when no time is given", () => {
    const now = Date.parse("2026-11-25T10:00:00+08:00");
    expect(lockoutMinutes("locked until 2026-11-25T10:08:30+08:00", now)).toBe(9);
    expect(lockoutMinutes("locked until 2026-11-25T10:00:10+08:00", now)).toBe(1);
    expect(lockoutMinutes("locked until 2026-11-25T09:59:00+08:00", now)).toBe(1);
    expect(lockoutMinutes("too many attempts", now)).toBe(5);
  });
});

describe("sound and camera helpers", () => {
  it("gives each verdict its own cue", () => {
    expect(cue("VALID")).toHaveLength(1);
    expect(cue("INVALID").filter((t) => t.hz > 0)).toHaveLength(2);
    expect(cue("CANNOT_CONFIRM")[0].hz).toBeGreaterThan(cue("CANNOT_CONFIRM")[1].hz);
  });

  it("packs a frame as width, height and luminance", () => {
    const rgba = new Uint8ClampedArray([255, 255, 255, 255, 0, 0, 0, 255]);
    const frame = lumaFrame(rgba, 2, 1);
    const view = new DataView(frame.buffer);
    expect(view.getUint32(0, true)).toBe(2);
    expect(view.getUint32(4, true)).toBe(1);
    expect(frame[8]).toBe(255);
    expect(frame[9]).toBe(0);
  });
});
