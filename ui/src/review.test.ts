import { beforeEach, describe, expect, it } from "vitest";
import { barsOf } from "./charts";
import { setLang } from "./i18n";
import {
  attentionLine,
  auditLine,
  dayFilter,
  detailLabel,
  detailLines,
  digestCells,
  exportLine,
  filterArgs,
  filterLine,
  integrityLines,
  isFiltered,
  options,
  pageLine,
  policyLines,
  reasonWord,
  searchArgs,
  summaryCharts,
  totalsLine,
} from "./review";
import type { AttentionView, EntryDetailView, IntegrityView, SummaryView } from "./types";

const summary: SummaryView = {
  total: 10,
  byVerdict: [
    { key: "VALID", count: 6 },
    { key: "INVALID", count: 3 },
    { key: "UNVERIFIABLE", count: 1 },
  ],
  byType: [{ key: "DiplomaCredential", count: 4, zh: "学历证书", en: "Diploma" }, { key: null, count: 1 }],
  byIssuer: [{ key: "京华大学", count: 4 }],
  byClerk: [
    { key: "clerk-a", count: 7 },
    { key: "clerk-b", count: 3 },
  ],
  byCounter: [{ key: "1", count: 10 }],
  byChannel: [{ key: "scanner", count: 10 }],
  byChainSource: [{ key: "memory", count: 9 }],
  byHour: Array.from({ length: 24 }, (_, h) => (h === 9 ? 6 : h === 14 ? 4 : 0)),
  failures: [
    { key: "signature.mismatch", count: 2 },
    { key: "revocation", count: 1 },
  ],
};

describe("filter → query arguments", () => {
  beforeEach(() => setLang("zh-CN"));

  it("sends empty fields as no filter and one day as from = to", () => {
    expect(filterArgs(dayFilter("2026-11-25"))).toEqual({
      from: "2026-11-25",
      to: "2026-11-25",
      counter: null,
      clerk: null,
      verdict: null,
      credentialType: null,
      issuer: null,
    });
    expect(isFiltered(filterArgs(dayFilter("2026-11-25")))).toBe(false);
  });

  it("puts a backwards range in order, fills an empty 'to', and maps the screen's verdict to the log's", () => {
    const args = filterArgs({ ...dayFilter("2026-11-25"), to: "2026-11-20", verdict: "CANNOT_CONFIRM", clerk: " clerk-a " });
    expect(args).toMatchObject({ from: "2026-11-20", to: "2026-11-25", verdict: "UNVERIFIABLE", clerk: "clerk-a" });
    expect(filterArgs({ ...dayFilter("2026-11-25"), to: "" }).to).toBe("2026-11-25");
    expect(filterArgs({ ...dayFilter("2026-11-25"), verdict: "INVALID" }).verdict).toBe("INVALID");
    expect(isFiltered(args)).toBe(true);
  });

  it("refuses a day that is not a date, in words", () => {
    expect(() => filterArgs({ ...dayFilter("2026-11-25"), from: "yesterday" })).toThrow("请输入有效的日期（年-月-日）。");
  });

  it("offers the values seen in the range, with counts and the screen's words", () => {
    expect(options("verdicts", summary.byVerdict)).toEqual([
      ["", "全部"],
      ["VALID", "有效 (6)"],
      ["INVALID", "无效 (3)"],
      ["CANNOT_CONFIRM", "无法确认 (1)"],
    ]);
    expect(options("types", summary.byType)).toEqual([
      ["", "全部"],
      ["DiplomaCredential", "学历证书 (4)"],
    ]);
    setLang("en");
    expect(options("types", summary.byType)[1]).toEqual(["DiplomaCredential", "Diploma (4)"]);
    expect(options("clerks", summary.byClerk)[0]).toEqual(["", "Any"]);
  });

  it("says what the filter selects", () => {
    const args = filterArgs({ ...dayFilter("2026-11-25"), verdict: "INVALID", clerk: "clerk-a" });
    expect(filterLine(args)).toBe("2026-11-25 · 办事员 clerk-a · 结论 无效");
    expect(filterLine(filterArgs({ ...dayFilter("2026-11-20"), to: "2026-11-25" }))).toBe("2026-11-20 – 2026-11-25");
  });

  it("tells a credential hash from a receipt id", () => {
    expect(searchArgs(" R20261125-7KQ4M2XD ")).toEqual({ kind: "receipt", query: "R20261125-7KQ4M2XD" });
    expect(searchArgs("AB".repeat(32))).toEqual({ kind: "hash", query: "ab".repeat(32) });
    expect(searchArgs(`0x${"0".repeat(64)}`)).toEqual({ kind: "hash", query: "0".repeat(64) });
    expect(searchArgs("  ")).toBeNull();
  });
});

