/**
 * The transfer matrix (source model × target model) as data and as report tables. It is filled
 * by src/services/transfer.ts; the types live here so reports do not depend on services.
 *
 * Two destruction rates, both Kurakin Eq. (1) with a different T:
 * - transfer: T = "classify with the target instead". Clean and adversarial terms use the source
 *   model (the attack's own view, recorded in the run manifest), the third the target. It is the
 *   share of the source's successful adversarial examples that the target still gets right, so
 *   1 − d is the transfer success rate; the source's own column is 0 by construction.
 * - photo: T = print and photograph, all three terms judged by the target (what a second
 *   classifier, like the paper's phone app, sees of the photographed examples).
 */
import { ratioCell } from './stats';
import { runDisplayName } from '../attacks/names';
import type { Cell, ReportTable, TableRow } from './types';

export interface ModelSummary {
  name: string;
  fingerprint: string;
  source: string;
}

export interface TopCells {
  top1: Cell;
  top5: Cell;
}

export interface TransferCell {
  source: string;
  target: string;
  run: string;
  method: string;
  eps: number;
  /** Images whose class the target knows (matched by label name). */
  images: number;
  clean: TopCells;
  adversarial: TopCells;
  transfer: TopCells;
  photo: { adversarial: TopCells; destruction: TopCells } | null;
}

export interface TransferMatrix {
  sources: ModelSummary[];
  targets: ModelSummary[];
  cells: TransferCell[];
  notes: string[];
}

function pooled(cells: readonly TransferCell[], pick: (c: TransferCell) => Cell | undefined): Cell {
  let num = 0;
  let den = 0;
  for (const c of cells) {
    const v = pick(c);
    if (v?.numerator === undefined || v.denominator === undefined) continue;
    num += v.numerator;
    den += v.denominator;
  }
  return ratioCell(num, den);
}

export function transferTables(m: TransferMatrix): ReportTable[] {
  const matrixRows: TableRow[] = m.sources.map((s) => {
    const cells: Record<string, Cell | null> = {};
    m.targets.forEach((t, j) => {
      const cs = m.cells.filter((c) => c.source === s.name && c.target === t.name);
      cells[`adv1-${j}`] = pooled(cs, (c) => c.adversarial.top1);
      cells[`d1-${j}`] = pooled(cs, (c) => c.transfer.top1);
      cells[`d5-${j}`] = pooled(cs, (c) => c.transfer.top5);
    });
    return { key: s.fingerprint, label: s.name, cells };
  });
  const matrix: ReportTable = {
    id: 'transfer-matrix',
    number: 'Transfer',
    title: 'Transfer matrix, source × target, pooled over runs (%)',
    columns: m.targets.flatMap((t, j) => [
      { key: `adv1-${j}`, label: 'adv. top-1', group: t.name },
      { key: `d1-${j}`, label: 'd top-1', group: t.name },
      { key: `d5-${j}`, label: 'd top-5', group: t.name },
    ]),
    rows: matrixRows,
    note: 'adv. top-1: target accuracy on the digital adversarial images. d: destruction by transfer (Eq. 1, clean/adversarial terms judged by the source, the third by the target); 1 − d is the transfer success rate.',
  };
  const hasPhoto = m.cells.some((c) => c.photo);
  const byRun: ReportTable = {
    id: 'transfer-runs',
    number: 'Transfer',
    title: 'Transfer by run and target model, from the source model of each run (%)',
    columns: [
      { key: 'clean1', label: 'top-1', group: 'Target clean' },
      { key: 'clean5', label: 'top-5', group: 'Target clean' },
      { key: 'adv1', label: 'top-1', group: 'Target adv.' },
      { key: 'adv5', label: 'top-5', group: 'Target adv.' },
      { key: 'd1', label: 'top-1', group: 'd transfer' },
      { key: 'd5', label: 'top-5', group: 'd transfer' },
      ...(hasPhoto
        ? [
            { key: 'photo1', label: 'top-1', group: 'Target photo adv.' },
            { key: 'pd1', label: 'top-1', group: 'd photo (target)' },
            { key: 'pd5', label: 'top-5', group: 'd photo (target)' },
          ]
        : []),
    ],
    rows: m.cells.map((c) => ({
      key: `${c.run}:${c.target}`,
      label: `${runDisplayName(c.method, c.eps)} → ${c.target}`,
      run: c.run,
      method: c.method,
      eps: c.eps,
      cells: {
        clean1: c.clean.top1,
        clean5: c.clean.top5,
        adv1: c.adversarial.top1,
        adv5: c.adversarial.top5,
        d1: c.transfer.top1,
        d5: c.transfer.top5,
        ...(hasPhoto ? { photo1: c.photo?.adversarial.top1 ?? null, pd1: c.photo?.destruction.top1 ?? null, pd5: c.photo?.destruction.top5 ?? null } : {}),
      },
    })),
    note: m.notes.join(' ') || undefined,
  };
  return [matrix, byRun];
}
