import { beforeEach, describe, expect, it } from "vitest";
import { setLang } from "./i18n";
import { jobLine, printerLine, printLine, receiptLines } from "./print";
import type { PrintJobView, ReceiptCheckView } from "./types";

const job: PrintJobView = {
  id: 7,
  state: "queued",
  receipt: "R20261125-7KQ4M2XD",
  copy: false,
  testPage: false,
  error: null,
  detail: null,
  attempts: 0,
  queued: "14:03:22",
};

const checked: ReceiptCheckView = {
  finding: "genuine",
  error: null,
  id: "R20261125-7KQ4M2XD",
  hall: "BJ-CY-01",
  counter: "3",
  clerk: "clerk-007",
  time: "2026-11-25 14:03:22",
  verdict: "INVALID",
  reasons: ["validity.expired"],
  credentialType: "ResidencePermitCredential",
  typeZh: "居住证",
  typeEn: "Residence permit",
  issuerName: "上海市公安局浦东分局",
  subject: [["name", "孙*"]],
  signer: "北京市朝阳区政务服务中心",
  standing: "trusted",
  signerStatus: null,
  key: "ab".repeat(32),
  log: "matches",
  logSeq: 4,
  differs: [],
};

describe("receipt printing on the screen", () => {
  beforeEach(() => setLang("zh-CN"));

  it("follows a job from queued to printed, or says why it waits", () => {
    expect(printLine(job)).toEqual({ text: "回执已送打印机（任务 7）", kind: "busy" });
    expect(printLine({ ...job, state: "done" }).text).toBe("回执已打印");
    expect(printLine({ ...job, state: "done", copy: true }).text).toBe("回执副本已打印");
    const waiting = printLine({ ...job, state: "waiting", error: "paper_out" });
    expect(waiting.kind).toBe("problem");
    expect(waiting.text).toBe("回执未打印：打印机缺纸，请装纸后点“重试”。 回执已保留在打印队列中。");
    setLang("en");
    expect(printLine({ ...job, state: "waiting", error: "offline" }).text).toBe(
      "Receipt not printed: The printer is offline or paused: check it, then Retry. It is kept in the print queue.",
    );
  });

  it("keeps the status bar quiet while the printer is ready and empty", () => {
    const ready = { state: "printer.ready", detail: "", lastJob: null, lastPrinted: false, lastError: null, queueError: null };
    expect(printerLine("configured", ready, 0)).toBe("");
    expect(printerLine("configured", { ...ready, state: "printer.paper_out" }, 2)).toBe("打印机缺纸 · 待打印 2 张");
    expect(printerLine("none", null, 0)).toBe("未配置打印机");
    expect(printerLine("misconfigured", null, 0)).toBe("打印机配置有误");
  });

  it("lists jobs with their reason", () => {
    expect(jobLine({ ...job, state: "waiting", error: "cover_open", copy: true })).toBe(
      "14:03:22 R20261125-7KQ4M2XD · 副本 · 等待重试：打印机盖未关好，请关好后点“重试”。",
    );
    expect(jobLine({ ...job, testPage: true, receipt: null })).toBe("14:03:22 测试页 · 排队中");
  });

  it("reads a checked receipt out", () => {
    const lines = receiptLines(checked);
    expect(lines.finding).toBe("回执真实");
    expect(lines.details).toContain("与本厅核验记录 #4 一致");
    expect(lines.details).toContain("签发：北京市朝阳区政务服务中心");
    expect(lines.details).toContain("证照已过期");
    expect(lines.details).toContain("居住证 · 上海市公安局浦东分局");
    expect(lines.details[0]).toBe("2026-11-25 14:03:22 · BJ-CY-01 3 号窗口 · 核验结论：无效");
    const differs = receiptLines({ ...checked, finding: "contradicted", log: "differs", differs: ["verdict"] });
    expect(differs.finding).toBe("回执与记录不符");
    expect(differs.details).toContain("与本厅核验记录 #4 不符：verdict");
    const forged = receiptLines({ ...checked, finding: "not_genuine", error: "the receipt's signature does not verify" });
    expect(forged).toEqual({
      finding: "回执不真实",
      next: "回执被改动或伪造，请上报值班主管。",
      details: ["the receipt's signature does not verify"],
    });
    setLang("en");
    expect(receiptLines({ ...checked, standing: "unknown", signer: null, finding: "cannot_confirm", log: "not_here" }).details).toContain(
      "Signed with a key that is not registered: the hall cannot be confirmed",
    );
  });
});