describe("overview", () => {
  beforeEach(() => setLang("zh-CN"));

  it("totals and the four charts of a summary", () => {
    expect(totalsLine(summary)).toBe("共 10 次：有效 6，无效 3，无法确认 1");
    const [hours, verdicts, failures, clerks] = summaryCharts(summary);
    expect(hours.attrs["data-chart"]).toBe("hours");
    expect(barsOf(hours).filter(([, v]) => v > 0)).toEqual([
      ["09", 6],
      ["14", 4],
    ]);
    expect(barsOf(verdicts)).toEqual([
      ["有效", 6],
      ["无效", 3],
      ["无法确认", 1],
    ]);
    expect(barsOf(failures)).toEqual([
      ["证照内容被篡改（签名不符）", 2],
      ["撤销状态", 1],
    ]);
    expect(barsOf(clerks)).toEqual([
      ["clerk-a", 7],
      ["clerk-b", 3],
    ]);
  });

  it("words a failure by its reason, else its check", () => {
    expect(reasonWord("validity.expired")).toBe("证照已过期");
    expect(reasonWord("anchor")).toBe("链上存证");
    expect(reasonWord("something.new")).toBe("something.new");
  });

  it("draws an empty day as 'no data', not as empty charts", () => {
    const none: SummaryView = { ...summary, total: 0, byVerdict: [], failures: [], byClerk: [], byHour: Array<number>(24).fill(0) };
    for (const chart of summaryCharts(none)) expect(barsOf(chart)).toEqual([]);
  });
});

describe("attention wording", () => {
  const base: AttentionView = {
    kind: "repeated-credential",
    subject: "ab12cd34ef56".padEnd(64, "0"),
    label: null,
    entries: [3, 7, 9],
    audit: [],
    first: "09:00",
    last: "10:30",
    counters: ["1", "2"],
    detail: "credential ab12cd34ef56… verified 3 times",
  };
  beforeEach(() => setLang("zh-CN"));

  it("words each kind in Chinese and in English", () => {
    expect(attentionLine(base)).toBe("同一证照核验 3 次（窗口 1, 2；凭证哈希 ab12cd34…）09:00–10:30");
    expect(attentionLine({ ...base, kind: "failure-burst", label: "京华大学", entries: [1, 2, 3, 4, 5] })).toBe(
      "京华大学 签发的证照短时间内 5 次无效 09:00–10:30",
    );
    expect(attentionLine({ ...base, kind: "stale-mirror", subject: "812", entries: [4] })).toBe(
      "1 次核验使用了过旧的本地链数据（区块 812）09:00–10:30",
    );
    expect(attentionLine({ ...base, kind: "stale-mirror", subject: "", entries: [4, 5] })).toBe("2 次核验时本地链数据过旧 09:00–10:30");
    expect(attentionLine({ ...base, kind: "receipt-reprinted", subject: "R20261125-7KQ4M2XD", entries: [4], audit: [2, 5] })).toBe(
      "回执 R20261125-7KQ4M2XD 补打了 2 次",
    );
    setLang("en");
    expect(attentionLine(base)).toBe("Same credential verified 3 times (counters 1, 2; hash ab12cd34…) 09:00–10:30");
    expect(attentionLine({ ...base, kind: "failure-burst", label: null, subject: "did:key:z6MkoNmWXrLyADoLvGr9RMFp", first: "09:00", last: "09:00" })).toBe(
      "3 INVALID verdicts for did:key:z6MkoNmWXrLyADoL… in a short time 09:00",
    );
  });
});

describe("entry detail", () => {
  const d: EntryDetailView = {
    seq: 3,
    at: "2026-11-25 10:05:00",
    hall: "BJ-CY-01",
    counter: "2",
    clerk: "clerk-b",
    channel: "scanner",
    verdict: "INVALID",
    credentialType: "BusinessLicenceCredential",
    typeZh: "营业执照",
    typeEn: "Business licence",
    issuerName: null,
    issuer: "did:key:z6MkoNmWXrLyADoLvGr9RMFpNwYDf5amJRKb71FKuCYGkyBE",
    credentialHash: "cd".repeat(32),
    failing: [{ check: "signature", reason: "signature.mismatch" }],
    chain: { source: "memory", block: 12, blockTime: "2026-11-25 09:00:00" },
    receipt: "R20261125-7KQ4M2XD",
    subject: [{ key: "legalRepresentative", labelZh: "法定代表人", labelEn: "Legal representative", value: "张*" }],
    purged: false,
    entryHash: "ef".repeat(32),
  };
  beforeEach(() => setLang("zh-CN"));

  it("names the failing checks with their reasons, the chain state, the receipt and the masked subject", () => {
    const lines = detailLines(d).map(([k, v]) => `${detailLabel(k)}: ${v}`);
    expect(lines).toContain("签名: 证照内容被篡改（签名不符）");
    expect(lines).toContain("所用链状态: 演示数据 · 区块 12 · 2026-11-25 09:00:00");
    expect(lines).toContain("回执号: R20261125-7KQ4M2XD");
    expect(lines).toContain("法定代表人: 张*");
    expect(lines).toContain("证照: 营业执照");
    expect(lines).toContain("读取方式: 扫码枪");
    expect(lines).toContain(`凭证哈希: ${"cd".repeat(32)}`);
    const purged = detailLines({ ...d, purged: true, subject: [] }).map(([k, v]) => `${detailLabel(k)}: ${v}`);
    expect(purged).toContain("持证人（脱敏）: 已按保留期限清除");
  });
});

