/**
 * One valid request per channel. Typed as a mapped type over Channel, so adding a channel to the
 * contract without an example here is a compile error (and the table-driven tests cover it).
 */
import type { Channel, RequestOf } from '../../../src/contract';

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);

export const validRequests: { [K in Channel]: RequestOf<K> } = {
  'app:info': {},
  'engine:restart': {},
  'model:info': {},
  'model:load': { source: { kind: 'bundled' } },
  'model:setCard': { card: { range: '0-255', labels: ['a', 'b'] } },
  'zoo:list': {},
  'zoo:pull': { name: 'mobilenet-v2-1.0-224' },
  'images:list': { source: { kind: 'path', path: '/data/images' }, page: { offset: 0, limit: 10 } },
  'images:classify': { source: { kind: 'bundled' } },
  'attack:list': {},
  'transform:list': {},
  'attack:start': { method: 'fgsm', params: { eps: 16 }, images: { kind: 'bundled' }, limit: 4 },
  'eval:run': { runId: 'run-1', transforms: ['jpeg:quality=30'] },
  'sheet:render': { runId: 'run-1', paper: 'a4' },
  'capture:register': { photos: [{ name: 'photo.png', bytes: PNG, source: 'file' }] },
  'capture:photos': { predict: false },
  'report:export': { format: 'pdf' },
  'reproduce:run': { template: 'szegedy-cross-training', limit: 150 },
  'robustness:models': { models: [{ kind: 'loaded' }, { kind: 'defended' }, { kind: 'path', path: '/models/mine' }] },
  'robustness:suite': { models: [{ kind: 'bundled' }, { kind: 'defended' }], suite: 'standard', eps: [4, 8, 16, 25], limit: 8 },
  'robustness:run': { models: [{ kind: 'bundled' }, { kind: 'defended', which: 'hardened' }], methods: ['fgsm', 'bim'], eps: [8, 16], transforms: ['jpeg:quality=75'], photos: false, limit: 4 },
  'patch:train': { target: 'Sandal', sizes: [0.1, 0.2], steps: 20, images: { kind: 'bundled' } },
  'patch:apply': { patch: 'patches/sandal/patch-t5-s10.json', limit: 10, sample: 'stratified' },
  'patch:preview': { patch: 'patches/sandal/patch-t5-s10.json', count: 4 },
  'compute:prepare': { method: 'bim', params: { eps: 8 }, images: { kind: 'bundled' }, limit: 4, sample: 'stratified', seed: 21 },
  'compute:record': { request: { method: 'bim', params: { eps: 8 }, images: { kind: 'bundled' }, limit: 1 }, modelFingerprint: 'f'.repeat(64), backend: 'webgl', device: 'SwiftShader', adversarial: [{ relPath: 'a/0.png', width: 2, height: 2, channels: 1, data: PNG, steps: 10 }] },
  'job:list': {},
  'job:status': { jobId: 'job-1' },
  'job:cancel': { jobId: 'job-1' },
  'job:resume': { jobId: 'job-1' },
  'experiment:new': { location: { kind: 'scratch' }, name: 'first' },
  'experiment:open': { location: { kind: 'dialog' } },
  'experiment:current': {},
  'experiment:recent': {},
  'run:images': { runId: 'run-1' },
  'file:read': { path: 'sheets/fgsm-eps16.pdf' },
  'file:export': { path: 'sheets/fgsm-eps16.pdf' },
  'file:open': { path: 'sheets/fgsm-eps16.pdf' },
  'fs:list': { path: '/fake/assets/samples' },
};
