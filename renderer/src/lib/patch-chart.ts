/**
 * The Patch view's training curves as chart.js line charts: the mean adversarial loss and the
 * batch's hit rate (on target, or fooled) against the Adam step, a line per patch size, live
 * while the patch trains and from the saved history afterwards. The same numbers as text for the
 * canvas's alternative, and a few steps per size for the table beside it.
 */
import type { ChartConfiguration } from 'chart.js';
import type { CurvePoint } from '../stores/patch';

const COLOURS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];

export type PatchCurves = Record<string, CurvePoint[]>;

/** A size (area fraction) as the view names it: "10 % patch". */
export const sizeLabel = (size: number | string) => `${Math.round(Number(size) * 1000) / 10} % patch`;

/** Curves from a saved history (step k+1 is history[k]). */
export function curvesFromHistory(patches: readonly { size: number; history: readonly { loss: number; success: number }[] }[]): PatchCurves {
  return Object.fromEntries(patches.map((p) => [String(p.size), p.history.map((h, k) => ({ step: k + 1, loss: h.loss, success: h.success }))]));
}

export function patchChart(curves: PatchCurves, what: 'loss' | 'success'): ChartConfiguration {
  const sizes = Object.keys(curves).sort((a, b) => Number(a) - Number(b));
  return {
    type: 'line',
    data: {
      datasets: sizes.map((s, i) => ({
        label: sizeLabel(s),
        data: curves[s].map((p) => ({ x: p.step, y: what === 'loss' ? p.loss : Math.round(1000 * p.success) / 10 })),
        borderColor: COLOURS[i % COLOURS.length],
        backgroundColor: COLOURS[i % COLOURS.length],
        pointRadius: 0,
        borderWidth: 1.5,
      })),
    },
    options: {
      plugins: { title: { display: true, text: what === 'loss' ? 'Training loss (adversarial term, batch mean)' : 'Batch hit rate while training' } },
      scales: {
        x: { type: 'linear', min: 1, title: { display: true, text: 'Adam step' } },
        y: what === 'loss' ? { title: { display: true, text: 'loss' } } : { min: 0, max: 100, title: { display: true, text: 'hit rate (%)' } },
      },
    },
  };
}

/** Up to `rows` evenly spaced points of a curve, always with its last one. */
export function sampled(points: readonly CurvePoint[], rows = 8): CurvePoint[] {
  if (points.length <= rows) return [...points];
  const every = (points.length - 1) / (rows - 1);
  return Array.from({ length: rows }, (_, i) => points[Math.round(i * every)]);
}

/** The charts' text alternative: each size's latest step, loss and hit rate. */
export function patchChartText(curves: PatchCurves): string {
  const parts = Object.keys(curves)
    .sort((a, b) => Number(a) - Number(b))
    .map((s) => {
      const last = curves[s][curves[s].length - 1];
      return last ? `${sizeLabel(s)}: step ${last.step}, loss ${last.loss.toFixed(3)}, batch hit rate ${Math.round(100 * last.success)} %` : `${sizeLabel(s)}: no step yet`;
    });
  return parts.length ? parts.join('; ') : 'No training steps yet.';
}