describe("integrity, exports, policy", () => {
  const intact: IntegrityView = {
    intact: true,
    entries: 12,
    findings: [],
    auditRecords: 4,
    auditFindings: [],
    digests: [{ day: "2026-11-24", count: 6, range: [1, 6], digest: "9f".repeat(32), signed: true, problem: null, anchored: null, chain: null }],
    chainUnreachable: null,
    recentAudit: [],
    checkedAt: "2026-11-25 15:00:00",
    millis: 12,
  };
  beforeEach(() => setLang("zh-CN"));

  it("says intact, or which entry and what kind of change", () => {
    expect(integrityLines(intact)).toEqual({
      headline: "日志完整，未被改动",
      kind: "ok",
      lines: ["12 条核验记录的哈希链完整。", "审计记录 4 条，完整。"],
    });
    const changed = integrityLines({
      ...intact,
      intact: false,
      findings: [
        { seq: 3, kind: "edited" },
        { seq: 5, kind: "deleted" },
      ],
      auditFindings: [{ seq: 2, kind: "edited" }],
      digests: [{ ...intact.digests[0], problem: "entries-changed", signed: true }],
    });
    expect(changed.kind).toBe("bad");
    expect(changed.headline).toBe("日志已被改动");
    expect(changed.lines).toEqual([
      "第 3 条记录被修改过。",
      "第 5 条之前的记录被删除了。",
      "审计记录第 2 条被修改过。",
      "2026-11-24 的核验记录与日终签名时不一致。",
    ]);
    setLang("en");
    expect(integrityLines({ ...intact, findings: [{ seq: 7, kind: "summary-edited" }] }).lines[0]).toBe(
      "The subject summary of entry 7 was edited.",
    );
  });

  it("shows a signed digest's day, count, short digest, signature and anchoring", () => {
    expect(digestCells(intact.digests[0])).toEqual(["2026-11-24", "6", "9f9f9f9f9f9f9f9f…", "已签名 ✓", "尚未上链存证"]);
    expect(digestCells({ ...intact.digests[0], anchored: "0x1234567890abcdef1234" })[4]).toBe("已上链 0x1234567890ab…");
    expect(digestCells({ ...intact.digests[0], signed: false, problem: "bad-signature" })[3]).toBe("签名无效 ✗");
  });

  it("words audit records, exports and the page position", () => {
    expect(auditLine({ seq: 1, at: "15:00:01", actor: "sup-01", role: "supervisor", action: "export.csv", detail: "2026-11-25" })).toBe(
      "15:00:01 · sup-01 (主管) · 导出 CSV · 2026-11-25",
    );
    expect(exportLine({ format: "csv", path: "/x/BJ-CY-01_2026-11-25_entries.csv", entries: 3, wholeDay: false })).toBe(
      "已导出 3 条记录：/x/BJ-CY-01_2026-11-25_entries.csv",
    );
    expect(exportLine({ format: "pdf", path: "/x/r.pdf", entries: 0, wholeDay: true })).toContain("不受其他筛选条件影响");
    expect(pageLine(50, 50, 128)).toBe("第 51–100 条，共 128 条");
    expect(pageLine(0, 0, 0)).toBe("没有符合条件的核验记录。");
  });

  it("shows the privacy policy field by field with the retention", () => {
    const lines = policyLines({
      retentionDays: 90,
      fields: [
        { key: "idNumber", labelZh: "身份证号", labelEn: "ID number", mask: "keep", head: 6, tail: 4 },
        { key: "companyName", labelZh: "名称", labelEn: "Company name", mask: "clear", head: 0, tail: 0 },
      ],
    });
    expect(lines).toEqual([
      "身份证号：只保留前 6 个和后 4 个字符，其余以 * 遮盖",
      "名称：原样保留（公开信息）",
      "其他字段一律不记录；日志从不保存完整证照。",
      "持证人摘要保留 90 天后清除；核验记录本身及其哈希链继续保留。",
    ]);
    expect(policyLines({ retentionDays: 30, fields: [] })[0]).toBe("日志不保留任何持证人信息。");
  });
});
