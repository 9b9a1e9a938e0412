/** The demo's printed tables: digital results per (method, eps), and Fig. 6-shaped sweeps. */
import type { DemoResult, DemoRun } from '../services/demo';
import { formatTable, pct } from './output';

const methodNames: Record<string, string> = { fgsm: 'fast', bim: 'basic iter.', illc: 'l.l. class' };

export function demoDigitalTable(r: DemoResult): string {
  return formatTable(
    ['method', 'eps', 'clean top-1', 'adv top-1', 'adv top-5', 'success', 'mean L∞'],
    r.runs.map((run) => [
      methodNames[run.method] ?? run.method,
      run.eps,
      pct(run.evaluation.digital.clean.top1.accuracy),
      pct(run.evaluation.digital.adversarial.top1.accuracy),
      pct(run.evaluation.digital.adversarial.top5.accuracy),
      pct(run.attack.successRate),
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
