/**
 * The robustness comparison as report tables and charts: one row per (model, attack) for the
 * digital result, the synthetic transforms and the photos, and one chart per model of accuracy
 * under attack against eps (Goodfellow et al. and Carlini & Wagner compare defences this way).
 *
 * The input type is structural, so the service that computes it (src/services/robustness.ts)
 * and this layout code don't depend on each other's modules.
 */
import { getAttack } from '../attacks';
import { runDisplayName } from '../attacks/names';
import type { Rate as SummaryRate } from '../metrics';
import { suiteTables, type SuiteModelData } from './robustness-curves';
import { ratioCell, rateCell } from './stats';
import { methodName } from './tables';
import type { Cell, Fig6Panel, ReportTable, TableColumn, TableRow } from './types';

interface Acc {
  correct: number;
  total: number;
}
interface Rate {
  numerator: number;
  denominator: number;
}

export interface RobustnessComparison {
  images: { source: string; count: number };
  /** suite/minimal: a robustness suite's worst-case curve and minimal perturbations (robustness-curves.ts). */
  models: (SuiteModelData & {
    name: string;
    defence: string | null;
    clean: { top1: Acc; top5: Acc };
    cells: {
      method: string;
      eps: number;
      run: string | null;
      /** attackSuccess (success among originally correct images) is absent in comparisons saved before it existed. */
      attack: { images: number; successes: number; advTop1Correct: number; meanLinf: number; meanL2: number; attackSuccess?: SummaryRate };
      transforms: { spec: string; advTop1: Acc; destruction: Rate }[];
      photo: { clean: Cell | null; adversarial: Cell | null; destruction: Cell | null } | null;
    }[];
  })[];
  /** Gradient-masking warnings (src/metrics/masking.ts); absent or null: the checks did not run. */
  masking?: readonly { message: string; advice: string }[] | null;
}

/** The "Masking checks" note: every warning with its advice, or that none fired; '' when they did not run. */
export function maskingNote(data: Pick<RobustnessComparison, 'masking'>): string {
  if (!data.masking) return '';
  if (!data.masking.length) return 'Masking checks (Carlini et al. 2019; Croce & Hein 2020): none fired (rising accuracy, iterative vs single-step, transfer vs white-box, vanishing gradients, unbounded attack).';
  const items = data.masking.map((w, i) => `(${i + 1}) ${w.message}: ${w.advice}.`);
  return `Masking checks (Carlini et al. 2019; Croce & Hein 2020): ${data.masking.length} warning(s), these numbers may overstate robustness. ${items.join(' ')}`;
}

type Model = RobustnessComparison['models'][number];
type Row = Model['cells'][number];

const num = (value: number): Cell => ({ value, format: 'num' });
/** Minimal-perturbation attacks (no eps cap) are named by title, the paper's methods by name and eps. */
export function attackLabel(method: string, eps: number): string {
  if (eps < 255) return runDisplayName(method, eps);
  try {
    return getAttack(method).title;
  } catch {
    return method;
  }
}
const rowLabel = (m: Model, c: Row) => `${m.name} · ${attackLabel(c.method, c.eps)}`;

function rowsOf(data: RobustnessComparison, cells: (m: Model, c: Row) => Record<string, Cell | null>, keep: (c: Row) => boolean = () => true): TableRow[] {
  return data.models.flatMap((m) =>
    m.cells.filter(keep).map((c) => ({ key: `${m.name}/${c.method}/${c.eps}`, label: rowLabel(m, c), method: c.method, eps: c.eps, ...(c.run ? { run: c.run } : {}), cells: cells(m, c) })),
  );
}

