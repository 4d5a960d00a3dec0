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
  recorded: "in_checkpoint",
  checkpointSize: 40,
  anchoredBlock: 1234,
  proofFailure: null,
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
    expect(lines.details).toContain("已记入大厅日志 · 检查点 40 · 区块 1234");
    expect(receiptLines({ ...checked, anchoredBlock: null }).details).toContain("已记入大厅日志 · 检查点 40 · 尚未上链");
    expect(receiptLines({ ...checked, recorded: "not_yet", checkpointSize: null, anchoredBlock: null }).details).toContain(
      "已在大厅日志中，10 分钟内签入检查点",
    );
    const failed = receiptLines({
      ...checked,
      finding: "contradicted",
      recorded: "proof_fails",
      checkpointSize: null,
      anchoredBlock: null,
      proofFailure: "the entry's row was changed after it was recorded",
    });
    expect(failed.finding).toBe("回执与记录不符");
    expect(failed.details).toContain("大厅日志的证明不成立，日志已被改动：the entry's row was changed after it was recorded");
    // Another hall's receipt: nothing asked of a log, no line.
    expect(receiptLines({ ...checked, log: "not_here", logSeq: null, recorded: null }).details.join("\n")).not.toContain("大厅日志");
    setLang("en");
    expect(receiptLines(checked).details).toContain("Recorded in the hall log · checkpoint 40 · block 1234");
    expect(receiptLines({ ...checked, standing: "unknown", signer: null, finding: "cannot_confirm", log: "not_here" }).details).toContain(
      "Signed with a key that is not registered: the hall cannot be confirmed",
    );
  });
});
