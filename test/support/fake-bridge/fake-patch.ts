/** A patch training as FakeBridge reports it: two sizes, with their histories and held-out evaluations. */
import type { PatchPreviewDto, PatchReportDto } from '../../../src/contract';
import { TINY_PNG } from './fake-data';

const rate = (count: number, total: number, low: number, high: number) => ({ count, total, rate: count / total, ci: { low, high } });

export function fakePatchReport(target: { index: number | null; name: string } = { index: 5, name: 'Sandal' }): PatchReportDto {
  const history = (n: number, end: number, lossEnd: number) => Array.from({ length: n }, (_, k) => ({ loss: 2.5 - ((2.5 - lossEnd) * (k + 1)) / n, success: Math.min(1, (end * (k + 1)) / n) }));
  const slug = target.index === null ? 'untargeted' : `t${target.index}`;
  return {
    schemaVersion: 1,
    dir: 'patches/sandal-0123456789',
    model: 'fashion-cnn',
    images: 'samples',
    target,
    channel: 'default',
    palette: { source: 'default', colours: 5 },
    train: 150,
    heldOut: 50,
    params: { steps: 20, batch: 16, lr: 0.03, npsWeight: 0.1, tvWeight: 0.05, holdout: 0.25, draws: 5, seed: 0 },
    patches: [
      { size: 0.1, png: `patches/sandal-0123456789/patch-${slug}-s10.png`, json: `patches/sandal-0123456789/patch-${slug}-s10.json`, patchPx: 9, sidePx: 8.85, finalLoss: 0.6, history: history(20, 0.5, 0.6), evaluation: { counts: 'predictions of the target class 5, among (image not of the target class, placement) pairs', success: rate(90, 225, 0.338, 0.465), images: 45, draws: 5, cleanAccuracy: rate(44, 50, 0.762, 0.944) } },
      { size: 0.2, png: `patches/sandal-0123456789/patch-${slug}-s20.png`, json: `patches/sandal-0123456789/patch-${slug}-s20.json`, patchPx: 13, sidePx: 12.52, finalLoss: 0.2, history: history(20, 0.9, 0.2), evaluation: { counts: 'predictions of the target class 5, among (image not of the target class, placement) pairs', success: rate(190, 225, 0.793, 0.884), images: 45, draws: 5, cleanAccuracy: rate(44, 50, 0.762, 0.944) } },
    ],
  };
}

export function fakePatchPreview(count: number): PatchPreviewDto {
  return {
    target: { index: 5, name: 'Sandal' },
    items: Array.from({ length: count }, (_, i) => ({ bytes: TINY_PNG, label: i % 2 ? 'Trouser' : 'Bag', clean: { name: i % 2 ? 'Trouser' : 'Bag', p: 0.9 }, patched: { name: i < 2 ? 'Sandal' : 'Bag', p: 0.7 }, hit: i < 2 })),
  };
}
