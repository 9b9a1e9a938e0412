/** Number formatting shared by the views (percentages, durations, norms, sizes). */

export function pct(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined || Number.isNaN(x) ? '—' : `${(100 * x).toFixed(digits)} %`;
}

/** A rate with its counts, as the paper's tables give them: "33.3 % (1/3)". */
export function rate(numerator: number, denominator: number): string {
  return denominator > 0 ? `${pct(numerator / denominator)} (${numerator}/${denominator})` : '— (0/0)';
}

/** A 95 % interval as whole percents: "[38–96 %]"; empty when there is none. */
export function interval(ci: { low: number; high: number } | null | undefined): string {
  return ci ? `[${(100 * ci.low).toFixed(0)}–${(100 * ci.high).toFixed(0)} %]` : '';
}

/** A rate with its counts and 95 % Wilson interval: "80.0 % (4/5) [38–96 %]". */
export function rateWithCi(r: { count: number; total: number; rate: number | null; ci: { low: number; high: number } | null } | null | undefined): string {
  if (!r) return '—';
  return `${rate(r.count, r.total)} ${interval(r.ci)}`.trim();
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

export function num(x: number | null | undefined, digits = 2): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits);
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** The last path segment ('/' or '\\' separated). */
export function basename(p: string): string {
  return p.split(/[\\/]/).filter(Boolean).pop() ?? p;
}

/** "2, 4, 8 16" → [2, 4, 8, 16]; null when any entry is not a number. */
export function parseNumberList(text: string): number[] | null {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  if (parts.length === 0) return [];
  const values = parts.map(Number);
  return values.every((v) => Number.isFinite(v)) ? values : null;
}