export function robustnessTables(data: RobustnessComparison): ReportTable[] {
  const tables: ReportTable[] = [];
  const models: ReportTable = {
    id: 'robustness-models',
    number: '',
    title: 'Target models: clean accuracy',
    columns: [
      { key: 'clean1', label: 'top-1' },
      { key: 'clean5', label: 'top-5' },
    ],
    rows: data.models.map((m) => ({ key: m.name, label: m.defence ? `${m.name} (${m.defence})` : `${m.name} (no defence)`, cells: { clean1: ratioCell(m.clean.top1.correct, m.clean.top1.total), clean5: ratioCell(m.clean.top5.correct, m.clean.top5.total) } })),
    note: `${data.images.count} images from ${data.images.source}.`,
  };
  tables.push(models);
  tables.push({
    id: 'robustness-digital',
    number: '',
    title: 'Robustness, digital: each model attacked white-box (%)',
    columns: [
      { key: 'adv1', label: 'accuracy', group: 'Under attack' },
      { key: 'error', label: 'error', group: 'Under attack' },
      { key: 'success', label: 'success', group: 'Attack' },
      { key: 'linf', label: 'L∞ mean', group: 'Attack' },
      { key: 'l2', label: 'L2 mean', group: 'Attack' },
    ],
    rows: rowsOf(data, (_m, c) => ({
      adv1: ratioCell(c.attack.advTop1Correct, c.attack.images),
      error: ratioCell(c.attack.images - c.attack.advTop1Correct, c.attack.images),
      success: c.attack.attackSuccess ? rateCell(c.attack.attackSuccess) : ratioCell(c.attack.successes, c.attack.images),
      linf: num(c.attack.meanLinf),
      l2: num(c.attack.meanL2),
    })),
    note: ['Accuracy/error over all images after 8-bit rounding; success: of the images the model got right before the attack, the share the attack fooled (comparisons saved before this count over all images). Norms on the 0..255 scale.', maskingNote(data)].filter(Boolean).join(' '),
  });
  const specs = [...new Set(data.models.flatMap((m) => m.cells.flatMap((c) => c.transforms.map((t) => t.spec))))];
  if (specs.length) {
    const columns: TableColumn[] = specs.flatMap((s) => [
      { key: `acc:${s}`, label: 'accuracy', group: s },
      { key: `dest:${s}`, label: 'destruction', group: s },
    ]);
    tables.push({
      id: 'robustness-transforms',
      number: '',
      title: 'Robustness under synthetic transforms: accuracy on T(x_adv) and destruction rate (%)',
      columns,
      rows: rowsOf(data, (_m, c) => {
        const cells: Record<string, Cell | null> = {};
        for (const t of c.transforms) {
          cells[`acc:${t.spec}`] = ratioCell(t.advTop1.correct, t.advTop1.total);
          cells[`dest:${t.spec}`] = ratioCell(t.destruction.numerator, t.destruction.denominator);
        }
        return cells;
      }),
      note: 'Average case, top-1. Destruction rate: Kurakin et al. Eq. 1 over the images the attack fooled.',
    });
  }
  const photoRows = rowsOf(data, (_m, c) => ({ clean1: c.photo?.clean ?? null, adv1: c.photo?.adversarial ?? null, dest1: c.photo?.destruction ?? null }), (c) => c.photo !== null);
  if (photoRows.length) {
    tables.push({
      id: 'robustness-photos',
      number: '',
      title: 'Robustness through photos: printed, photographed and registered (%)',
      columns: [
        { key: 'clean1', label: 'clean', group: 'Photo accuracy' },
        { key: 'adv1', label: 'adversarial', group: 'Photo accuracy' },
        { key: 'dest1', label: 'destruction', group: 'Photos' },
      ],
      rows: photoRows,
      note: 'Average case, top-1, on the registered crops.',
    });
  }
  tables.push(...suiteTables(data.models));
  return tables;
}

/** One chart per model: top-1 accuracy under attack against eps, a line per method (digital solid, photo dashed). */
export function robustnessPanels(data: RobustnessComparison): Fig6Panel[] {
  return data.models.map((m) => {
    const series: Fig6Panel['series'] = [];
    const methods = [...new Set(m.cells.filter((c) => c.eps < 255).map((c) => c.method))];
    for (const method of methods) {
      const cells = m.cells.filter((c) => c.method === method && c.eps < 255).sort((a, b) => a.eps - b.eps);
      const clean = { x: 0, rate: ratioCell(m.clean.top1.correct, m.clean.top1.total) };
      series.push({ run: method, method, eps: 0, k: 'top1', label: method.startsWith('suite-') ? `${method.slice(6)} suite (worst case)` : `${methodName(method)} digital`, points: [clean, ...cells.map((c) => ({ x: c.eps, rate: ratioCell(c.attack.advTop1Correct, c.attack.images) }))] });
      const photo = cells.filter((c) => c.photo?.adversarial?.value !== null && c.photo?.adversarial);
      if (photo.length) series.push({ run: method, method, eps: 0, k: 'top1', dashed: true, label: `${methodName(method)} photo`, points: photo.map((c) => ({ x: c.eps, rate: c.photo!.adversarial! })) });
    }
    const maxEps = Math.max(16, ...m.cells.filter((c) => c.eps < 255).map((c) => c.eps));
    return { transform: `robustness-${m.name}`, title: m.defence ? `${m.name}: ${m.defence}` : `${m.name} (no defence)`, param: 'eps', yLabel: 'accuracy under attack', yMax: 1, paperRange: { min: 0, max: maxEps }, series };
  });
}
