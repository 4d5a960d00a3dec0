import { describe, expect, it } from "vitest";
import { BARS, HOURS, LABEL_CHARS, TITLE, barChart, barsOf, hourChart, nodes, truncate, type SvgNode } from "./charts";

const rects = (n: SvgNode) => nodes(n).filter((x) => x.tag === "rect");
/** The drawn texts, without the title band. */
const texts = (n: SvgNode) => nodes(n).filter((x) => x.tag === "text" && x.attrs.class !== "chart-title").map((x) => x.text);
const title = (n: SvgNode) => nodes(n).find((x) => x.attrs.class === "chart-title")?.text;

describe("hour chart", () => {
  it("draws 24 columns, heights in proportion to the busiest hour", () => {
    const byHour = Array<number>(24).fill(0);
    byHour[9] = 4;
    byHour[10] = 2;
    byHour[15] = 1;
    const chart = hourChart(byHour, "每小时核验量", "没有数据");
    expect(chart.attrs["data-chart"]).toBe("hours");
    const bars = rects(chart);
    expect(bars).toHaveLength(24);
    const plot = HOURS.height - HOURS.top - HOURS.bottom;
    const height = (h: number) => Number(bars[h].attrs.height);
    expect(height(9)).toBe(plot);
    expect(height(10)).toBe(plot / 2);
    expect(height(15)).toBe(plot / 4);
    expect(height(0)).toBe(0);
    // Each bar stands on the axis.
    for (const b of bars) expect(Number(b.attrs.y) + Number(b.attrs.height)).toBeCloseTo(HOURS.height - HOURS.bottom, 1);
    expect(barsOf(chart)[9]).toEqual(["09", 4]);
  });

  it("labels every third hour and the count of each hour that had any", () => {
    const byHour = Array<number>(24).fill(0);
    byHour[9] = 12;
    const labels = texts(hourChart(byHour, "t", "e"));
    expect(labels).toEqual(expect.arrayContaining(["00", "03", "06", "09", "12", "15", "18", "21", "12"]));
    expect(labels).not.toContain("01");
    // One value label only: the hour that had verifications.
    expect(labels.filter((l) => l === "12")).toHaveLength(2); // the tick "12" and the count 12
    const chart = hourChart(byHour, "每小时", "e");
    expect(nodes(chart)[1]).toEqual({ tag: "title", attrs: {}, children: [], text: "每小时" });
    expect(title(chart)).toBe("每小时");
    expect(chart.attrs.height).toBe(HOURS.height + TITLE);
  });

  it("says there is no data rather than drawing nothing", () => {
    const chart = hourChart(Array<number>(24).fill(0), "t", "没有数据");
    expect(rects(chart)).toHaveLength(0);
    expect(texts(chart)).toContain("没有数据");
    expect(title(chart)).toBe("t");
    expect(rects(hourChart([], "t", "e"))).toHaveLength(0);
  });

  it("pads short data and ignores what is past 24 hours", () => {
    expect(rects(hourChart([1, 2], "t", "e"))).toHaveLength(24);
    expect(barsOf(hourChart([...Array<number>(24).fill(1), 99], "t", "e")).every(([, v]) => v === 1)).toBe(true);
  });
});

describe("bar chart", () => {
  it("draws one bar a row, lengths in proportion to the largest, with labels and values", () => {
    const chart = barChart("clerks", "各办事员核验量", [
      { label: "clerk-a", value: 6 },
      { label: "clerk-b", value: 3, tone: "bad", note: "(33%)" },
    ], "没有数据");
    const bars = rects(chart);
    const plot = BARS.width - BARS.label - BARS.value;
    expect(Number(bars[0].attrs.width)).toBe(plot);
    expect(Number(bars[1].attrs.width)).toBe(plot / 2);
    expect(bars[1].attrs.class).toBe("bar bar-bad");
    expect(Number(bars[1].attrs.y)).toBeGreaterThan(Number(bars[0].attrs.y));
    expect(texts(chart)).toEqual(["clerk-a", "6", "clerk-b", "3 (33%)"]);
    expect(title(chart)).toBe("各办事员核验量");
    expect(chart.attrs.height).toBe(TITLE + BARS.top * 2 + 2 * BARS.row);
  });

  it("sums a long tail into one bar", () => {
    const bars = Array.from({ length: 12 }, (_, i) => ({ label: `c${i}`, value: 12 - i }));
    const chart = barChart("clerks", "t", bars, "e", { maxBars: 5, othersLabel: (n) => `其他 ${n} 项` });
    expect(barsOf(chart)).toEqual([
      ["c0", 12],
      ["c1", 11],
      ["c2", 10],
      ["c3", 9],
      ["其他 8 项", 8 + 7 + 6 + 5 + 4 + 3 + 2 + 1],
    ]);
  });

  it("leaves out zero bars and says when nothing is left", () => {
    expect(barsOf(barChart("v", "t", [{ label: "a", value: 0 }, { label: "b", value: 2 }], "e"))).toEqual([["b", 2]]);
    const none = barChart("failures", "t", [{ label: "a", value: 0 }], "当日没有失败的核验。");
    expect(rects(none)).toHaveLength(0);
    expect(texts(none)).toContain("当日没有失败的核验。");
  });

  it("keeps a label whole in data-label and cuts only what is drawn", () => {
    const long = "北京市朝阳区市场监督管理局第一分局朝外大街工商所";
    const chart = barChart("issuers", "t", [{ label: long, value: 1 }], "e");
    expect(barsOf(chart)[0][0]).toBe(long);
    expect(texts(chart)[0]).toBe(truncate(long, LABEL_CHARS));
    expect(truncate(long, LABEL_CHARS)).toBe("北京市朝阳区市场监督管理局第一分局…");
    expect(truncate("证照内容被篡改（签名不符）", LABEL_CHARS)).toBe("证照内容被篡改（签名不符）");
    expect(truncate("clerk-007", LABEL_CHARS)).toBe("clerk-007");
  });
});
