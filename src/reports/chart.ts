/**
 * Fig. 6 panel geometry, independent of the output format: the SVG (HTML) and pdfkit (PDF)
 * renderers draw exactly these primitives, so the two reports show the same chart.
 * Coordinates are in abstract units with y growing downwards (as in both SVG and PDF pages).
 */
import { cellText } from './stats';
import { methodName } from './tables';
import type { Fig6Panel } from './types';

export interface Pt {
  x: number;
  y: number;
}

export interface ChartLine {
  color: string;
  dashed: boolean;
  label: string;
  points: Pt[];
  /** 95% interval per point: the vertical error bar. */
  bars: { x: number; y0: number; y1: number }[];
  /** Point labels for screen readers/tooltips: 'jpeg quality=10: 45.0% (9/20)'. */
  titles: string[];
}

export interface ChartGeometry {
  width: number;
  height: number;
  title: string;
  xLabel: string;
  yLabel: string;
  plot: { x: number; y: number; w: number; h: number };
  xTicks: { pos: number; label: string }[];
  yTicks: { pos: number; label: string }[];
  lines: ChartLine[];
}

const COLORS: Record<string, string> = { fgsm: '#1f77b4', bim: '#ff7f0e', illc: '#2ca02c' };
const EXTRA = ['#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

export function methodColor(method: string, i: number): string {
  return COLORS[method] ?? EXTRA[i % EXTRA.length];
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 100) / 100);
}

export function chartGeometry(panel: Fig6Panel, width = 320, height = 220): ChartGeometry {
  const plot = { x: 44, y: 26, w: width - 44 - 10, h: height - 26 - 58 };
  const xs = [...new Set(panel.series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b);
  const x0 = Math.min(panel.paperRange.min, ...xs);
  const x1 = Math.max(panel.paperRange.max, ...xs);
  const yMaxData = Math.max(0, ...panel.series.flatMap((s) => s.points.map((p) => p.rate.value ?? 0)));
  // Like the paper's panels, the y-axis ends just above the data (10% steps), not always at 100%.
  const yMax = panel.yMax ?? Math.min(1, Math.max(0.1, Math.ceil(yMaxData * 10 - 1e-9) / 10));
  const sx = (v: number) => plot.x + (x1 === x0 ? plot.w / 2 : ((v - x0) / (x1 - x0)) * plot.w);
  const sy = (v: number) => plot.y + plot.h - (Math.min(v, yMax) / yMax) * plot.h;
  const yStep = yMax <= 0.2 ? 0.05 : yMax <= 0.5 ? 0.1 : 0.2;
  const yTicks: ChartGeometry['yTicks'] = [];
  for (let v = 0; v <= yMax + 1e-9; v += yStep) yTicks.push({ pos: sy(v), label: `${Math.round(v * 100)}%` });
  const methods = [...new Set(panel.series.map((s) => s.method))];
  const lines: ChartLine[] = panel.series.map((s) => {
    const pts = s.points.filter((p) => p.rate.value !== null);
    return {
      color: methodColor(s.method, methods.indexOf(s.method)),
      dashed: s.dashed ?? s.k === 'top5',
      label: s.label ?? `${methodName(s.method)} ${s.k === 'top1' ? 'top-1' : 'top-5'}`,
      points: pts.map((p) => ({ x: sx(p.x), y: sy(p.rate.value as number) })),
      bars: pts.filter((p) => p.rate.ci).map((p) => ({ x: sx(p.x), y0: sy(p.rate.ci!.low), y1: sy(p.rate.ci!.high) })),
      titles: pts.map((p) => `${panel.param}=${fmt(p.x)}: ${cellText(p.rate)}% (${p.rate.numerator}/${p.rate.denominator})`),
    };
  });
  return {
    width,
    height,
    title: panel.title,
    xLabel: panel.param,
    yLabel: panel.yLabel ?? 'destruction rate',
    plot,
    xTicks: xs.map((v) => ({ pos: sx(v), label: fmt(v) })),
    yTicks,
    lines,
  };
}

/** Legend entries (one per line) laid out in rows under the plot. */
export function legendLayout(g: ChartGeometry): { x: number; y: number; color: string; dashed: boolean; label: string }[] {
  const colW = (g.width - 20) / 3;
  return g.lines.map((l, i) => ({ x: 10 + (i % 3) * colW, y: g.plot.y + g.plot.h + 36 + Math.floor(i / 3) * 11, color: l.color, dashed: l.dashed, label: l.label }));
}
