// The supervisor's charts as SVG, drawn by pure functions: each returns a small tree of SVG
// elements (tag, attributes, text) that screens/console-view.ts turns into DOM nodes with
// createElementNS and textContent, so no label (a clerk id, an issuer's name) is ever parsed
// as markup. No chart library: two shapes cover what the console shows, columns over the
// hours of the day and labelled horizontal bars for everything else. Every bar carries
// data-label and data-value, which the tests (unit and end to end) read.

/** An SVG element: its tag, attributes, text and children. */
export interface SvgNode {
  tag: string;
  attrs: Record<string, string | number>;
  text?: string;
  children?: SvgNode[];
}

/** A bar's colour, by meaning (CSS classes `bar-ok` …). */
export type Tone = "ok" | "bad" | "warn" | "neutral";

/** One bar of a horizontal bar chart. */
export interface Bar {
  /** What the screen shows beside the bar. */
  label: string;
  value: number;
  tone?: Tone;
  /** The value the bar stands for (a clerk id, a reason code), for the tests and clicks. */
  key?: string;
  /** Text after the value, e.g. a share "(40%)". */
  note?: string;
}

/** Geometry of the hour chart (viewBox units). */
export const HOURS = { width: 720, height: 200, left: 8, right: 8, top: 22, bottom: 22 };
/** Geometry of a horizontal bar chart (viewBox units). */
export const BARS = { width: 720, row: 26, label: 250, value: 90, top: 8, gap: 6 };
/** The band above every chart that holds its title (viewBox units). */
export const TITLE = 26;
/** Widest bar label drawn, in half-width characters (a CJK character counts two). */
export const LABEL_CHARS = 34;

const round1 = (n: number) => Math.round(n * 10) / 10;

function node(tag: string, attrs: Record<string, string | number>, children: SvgNode[] = [], text?: string): SvgNode {
  return text === undefined ? { tag, attrs, children } : { tag, attrs, children, text };
}

/** The chart's frame: an `svg` with its title shown in a band on top (and as the `title`
 * screen readers read), the chart's name, and the drawing below the band. */
function frame(name: string, title: string, width: number, height: number, children: SvgNode[]): SvgNode {
  const full = height + TITLE;
  return node(
    "svg",
    {
      class: `chart chart-${name}`,
      "data-chart": name,
      viewBox: `0 0 ${width} ${full}`,
      width,
      height: full,
      role: "img",
      "aria-label": title,
    },
    [
      node("title", {}, [], title),
      node("text", { class: "chart-title", x: 10, y: TITLE - 7 }, [], title),
      node("g", { transform: `translate(0,${TITLE})` }, children),
    ],
  );
}

function empty(name: string, title: string, emptyText: string): SvgNode {
  return frame(name, title, BARS.width, 40, [
    node("text", { class: "chart-empty", x: BARS.width / 2, y: 25, "text-anchor": "middle" }, [], emptyText),
  ]);
}

/**
 * Verifications per hour of the day: 24 columns, heights in proportion to the busiest hour,
 * the count above each hour that had any, the hour under every third column. `byHour` is
 * cut or padded to 24; a day without verifications is a line saying so.
 */
export function hourChart(byHour: readonly number[], title: string, emptyText: string): SvgNode {
  const hours = Array.from({ length: 24 }, (_, h) => Math.max(0, byHour[h] ?? 0));
  const max = Math.max(...hours);
  if (max === 0) return empty("hours", title, emptyText);
  const { width, height, left, right, top, bottom } = HOURS;
  const plot = height - top - bottom;
  const slot = (width - left - right) / 24;
  const barWidth = round1(slot * 0.7);
  const children: SvgNode[] = [
    node("line", { class: "chart-axis", x1: left, y1: height - bottom, x2: width - right, y2: height - bottom }),
  ];
  hours.forEach((value, h) => {
    const x = round1(left + h * slot + (slot - barWidth) / 2);
    const barHeight = round1((value / max) * plot);
    const label = String(h).padStart(2, "0");
    children.push(
      node("rect", {
        class: "bar bar-neutral",
        x,
        y: round1(height - bottom - barHeight),
        width: barWidth,
        height: barHeight,
        "data-label": label,
        "data-value": value,
      }),
    );
    if (value > 0) {
      children.push(
        node("text", { class: "chart-value", x: round1(x + barWidth / 2), y: round1(height - bottom - barHeight - 4), "text-anchor": "middle" }, [], String(value)),
      );
    }
    if (h % 3 === 0) {
      children.push(
        node("text", { class: "chart-tick", x: round1(x + barWidth / 2), y: height - 6, "text-anchor": "middle" }, [], label),
      );
    }
  });
  return frame("hours", title, width, height, children);
}

/**
 * Horizontal bars, one a row in the order given, lengths in proportion to the largest. Past
 * `maxBars` the rest are summed into one last bar labelled by `othersLabel(n)` (n: how many
 * it holds), so a long tail of issuers cannot push the chart off the screen.
 */
export function barChart(
  name: string,
  title: string,
  bars: readonly Bar[],
  emptyText: string,
  options: { maxBars?: number; othersLabel?: (n: number) => string } = {},
): SvgNode {
  const maxBars = Math.max(1, options.maxBars ?? 8);
  let shown = bars.filter((b) => b.value > 0);
  if (shown.length === 0) return empty(name, title, emptyText);
  if (shown.length > maxBars) {
    const rest = shown.slice(maxBars - 1);
    shown = [
      ...shown.slice(0, maxBars - 1),
      {
        label: options.othersLabel ? options.othersLabel(rest.length) : `+${rest.length}`,
        value: rest.reduce((sum, b) => sum + b.value, 0),
        tone: "neutral",
        key: "",
      },
    ];
  }
  const max = Math.max(...shown.map((b) => b.value));
  const { width, row, label, value, top, gap } = BARS;
  const plot = width - label - value;
  const height = top * 2 + shown.length * row;
  const children: SvgNode[] = [];
  shown.forEach((b, i) => {
    const y = top + i * row;
    const length = round1(Math.max(2, (b.value / max) * plot));
    children.push(
      node("text", { class: "chart-label", x: label - 8, y: y + row / 2 + 5, "text-anchor": "end" }, [], truncate(b.label, LABEL_CHARS)),
      node("rect", {
        class: `bar bar-${b.tone ?? "neutral"}`,
        x: label,
        y: y + gap / 2,
        width: length,
        height: row - gap,
        "data-label": b.label,
        "data-value": b.value,
        "data-key": b.key ?? b.label,
      }),
      node("text", { class: "chart-value", x: label + length + 6, y: y + row / 2 + 5 }, [], b.note ? `${b.value} ${b.note}` : String(b.value)),
    );
  });
  return frame(name, title, width, height, children);
}

/** At most `max` characters (CJK counting as two), with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  let used = 0;
  let out = "";
  for (const ch of text) {
    const w = (ch.codePointAt(0) ?? 0) >= 0x2e80 ? 2 : 1;
    if (used + w > max) return `${out}…`;
    used += w;
    out += ch;
  }
  return out;
}

/** Every node of the tree, depth first (for tests and for reading a chart's bars). */
export function nodes(root: SvgNode): SvgNode[] {
  return [root, ...(root.children ?? []).flatMap(nodes)];
}

/** The bars of a chart as [label, value] pairs, in order. */
export function barsOf(root: SvgNode): [string, number][] {
  return nodes(root)
    .filter((n) => n.tag === "rect" && n.attrs["data-label"] !== undefined)
    .map((n) => [String(n.attrs["data-label"]), Number(n.attrs["data-value"])]);
}
