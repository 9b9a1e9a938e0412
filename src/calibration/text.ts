/** Plain-text tables of a calibration record: nominal vs measured per patch, and the fitted response. */
import type { CalibrationRecord } from './record';
import { PATCH_FOOTPRINT, type ResponseFit } from './measure';

function table(header: string[], rows: string[][]): string {
  const cells = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const rgb = (v: readonly number[], digits = 0) => v.map((x) => x.toFixed(digits)).join(', ');

export function fitText(fit: ResponseFit): string {
  return [
    table(
      ['channel', 'gain', 'offset', 'rmse', 'black', 'white', 'gamma', 'rmse'],
      fit.channels.map((c) => [
        c.channel,
        c.linear.gain.toFixed(3),
        c.linear.offset.toFixed(1),
        c.linear.rmse.toFixed(1),
        c.gamma.black.toFixed(1),
        c.gamma.white.toFixed(1),
        c.gamma.gamma.toFixed(3),
        c.gamma.rmse.toFixed(1),
      ]),
    ),
    `white balance (white patch / mean): ${rgb(fit.whiteBalance.map((v) => v), 3)}  (fits on ${fit.greys} grey patches; linear: measured = gain·nominal + offset; gamma: black + (white − black)·(nominal/255)^γ)`,
  ].join('\n');
}

export function calibrationText(r: CalibrationRecord): string {
  return [
    `Calibration of photo ${r.photo.id} (sheet ${r.sheetId}), central ${Math.round(PATCH_FOOTPRINT * 100)}% of each patch:`,
    table(
      ['patch', 'nominal RGB', 'measured RGB', 'sd', 'samples'],
      r.patches.map((p) => [String(p.index), rgb(p.nominal), rgb(p.measured, 1), rgb(p.sd, 1), String(p.samples)]),
    ),
    fitText(r.fit),
  ].join('\n');
}
