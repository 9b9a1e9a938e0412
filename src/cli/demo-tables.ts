/** The demo's printed tables: digital results per (method, eps), and Fig. 6-shaped sweeps. */
import { fitText } from '../calibration';
import { cellText, ciText, type CaptureLog, type Cell } from '../reports';
import { countText } from '../reports/stats';
import type { DemoResult, DemoRun } from '../services/demo';
import type { DemoPhotoResult } from '../services/demo-photos';
import type { PhotoDestructionRow, PhotoEvaluation } from '../services/photo-eval';
import { formatTable, pct } from './output';
import { accuracyText, rateCountText } from './tables';
import { runDisplayName } from '../attacks/names';

const methodNames: Record<string, string> = { fgsm: 'fast', bim: 'basic iter.', illc: 'l.l. class' };

export function demoDigitalTable(r: DemoResult): string {
  return formatTable(
    ['run', 'clean top-1', 'adv top-1', 'adv top-5', 'success (of clean-correct)', 'mean L∞'],
    r.runs.map((run) => [
      runDisplayName(run.method, run.eps),
      accuracyText(run.evaluation.digital.clean.top1),
      accuracyText(run.evaluation.digital.adversarial.top1),
      accuracyText(run.evaluation.digital.adversarial.top5),
      rateCountText(run.attack.attackSuccess),
      run.attack.meanLinf.toFixed(1),
    ]),
  );
}

function runsAt(r: DemoResult, eps: number): DemoRun[] {
  return r.runs.filter((run) => run.eps === eps);
}

/** One block per transform: rows are the swept values, columns method × top-1/top-5. */
export function demoFig6Tables(r: DemoResult, eps: number): string {
  const runs = runsAt(r, eps);
  if (!runs.length) return '(no runs at this eps)';
  const ids = [...new Set(runs[0].evaluation.transforms.map((t) => t.id))];
  const header = ['value', ...runs.flatMap((run) => [`${methodNames[run.method] ?? run.method} top-1`, 'top-5'])];
  return ids
    .map((id) => {
      const rowsFor = runs[0].evaluation.transforms.filter((t) => t.id === id);
      const rows = rowsFor.map((t, i) => [
        t.spec.replace(`${id}:`, ''),
        ...runs.flatMap((run) => {
          const tr = run.evaluation.transforms.filter((x) => x.id === id)[i];
          return [pct(tr.destruction.top1.rate), pct(tr.destruction.top5.rate)];
        }),
      ]);
      return `${id}\n${formatTable(header, rows)}`;
    })
    .join('\n\n');
}

/** Mean destruction per method over all transform settings: the paper expects fast < basic < l.l. */
export function meanDestruction(run: DemoRun, k: 'top1' | 'top5'): number | null {
  const rates = run.evaluation.transforms.map((t) => t.destruction[k].rate).filter((v): v is number => v !== null);
  return rates.length ? rates.reduce((a, b) => a + b, 0) / rates.length : null;
}

export function demoOrdering(r: DemoResult, eps: number): string {
  const runs = runsAt(r, eps);
  const means = runs.map((run) => ({ method: run.method, top1: meanDestruction(run, 'top1'), top5: meanDestruction(run, 'top5') }));
  const line = means.map((m) => `${methodNames[m.method] ?? m.method} ${pct(m.top1)} / ${pct(m.top5)}`).join(', ');
  const verdict = (k: 'top1' | 'top5'): string => {
    const order = [...means].sort((a, b) => (a[k] ?? 0) - (b[k] ?? 0)).map((m) => m.method);
    const expected = ['fgsm', 'bim', 'illc'].filter((m) => order.includes(m));
    const shown = order.map((m) => methodNames[m] ?? m).join(' < ');
    return order.join() === expected.join() ? `reproduced (${shown})` : `not reproduced (${shown})`;
  };
  return [
    `Mean destruction over all transform settings (top-1 / top-5): ${line}`,
    "Paper's ordering, fast most robust and l.l. class least:",
    `  top-1: ${verdict('top1')}`,
    `  top-5: ${verdict('top5')}`,
  ].join('\n');
}

/** A report cell as 'rate (num/den) [lo–hi]', or '—'. */
function cellLine(c: Cell | null | undefined): string {
  if (!c || c.value === null) return '—';
  return [cellText(c), countText(c) && `(${countText(c)})`, ciText(c)].filter(Boolean).join(' ');
}

/** The paper's Tables 1–3 for photos, and the photo log's acceptance/discard counts. */
export function photoTablesText(ev: PhotoEvaluation): string {
  const blocks: string[] = [];
  for (const t of ev.tables) {
    const header = ['run', ...t.columns.map((c) => (c.group ? `${c.group} ${c.label}` : c.label))];
    blocks.push(`${t.number}: ${t.title}\n${formatTable(header, t.rows.map((r) => [r.label, ...t.columns.map((c) => cellLine(r.cells[c.key]))]))}`);
  }
  if (!ev.tables.length) blocks.push('No photographed cells belong to a run of this experiment.');
  blocks.push(photoLogText(ev.captures));
  return blocks.join('\n\n');
}

/** Per-photo counts as in the paper: accepted, discarded (with reasons) and the discard rate. */
export function photoLogText(log: CaptureLog): string {
  const reasons = log.reasons.map((r) => `${r.reason} ${r.count}`).join(', ');
  return (
    `Photos: ${log.accepted} accepted, ${log.rejected} discarded, ${log.duplicates} duplicate; ` +
    `discard rate ${cellLine(log.discardRate).replace(/^([\d.]+)/, '$1%')}${reasons ? ` (${reasons})` : ''}`
  );
}

/** Photo destruction rate shaped like the paper's Table 3: method × eps rows. */
export function demoPhotoTable(rows: readonly PhotoDestructionRow[]): string {
  return formatTable(
    ['method', 'eps', 'avg top-1', 'avg top-5', 'prefiltered top-1', 'prefiltered top-5'],
    rows.map((r) => [methodNames[r.method] ?? r.method, r.eps, cellLine(r.avg1), cellLine(r.avg5), cellLine(r.pre1), cellLine(r.pre5)]),
  );
}

/** The demo's photo stage: Table 3 for photos, then acceptance/discard counts per run. */
export function demoPhotoSection(p: DemoPhotoResult): string {
  const counts = formatTable(
    ['method', 'eps', 'sheets', 'photos', 'accepted', 'discarded', 'reasons'],
    p.runs.map((r) => [methodNames[r.method] ?? r.method, r.eps, r.sheets, r.photos, r.accepted, r.rejected, Object.entries(r.reasons).map(([k, v]) => `${k} ${v}`).join(', ') || '—']),
  );
  return [
    `Photo destruction rate, % (num/den) [95% CI], shaped like Kurakin et al. Table 3 — one simulated ${p.frame.width}×${p.frame.height} photo per sheet:`,
    demoPhotoTable(p.destruction),
    '',
    'Photos per run (the paper discarded 3–10% for missed QR codes):',
    counts,
    photoLogText(p.captures),
    ...(p.calibration.fit ? ['', `Printer + camera response from the calibration strips (mean of ${p.calibration.photos} photos, 0..255):`, fitText(p.calibration.fit)] : []),
    `Photo stage: ${p.seconds.toFixed(0)} s (sheets ${p.timings.sheets.toFixed(0)} s, simulate ${p.timings.simulate.toFixed(0)} s, register ${p.timings.register.toFixed(0)} s, evaluate ${p.timings.evaluate.toFixed(0)} s)`,
  ].join('\n');
}
