/**
 * Canned responses for FakeBridge: a small, plausible workbench state (the bundled Fashion-MNIST
 * model, a few sample images, two attacks, one transform) so component tests render something
 * real without an engine. Tests override any channel with FakeBridge.handle().
 */
import { base64ToBytes, type AttackInfo, type ExperimentDto, type ModelInfo, type TransformInfo } from '../../../src/contract';

/** A valid 2×2 RGB PNG. */
export const TINY_PNG = base64ToBytes(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAACXBIWXMAAAPoAAAD6AG1e1JrAAAAFklEQVQImWNoaGg4YWPDYHPCxsbmBAAmDgVBokVI4wAAAABJRU5ErkJggg==',
);

export const FAKE_LABELS = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

export function fakeModel(): ModelInfo {
  return {
    name: 'fashion-cnn',
    description: 'Small CNN on Fashion-MNIST (fake)',
    source: 'bundled',
    dir: '/fake/assets/models/fashion-cnn',
    format: 'layers',
    fingerprint: 'f'.repeat(64),
    labels: [...FAKE_LABELS],
    input: { height: 28, width: 28, channels: 1 },
    range: '0-1',
    assumptions: [],
    cardEdited: false,
    backend: { name: 'wasm', reason: 'WebAssembly with SIMD (fake)', simd: true, threads: 1 },
  };
}

export function fakeImages(n = 6) {
  return Array.from({ length: n }, (_, i) => ({
    relPath: `${FAKE_LABELS[i % 10]}/${String(i).padStart(5, '0')}.png`,
    label: i % 10,
    labelName: FAKE_LABELS[i % 10],
    width: 2,
    height: 2,
    png: TINY_PNG,
  }));
}

const epsSchema = { type: 'number', minimum: 0, maximum: 255, default: 16, description: 'L∞ radius on the 0..255 intensity scale' };

export function fakeAttacks(): AttackInfo[] {
  return [
    {
      id: 'fgsm',
      title: 'Fast gradient sign (FGSM)',
      paper: 'Goodfellow, Shlens & Szegedy 2014, arXiv 1412.6572',
      norm: 'linf',
      summary: 'One step of size eps along the sign of the loss gradient.',
      params: { type: 'object', properties: { eps: epsSchema }, additionalProperties: false },
      defaults: { eps: 16, target: 'untargeted' },
    },
    {
      id: 'bim',
      title: 'Basic iterative method (BIM)',
      paper: 'Kurakin, Goodfellow & Bengio 2016, arXiv 1607.02533',
      norm: 'linf',
      summary: 'Repeated small sign steps, clipped to the eps ball.',
      params: {
        type: 'object',
        properties: { eps: epsSchema, alpha: { type: 'number', exclusiveMinimum: 0, maximum: 255, default: 1 }, iterations: { type: 'integer', minimum: 0, maximum: 10000 } },
        additionalProperties: false,
      },
      defaults: { eps: 16, alpha: 1, target: 'untargeted' },
    },
  ];
}

export function fakeTransforms(): TransformInfo[] {
  return [
    {
      id: 'jpeg',
      title: 'JPEG compression',
      sweepParam: 'quality',
      paperRange: { min: 10, max: 100 },
      sweep: [10, 30, 50, 70, 90],
      differentiable: false,
      params: { type: 'object', properties: { quality: { type: 'integer', minimum: 1, maximum: 100, default: 75 } }, additionalProperties: false },
      defaults: { quality: 75 },
    },
  ];
}

export function fakeExperiment(dir = '/fake/experiments/demo'): ExperimentDto {
  return { dir, exists: true, id: '00000000-0000-4000-8000-000000000000', name: 'demo', createdAt: '2026-01-01T00:00:00.000Z', images: 0, runs: [], files: [] };
}
