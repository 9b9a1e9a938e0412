/**
 * Channel fit: photos simulated through a known, non-default channel profile (non-identity colour
 * matrix, per-channel gamma, a PSF wider than the default camera's) are fitted back to it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { fitChannel, measurePatches, sampleCell, type CellPair } from '../../../src/calibration';
import { estimateJpegQuality } from '../../../src/calibration/channel-jpeg';
import { selectBackend } from '../../../src/model/backend';
import { createRng } from '../../../src/shared';
import { DEFAULT_PROFILE_SIMULATE, simulateProfilePhoto } from '../../../src/simulate/profile-adapter';
import { encodeJpeg } from '../../../src/transforms';
import { KNOWN, testCell, testSheet } from '../../fixtures/channel';

beforeAll(async () => {
  await selectBackend({ prefer: 'wasm' });
});

describe('fitChannel on photos simulated through a known profile', () => {
  it('recovers the colour matrix within 0.05 and the PSF sigma within 20 %', async () => {
    const { sheet, cells } = await testSheet('5a1e0c9d-7b1f-4d2e-8c3a-0123456789ab');
    const pairs: CellPair[] = [];
    const patches = [];
    const rng = createRng('channel-fit');
    for (let k = 0; k < 2; k++) {
      const sim = await simulateProfilePhoto(sheet, cells, KNOWN, { ...DEFAULT_PROFILE_SIMULATE, frame: { width: 1920, height: 1080 } }, rng.fork());
      for (const cell of sheet.cells) pairs.push({ digital: cells.get(cell.index)!, photo: sampleCell(sim.photo, sim.truth.homography, cell) });
      patches.push(...measurePatches(sim.photo, sim.truth.homography, sheet.calibration!));
    }
    const fit = fitChannel({ cells: pairs, patches, jpegQuality: null });
    fit.matrix.forEach((row, r) => row.forEach((v, c) => expect(Math.abs(v - KNOWN.matrix[r][c])).toBeLessThan(0.05)));
    expect(Math.abs(fit.blurSigma / KNOWN.blurSigma - 1)).toBeLessThan(0.2);
    // The blur explains part of the residual: fitting without it is clearly worse.
    fit.residuals.cells.forEach((v, c) => expect(v).toBeLessThan(fit.residuals.cellsUnblurred[c]));
  }, 120_000);
});

describe('estimateJpegQuality', () => {
  it('reads the IJG quality back from the quantisation tables', async () => {
    const img = testCell('jpeg', 16);
    for (const q of [50, 75, 90, 97]) expect(estimateJpegQuality(await encodeJpeg(img, q))).toBe(q);
    expect(estimateJpegQuality(Uint8Array.of(0x89, 0x50, 0x4e, 0x47))).toBeNull();
  });
});
