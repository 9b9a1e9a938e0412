/** A calibration record (EXPERIMENT/calibration/<photo id>.json) and the mean of several; reading and writing them is node/job.ts. */
import type { PatchMeasurement, ResponseFit } from './measure';

export const CALIBRATION_DIR = 'calibration';

export interface CalibrationRecord {
  schemaVersion: 1;
  experimentId: string;
  photo: { id: string; file: string; sha256: string };
  sheetId: string;
  /** Where the homography came from: the capture log, or a registration done for this record. */
  homographyFrom: 'captures-log' | 'registered';
  measuredAt: string;
  patches: PatchMeasurement[];
  fit: ResponseFit;
}

export interface CalibrationResult {
  /** The record's path relative to the experiment root. */
  file: string;
  record: CalibrationRecord;
}

/** Mean of several records' fits: white balance and per-channel gamma/linear parameters. */
export function meanFit(records: readonly CalibrationRecord[]): ResponseFit | null {
  if (!records.length) return null;
  const avg = (f: (r: CalibrationRecord) => number) => records.reduce((s, r) => s + f(r), 0) / records.length;
  const first = records[0].fit;
  return {
    greys: first.greys,
    whiteBalance: [0, 1, 2].map((k) => avg((r) => r.fit.whiteBalance[k])) as [number, number, number],
    channels: first.channels.map((c, k) => ({
      channel: c.channel,
      linear: { gain: avg((r) => r.fit.channels[k].linear.gain), offset: avg((r) => r.fit.channels[k].linear.offset), rmse: avg((r) => r.fit.channels[k].linear.rmse) },
      gamma: {
        black: avg((r) => r.fit.channels[k].gamma.black),
        white: avg((r) => r.fit.channels[k].gamma.white),
        gamma: avg((r) => r.fit.channels[k].gamma.gamma),
        rmse: avg((r) => r.fit.channels[k].gamma.rmse),
      },
    })),
  };
}
