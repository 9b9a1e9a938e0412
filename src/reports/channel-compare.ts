/**
 * Simulation against capture (issue 17 §3), as stored by `printshot channel compare`
 * (src/services/channel-compare.ts) in EXP/channel/compare.json and shown by the report: for every
 * photographed run, three top-1 destruction rates (Kurakin Eq. 1) side by side, each with its
 * count and 95 % Wilson interval,
 *
 *   photographed   the registered crops of the real photos
 *   profile        the same sheets simulated through the fitted channel profile, same poses
 *   default        the same sheets simulated through the default print-and-camera channel
 *
 * and the gap of each simulation to the photographed rate, in points. The report reads the
 * stored file (simulating every photo again would make every report cost minutes) and says when
 * the capture log or the profile changed since it was computed.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { resolveInExperiment, sha256 } from '../workspace';
import { CAPTURES_FILE } from './captures';
import { cellText, ciText, countText, ratioCell, valueCell } from './stats';
import type { ReportTable, TableRow } from './types';

export const CHANNEL_COMPARE_FILE = 'channel/compare.json';

const RateSchema = z.object({
  numerator: z.number().int().nonnegative(),
  denominator: z.number().int().nonnegative(),
  rate: z.number().nullable(),
  ci: z.object({ low: z.number(), high: z.number() }).nullable(),
});

const RowSchema = z.object({
  run: z.string(),
  label: z.string(),
  method: z.string().optional(),
  eps: z.number().optional(),
  /** Accepted photos holding cells of this run. */
  photos: z.number().int().nonnegative(),
  photographed: RateSchema,
  profile: RateSchema,
  default: RateSchema,
  /** profile − photographed and default − photographed, in percentage points; null when a rate is undefined. */
  gapProfile: z.number().nullable(),
  gapDefault: z.number().nullable(),
});

export const ChannelComparisonSchema = z.object({
  schemaVersion: z.literal(1),
  computedAt: z.string(),
  seed: z.string(),
  /** The profile file: relative to the experiment when inside it, else absolute. */
  profile: z.object({ file: z.string(), sha256: z.string(), photos: z.number().int().nonnegative() }),
  /** sha256 of captures/captures.json when computed: a later registration makes the comparison stale. */
  capturesSha256: z.string().nullable(),
  /**
   * Where each simulated photo's pose came from: the registered photo's homography (the same
   * pose as the real photo), or the simulator's pose draw seeded by (seed, photo id).
   */
  poses: z.object({ registered: z.number().int().nonnegative(), drawn: z.number().int().nonnegative() }),
  rows: z.array(RowSchema),
  /** All runs pooled. */
  total: RowSchema,
});

export type ChannelComparison = z.infer<typeof ChannelComparisonSchema>;
export type ChannelCompareRow = z.infer<typeof RowSchema>;
export type CompareRate = z.infer<typeof RateSchema>;

export function gapPoints(sim: CompareRate, photo: CompareRate): number | null {
  return sim.rate === null || photo.rate === null ? null : Math.round((sim.rate - photo.rate) * 1000) / 10;
}

export function posesText(c: ChannelComparison): string {
  const { registered, drawn } = c.poses;
  if (!drawn) return `the registered photos' homographies (${registered} photo(s))`;
  if (!registered) return `the simulator's pose draw, seed ${c.seed} (${drawn} photo(s); no homography recorded)`;
  return `the registered homographies for ${registered} photo(s), the simulator's pose draw (seed ${c.seed}) for ${drawn}`;
}

/** The stored comparison, with why it may be out of date; null when absent or unreadable. */
export async function readChannelComparison(dir: string): Promise<{ comparison: ChannelComparison; stale: string[] } | null> {
  let comparison: ChannelComparison;
  try {
    comparison = ChannelComparisonSchema.parse(JSON.parse(await readFile(resolveInExperiment(dir, CHANNEL_COMPARE_FILE), 'utf8')));
  } catch {
    return null;
  }
  const stale: string[] = [];
  const captures = await readFile(resolveInExperiment(dir, CAPTURES_FILE)).catch(() => null);
  if ((captures ? sha256(captures) : null) !== comparison.capturesSha256) stale.push('photos were registered or removed since');
  const file = comparison.profile.file;
  const profile = await readFile(isAbsolute(file) ? file : resolveInExperiment(dir, file)).catch(() => null);
  if (!profile || sha256(profile) !== comparison.profile.sha256) stale.push(`the profile ${comparison.profile.file} changed or is gone`);
  return { comparison, stale };
}

/** The comparison as a report table (HTML, PDF and CSV render it like Tables 1–3). */
export function channelCompareTable(c: ChannelComparison, stale: readonly string[] = []): ReportTable {
  const rate = (r: CompareRate) => ratioCell(r.numerator, r.denominator);
  const gap = (v: number | null) => valueCell(v, 'num');
  const row = (r: ChannelCompareRow, key: string): TableRow => ({
    key,
    label: r.label,
    ...(r.method !== undefined && { run: r.run, method: r.method, eps: r.eps }),
    cells: { photo: rate(r.photographed), profile: rate(r.profile), default: rate(r.default), gapProfile: gap(r.gapProfile), gapDefault: gap(r.gapDefault) },
  });
  return {
    id: 'channel-compare',
    number: 'Simulation vs capture',
    title: 'Destruction rate (top-1): photographed, simulated through the fitted profile, simulated through the default channel (%)',
    columns: [
      { key: 'photo', label: 'photographed', group: 'Destruction rate' },
      { key: 'profile', label: 'fitted profile', group: 'Destruction rate' },
      { key: 'default', label: 'default channel', group: 'Destruction rate' },
      { key: 'gapProfile', label: 'profile', group: 'Gap (points)' },
      { key: 'gapDefault', label: 'default', group: 'Gap (points)' },
    ],
    rows: [...c.rows.map((r) => row(r, r.run)), row(c.total, 'all')],
    note:
      `Kurakin Eq. (1) over every accepted photo (repeat shots included); the simulated photos are the same sheets, posed by ${posesText(c)}, ` +
      `then cropped with the same homography. Profile ${c.profile.file} (fitted from ${c.profile.photos} photo(s)); computed ${c.computedAt} by printshot channel compare.` +
      (stale.length ? ` Out of date: ${stale.join('; ')} — rerun printshot channel compare.` : ''),
  };
}

/** The CLI's table: one line per run, then all runs pooled. */
export function channelCompareText(c: ChannelComparison): string[] {
  const t = (r: CompareRate) => {
    const cell = ratioCell(r.numerator, r.denominator);
    return (cell.value === null ? '—' : `${cellText(cell)}% ${countText(cell)} ${ciText(cell)}`).padEnd(26);
  };
  const g = (v: number | null) => (v === null ? '—' : `${v > 0 ? '+' : ''}${v.toFixed(1)}`).padStart(7);
  const rows = [...c.rows, c.total];
  const w = Math.max(8, ...rows.map((r) => r.label.length));
  return [
    'Destruction rate (top-1, Kurakin Eq. 1): photographed vs simulated, same sheets and poses',
    `${'run'.padEnd(w)}  ${'photographed'.padEnd(26)}${'fitted profile'.padEnd(26)}${'default channel'.padEnd(26)}${'gap prof'.padStart(8)}${'gap dflt'.padStart(9)}`,
    ...rows.map((r) => `${r.label.padEnd(w)}  ${t(r.photographed)}${t(r.profile)}${t(r.default)}${g(r.gapProfile)} ${g(r.gapDefault)}`),
    `poses: ${posesText(c)}; profile ${c.profile.file}; gaps in points (simulated − photographed)`,
  ];
}
