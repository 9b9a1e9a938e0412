/** Terminal tables of a robustness comparison: clean accuracy per model, then one row per (model, attack). */
import { attackLabel } from '../reports';
import type { MaskingWarning } from '../metrics/masking';
import type { RobustnessResult } from '../services/robustness';
import type { SuiteResult } from '../services/robustness-suite';
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

/** The suite's tables: robust accuracy per (model, eps) with who broke what, then minimal perturbations. */
export function suiteText(r: SuiteResult): string {
  const attacks = r.models[0]?.suite.attacks ?? [];
  const points = formatTable(
    ['model', 'eps', 'clean', 'FGSM acc', 'robust acc', ...attacks.map((a) => `by ${a}`), 'seconds', 'queries'],
    r.models.flatMap((m) =>
      m.suite.points.map((p) => [
        m.name,
        p.eps,
        rateCountText(p.clean),
        pct(p.fgsm.rate),
        rateCountText(p.robust),
        ...attacks.map((a) => p.brokenBy[a] ?? 0),
        p.attacks.reduce((s, a) => s + a.seconds, 0).toFixed(1),
        String(p.attacks.find((a) => a.queries !== null)?.queries ?? '—'),
      ]),
    ),
  );
  const minimal = r.models.flatMap((m) => m.minimal.map((s) => [m.name, s.method, `${s.found}/${s.images}`, ...[s.l2?.q1, s.l2?.median, s.l2?.q3, s.linf?.median, s.distortion].map((v) => (v === undefined || v === null ? '—' : v.toFixed(v < 1 ? 4 : 1)))]));
  const minimalTable = minimal.length ? ['', 'Minimal perturbation (correctly classified images; quartiles of the found ones, 0..255):', formatTable(['model', 'attack', 'found', 'L2 Q1', 'L2 median', 'L2 Q3', 'L∞ median', 'Szegedy distortion'], minimal)] : [];
  const rand = r.suite === 'rand' ? r.models.map((m) => `${m.name}: ${m.suite.randomness}`) : [];
  return [
    `${r.suite} suite (${attacks.join(' → ')}), per-image worst case; ${r.images.count} images from ${r.images.source}, seed ${r.seed}, backend ${r.backend}, ${r.seconds.toFixed(0)} s`,
    ...rand,
    '',
    points,
    ...minimalTable,
    '',
    maskingText(r.masking),
  ].join('\n');
}
