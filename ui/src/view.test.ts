import { beforeEach, describe, expect, it } from "vitest";
import { setLang } from "./i18n";
import type { VerdictView } from "./types";
import { ago, chainLine, fieldValue, loggedLine, reasonLines } from "./view";

const base: VerdictView = {
  verdict: "INVALID",
  reason: "validity.expired",
  checks: [],
  typeName: "ResidencePermitCredential",
  typeZh: "居住证",
  typeEn: "Residence permit",
  issuerName: "上海市公安局浦东分局",
  issuerRegistered: true,
  fields: [],
  validFrom: null,
  validUntil: null,
  chain: null,
  warnings: [],
  logged: { kind: "entry", seq: 3 },
  print: null,
  id: 1,
};

describe("verdict screen text", () => {
  beforeEach(() => setLang("zh-CN"));

  it("says the reason and what to do next", () => {
    expect(reasonLines(base)).toEqual({
      reason: "证照已过期",
      next: "请群众到签发部门办理换证。",
    });
    setLang("en");
    expect(reasonLines(base).next).toBe("Ask the citizen to renew it with the issuing department.");
    expect(reasonLines({ ...base, verdict: "VALID", reason: null }).next).toBe("Go ahead.");
  });

  it("says how old the chain state is", () => {
    const now = new Date("2026-11-25T10:00:00Z");
    expect(ago(new Date("2026-11-25T09:58:00Z"), now)).toBe("2 分钟前");
    const online = { source: "online" as const, block: 812, blockTime: "2026-11-25T09:59:58Z", checkedAt: "2026-11-25T09:59:59Z" };
    expect(chainLine(online, now)).toBe("在线 · 区块 812 · 刚刚");
    expect(chainLine({ ...online, nodesAgreed: 1, nodesAsked: 1 }, now)).toBe("在线（单节点）· 区块 812 · 刚刚");
    expect(chainLine({ ...online, nodesAgreed: 2, nodesAsked: 3 }, now)).toBe("在线 · 2/3 个节点一致 · 区块 812 · 刚刚");
    const mirror = { ...online, source: "mirror" as const, checkedAt: "2026-11-24T09:02:00Z" };
    expect(chainLine(mirror, now)).toMatch(/^离线 · 本地镜像，同步于 11-24 \d\d:02 \(24 小时前\)$/);
    setLang("en");
    expect(chainLine(null, now)).toBe("chain not consulted");
  });

  it("masks personal numbers unless revealed", () => {
    // The app sends a sensitive field masked in both places; the whole value only by reveal.
    const f = { key: "idNumber", labelZh: "身份证号", labelEn: "ID number", value: "110108********0018", masked: "110108********0018", sensitive: true };
    expect(fieldValue(f, null)).toBe("110108********0018");
    expect(fieldValue(f, new Map([["name", "x"]]))).toBe("110108********0018");
    expect(fieldValue(f, new Map([["idNumber", "110108199803120018"]]))).toBe("110108199803120018");
    const open = { ...f, key: "name", value: "王小明", masked: "王*明", sensitive: false };
    expect(fieldValue(open, null)).toBe("王小明");
  });

  it("never says logged when it was not", () => {
    expect(loggedLine({ kind: "entry", seq: 3 })).toBe("已记录 #3");
    expect(loggedLine({ kind: "failed", storage: true })).toContain("未记录");
    setLang("en");
    expect(loggedLine({ kind: "failed", reason: "locked" })).toBe("NOT LOGGED: locked");
  });
});
