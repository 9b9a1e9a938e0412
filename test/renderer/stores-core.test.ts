// @vitest-environment jsdom
/**
 * The app, model, images and jobs stores against FakeBridge: what they request, what they keep,
 * and how errors (with their hints) and engine events land.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { ContractError } from '../../src/contract';
import { useAppStore } from '../../renderer/src/stores/app';
import { useImagesStore } from '../../renderer/src/stores/images';
import { useJobsStore } from '../../renderer/src/stores/jobs';
import { useModelStore } from '../../renderer/src/stores/model';
import { FakeBridge, flushPromises, storeContext, stubDom } from './helpers';

beforeEach(stubDom);

describe('app store', () => {
  it('reads app info, the open experiment and the recent list', async () => {
    const { fake } = storeContext(new FakeBridge().handle('experiment:recent', () => [{ dir: '/x', name: 'x', openedAt: '2026-01-01' }]));
    const app = useAppStore();
    await app.init();
    expect(app.info?.mode).toBe('serve');
    expect(app.nativeDialogs).toBe(false);
    expect(app.experiment).toBeNull();
    expect(app.recent).toHaveLength(1);
    expect(fake.callsOf('app:info')).toHaveLength(1);
  });

  it('shows an engine crash and restarts the engine', async () => {
    const { fake } = storeContext();
    const app = useAppStore();
    await app.init();
    fake.emit('engine:crashed', { reason: 'exit code 134', exitCode: 134, interrupted: ['job-1'], restartable: true });
    expect(app.engineDown).toMatchObject({ reason: 'exit code 134', interrupted: ['job-1'] });
    await app.restartEngine();
    expect(fake.callsOf('engine:restart')).toHaveLength(1);
    expect(app.engineDown).toBeNull();
  });

  it('creates a scratch experiment, opens a typed path, and keeps a cancelled dialog quiet', async () => {
    const { fake } = storeContext();
    const app = useAppStore();
    expect(await app.newExperiment()).toBe(true);
    expect(fake.callsOf('experiment:new')).toEqual([{ location: { kind: 'scratch' } }]);
    expect(await app.openExperiment({ kind: 'path', path: '/data/exp' })).toBe(true);
    expect(app.experiment?.dir).toBe('/data/exp');
    fake.fail('experiment:open', { code: 'cancelled', message: 'no folder was chosen' });
    expect(await app.openExperiment({ kind: 'dialog' })).toBe(false);
    expect(app.error).toBeNull();
    fake.fail('experiment:new', { code: 'no-model', message: 'no model is loaded', hint: 'load the bundled model first' });
    await app.newExperiment();
    expect(app.error).toEqual({ code: 'no-model', message: 'no model is loaded', hint: 'load the bundled model first' });
  });
});

describe('model store', () => {
  it('loads a model, applies a card edit, and tests one sample per class', async () => {
    const { fake } = storeContext();
    const model = useModelStore();
    await model.refresh();
    expect(model.info).toBeNull();
    expect(await model.load({ kind: 'bundled' })).toBe(true);
    expect(model.info?.name).toBe('fashion-cnn');
    expect(await model.setCard({ range: '-1-1' })).toBe(true);
    expect(model.info).toMatchObject({ range: '-1-1', cardEdited: true });
    await model.testOnSamples();
    // The fake's six images are of six classes: one each.
    expect(model.samples.map((s) => s.image.label)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(model.samples[0]).toMatchObject({ correct: true, top: [{ label: 0, prob: 0.9 }] });
    expect(fake.callsOf('images:classify')[0]).toEqual({ source: { kind: 'bundled' }, page: { offset: 0, limit: 200 } });
  });

  it('keeps load, card and test errors apart', async () => {
    const fake = new FakeBridge()
      .fail('model:load', { code: 'bad-model', message: 'model.json not found', hint: 'choose a TF.js folder' })
      .fail('model:setCard', { code: 'bad-request', message: 'labels: too few' });
    storeContext(fake);
    const model = useModelStore();
    expect(await model.load({ kind: 'path', path: '/nope' })).toBe(false);
    expect(model.error).toMatchObject({ message: 'model.json not found', hint: 'choose a TF.js folder' });
    await model.setCard({ labels: ['a', 'b'] });
    expect(model.cardError?.message).toBe('labels: too few');
    expect(model.error?.code).toBe('bad-model');
  });
});

describe('images store', () => {
  it('lists a page, resolves a dialog to its folder, classifies and pages', async () => {
    const { fake } = storeContext(new FakeBridge().handle('images:list', () => ({ root: '/picked', total: 90, labels: ['a', 'b'], items: [] })));
    const images = useImagesStore();
    await images.list({ kind: 'dialog' });
    expect(images.source).toEqual({ kind: 'path', path: '/picked' });
    expect(images.pages).toBe(3);
    await images.goTo(2);
    expect(fake.callsOf('images:list').at(-1)).toEqual({ source: { kind: 'path', path: '/picked' }, page: { offset: 40, limit: 40 } });
    expect(images.page).toBe(2);
    await images.classify();
    expect(images.accuracy?.top1.total).toBe(6);
  });

  it('shows a folder error with its fix', async () => {
    storeContext(new FakeBridge().fail('images:list', { code: 'bad-dataset', message: 'no images found', hint: 'use class sub-folders or a labels.csv' }));
    const images = useImagesStore();
    expect(await images.list({ kind: 'path', path: '/empty' })).toBe(false);
    expect(images.error?.hint).toBe('use class sub-folders or a labels.csv');
  });
});

describe('jobs store', () => {
  it('follows progress and resolves when the job is done', async () => {
    const { fake } = storeContext();
    const jobs = useJobsStore();
    const { jobId } = await fake.call('attack:start', { method: 'fgsm', images: { kind: 'bundled' } });
    jobs.track(jobId, 'attack', 'fgsm eps=16');
    fake.progress(jobId, 0.5, 'step 1/2');
    expect(jobs.jobs[jobId].progress).toMatchObject({ fraction: 0.5, stage: 'step 1/2', etaMs: 500 });
    const done = jobs.wait(jobId);
    fake.completeJob(jobId, { result: { kind: 'report', files: [] } });
    expect((await done).state).toBe('done');
    expect(jobs.jobs[jobId].state).toBe('done');
  });

  it('keeps events that arrive before the page tracks the job, and polls as a fallback', async () => {
    const { fake } = storeContext();
    const jobs = useJobsStore();
    const a = await fake.call('sheet:render', { runId: 'r' });
    fake.completeJob(a.jobId, { result: { kind: 'report', files: ['x'] } });
    expect((await jobs.wait(a.jobId)).state).toBe('done');
    const b = await fake.call('eval:run', { runId: 'r' });
    fake.handle('job:status', () => ({ ...fake.lastJob('eval'), state: 'error', error: { code: 'internal', message: 'boom' } }));
    const job = await jobs.wait(b.jobId, 5);
    expect(job.error?.message).toBe('boom');
  });

  it('cancels, measures how long the cancel took, and reports a failed cancel', async () => {
    const { fake } = storeContext();
    const jobs = useJobsStore();
    const { jobId } = await fake.call('attack:start', { method: 'bim', images: { kind: 'bundled' } });
    jobs.track(jobId, 'attack');
    expect(await jobs.cancel(jobId)).toBeNull();
    await flushPromises();
    expect(jobs.jobs[jobId].state).toBe('cancelled');
    expect(jobs.jobs[jobId].cancelLatencyMs).toBeGreaterThanOrEqual(0);
    fake.handle('job:cancel', () => {
      throw new ContractError('bad-request', 'no job nope');
    });
    expect(await jobs.cancel('nope')).toMatchObject({ message: 'no job nope' });
  });

  it('marks jobs interrupted by an engine crash', async () => {
    const { fake } = storeContext();
    const jobs = useJobsStore();
    jobs.track('j1', 'attack');
    fake.emit('engine:crashed', { reason: 'killed', exitCode: null, interrupted: ['j1'], restartable: true });
    expect(jobs.jobs.j1.state).toBe('interrupted');
  });
});
