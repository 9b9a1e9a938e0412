/** Terminal tables of a robustness comparison: clean accuracy per model, then one row per (model, attack). */
import { attackLabel } from '../reports';
import type { MaskingWarning } from '../metrics/masking';
import type { RobustnessResult } from '../services/robustness';
import { formatTable, pct } from './output';
import { accuracyText, cellRateText, rateCountText } from './tables';

export function robustnessText(r: RobustnessResult): string {
  const models = formatTable(
    ['model', 'defence', 'clean top-1', 'clean top-5'],
    r.models.map((m) => [m.name, m.defence ?? 'none', accuracyText(m.clean.top1), accuracyText(m.clean.top5)]),
  );
  const specs = [...new Set(r.models.flatMap((m) => m.cells.flatMap((c) => c.transforms.map((t) => t.spec))))];
  const hasPhotos = r.models.some((m) => m.cells.some((c) => c.photo));
  const rows = r.models.flatMap((m) =>
    m.cells.map((c) => [
      m.name,
      attackLabel(c.method, c.eps),
      rateCountText(c.attack.adversarialAccuracy),
      pct(c.error, 2),
      rateCountText(c.attack.attackSuccess),
      c.attack.meanL2.toFixed(1),
      ...specs.map((s) => {
        const t = c.transforms.find((x) => x.spec === s);
        return t ? accuracyText(t.advTop1) : '—';
      }),
      ...(hasPhotos ? [cellRateText(c.photo?.adversarial), cellRateText(c.photo?.destruction)] : []),
    ]),
  );
  const grid = formatTable(
    ['model', 'attack', 'adv acc', 'error', 'success (of clean-correct)', 'L2', ...specs.map((s) => `acc ${s}`), ...(hasPhotos ? ['photo acc', 'photo destr.'] : [])],
    rows,
  );
  return [`${r.images.count} images from ${r.images.source}, backend ${r.backend}, ${r.seconds.toFixed(0)} s`, '', models, '', grid, '', maskingText(r.masking)].join('\n');
}

/** The masking checks under the tables: each warning on its own line, its advice below it. */
export function maskingText(masking: readonly MaskingWarning[]): string {
  const head = 'Masking checks (Carlini et al. 2019; Croce & Hein 2020)';
  if (!masking.length) return `${head}: none fired.`;
  const lines = masking.map((w) => `  ! ${w.message}\n    ${w.advice}`);
  return [`${head}: ${masking.length} warning(s), these numbers may overstate robustness`, ...lines].join('\n');
}
