/**
 * The report's figures as data: Fig. 6-style destruction-rate series per transform, and the
 * example grid (clean / adversarial / photo crop with predictions).
 */
import { formatTransformSpec, getTransform, listTransforms, parseTransformSpec } from '../transforms';
import { rankOf, type Pred } from './outcomes';
import { destructionCell, top1, top5 } from './stats';
import { advRanks, cleanRanks, selectCase, type RunEntry, type SelectionOptions } from './tables';
import type { Example, ExampleImage, Fig6Panel } from './types';

/** Every transform's paper grid (Fig. 6 x-axis), other parameters at their defaults. */
export function paperSweepSpecs(): string[] {
  return listTransforms().flatMap((d) => {
    const defaults = d.params.parse({}) as Record<string, number>;
    return d.sweep.map((v) => formatTransformSpec({ id: d.id, params: { ...defaults, [d.sweepParam]: v } }));
  });
}

/** One setting per transform, its default parameters: the synthetic channels of Tables 1–3. */
export function defaultTableSpecs(): string[] {
  return listTransforms().map((d) => formatTransformSpec({ id: d.id, params: d.params.parse({}) as Record<string, number> }));
}

/** The eps of the Fig. 6 panels: 16 as in the paper when present, else the largest. */
export function pickFig6Eps(entries: readonly RunEntry[], wanted?: number): number | null {
  const eps = [...new Set(entries.map((e) => e.info.eps))];
  if (wanted !== undefined) return eps.includes(wanted) ? wanted : null;
  if (!eps.length) return null;
  return eps.includes(16) ? 16 : Math.max(...eps);
}

export function fig6Panels(entries: readonly RunEntry[], sweeps: readonly string[], eps: number | null, sel: SelectionOptions): Fig6Panel[] {
  if (eps === null) return [];
  const runs = entries.filter((e) => e.info.eps === eps);
  const parsed = sweeps.map((s) => ({ spec: s, t: parseTransformSpec(s)[0] }));
  const panels: Fig6Panel[] = [];
  for (const d of listTransforms()) {
    const settings = parsed.filter((p) => p.t.id === d.id).sort((a, b) => a.t.params[d.sweepParam] - b.t.params[d.sweepParam]);
    if (!settings.length) continue;
    const series: Fig6Panel['series'] = [];
    for (const e of runs) {
      if (!settings.every((s) => e.out.transformed[s.spec])) continue;
      const idx = selectCase(e.out, () => true, 'average', sel);
      const c = cleanRanks(e.out);
      const a = advRanks(e.out);
      for (const [k, hit] of [['top1', top1], ['top5', top5]] as const) {
        series.push({
          run: e.info.id,
          method: e.info.method,
          eps: e.info.eps,
          k,
          points: settings.map((s) => ({ x: s.t.params[d.sweepParam], rate: destructionCell(c, a, e.out.transformed[s.spec], idx, hit) })),
        });
      }
    }
    if (series.length) panels.push({ transform: d.id, title: getTransform(d.id).title, param: d.sweepParam, paperRange: d.paperRange, series });
  }
  return panels;
}

function prediction(p: Pred | null | undefined, labels: readonly string[]): ExampleImage['prediction'] {
  if (!p || !p.topK.length) return null;
  return { label: p.topK[0], name: labels[p.topK[0]] ?? String(p.topK[0]), prob: p.topProb };
}

/**
 * Up to `perRun` examples per run. Photographed images first, then images the attack fooled
 * (clean right, adversarial wrong), preferring distinct classes, so the grid shows the
 * interesting cases rather than the first files alphabetically.
 */
export function pickExamples(entries: readonly RunEntry[], labels: readonly string[], perRun: number): Example[] {
  const out: Example[] = [];
  for (const e of entries) {
    const o = e.out;
    const score = (i: number) => (o.photo?.advFiles[i] ? 2 : 0) + (rankOf(o.clean[i], o.labels[i]) === 0 && rankOf(o.adversarial[i], o.labels[i]) !== 0 ? 1 : 0);
    const order = o.labels.map((_, i) => i).sort((a, b) => score(b) - score(a) || a - b);
    const picked: number[] = [];
    const seen = new Set<number>();
    for (const pass of [true, false]) {
      for (const i of order) {
        if (picked.length >= perRun) break;
        if (picked.includes(i) || (pass && seen.has(o.labels[i]))) continue;
        picked.push(i);
        seen.add(o.labels[i]);
      }
    }
    for (const i of picked) {
      const photoFile = o.photo?.advFiles[i] ?? null;
      out.push({
        run: e.info.id,
        method: e.info.method,
        eps: e.info.eps,
        relPath: o.relPaths[i],
        label: o.labels[i],
        labelName: labels[o.labels[i]] ?? String(o.labels[i]),
        clean: { file: o.cleanFiles[i], prediction: prediction(o.clean[i], labels) },
        adversarial: { file: o.advFiles[i], prediction: prediction(o.adversarial[i], labels) },
        photo: photoFile ? { file: photoFile, prediction: prediction(o.photo?.adversarial[i], labels) } : null,
      });
    }
  }
  return out;
}
