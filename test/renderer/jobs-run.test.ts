// @vitest-environment jsdom
/**
 * The two helpers every store uses: jobs.run (start a job over the bridge, follow it, resolve
 * with its typed result or reject with JobFailedError) and useAsyncAction (busy, error and last
 * result of a request that is not a job).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { ref } from 'vue';
import { ContractError } from '../../src/contract';
import { useAsyncAction } from '../../renderer/src/composables/use-async-action';
import { JobFailedError, useJobsStore } from '../../renderer/src/stores/jobs';
import type { UiError } from '../../renderer/src/lib/errors';
import { flushPromises, storeContext, stubDom } from './helpers';

beforeEach(stubDom);

describe('jobs.run', () => {
  it('starts the job, tracks it with its label, reports its progress and resolves with its typed result', async () => {
    const { fake } = storeContext();
    const jobs = useJobsStore();
    const started: string[] = [];
    const seen: number[] = [];
    const result = jobs.run('report:export', { format: 'pdf' }, { label: 'report (pdf)', onStart: (id) => started.push(id), onProgress: (p) => seen.push(p.fraction) });
    await flushPromises();
    const id = fake.lastJob('report').id;
    expect(started).toEqual([id]);
    expect(fake.callsOf('report:export')).toEqual([{ format: 'pdf' }]);
    expect(jobs.jobs[id]).toMatchObject({ kind: 'report', label: 'report (pdf)', state: 'running' });
    fake.progress(id, 0.25);
    fake.progress(id, 0.75);
    fake.completeJob(id, { result: { kind: 'report', files: ['reports/r.pdf'] } });
    const r = await result;
    expect(r.files).toEqual(['reports/r.pdf']); // typed: JobResultOf<'report'>
    expect(seen).toEqual([0.25, 0.75]);
    fake.progress(id, 0.9); // after the end: no longer reported
    expect(seen).toEqual([0.25, 0.75]);
    expect(jobs.jobs[id].state).toBe('done');
  });

  it('rejects with a JobFailedError carrying the job and the engine’s code, message and hint', async () => {
    const { fake } = storeContext();
    const jobs = useJobsStore();
    const ended: string[] = [];
    const result = jobs.run('eval:run', { runId: 'r' }, { what: 'the evaluation', onEnd: (j) => ended.push(j.state) });
    await flushPromises();
    const id = fake.lastJob('eval').id;
    fake.completeJob(id, { state: 'error', error: { code: 'no-model', message: 'no model is loaded', hint: 'load one (Model view)' } });
    const e = await result.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(JobFailedError);
    expect(e).toBeInstanceOf(ContractError);
    expect(e).toMatchObject({ code: 'no-model', message: 'no model is loaded', hint: 'load one (Model view)', job: { id, state: 'error' } });
    expect(ended).toEqual(['error']);
  });

  it('a cancelled job rejects with code cancelled; a job that ends without an error says how it ended', async () => {
    const { fake } = storeContext();
    const jobs = useJobsStore();
    const cancelled = jobs.run('sheet:render', { runId: 'r' }).catch((x: unknown) => x);
    await flushPromises();
    expect(await jobs.cancel(fake.lastJob('sheet').id)).toBeNull();
    expect(await cancelled).toMatchObject({ code: 'cancelled', job: { state: 'cancelled' } });

    const odd = jobs.run('sheet:render', { runId: 'r' }, { what: 'rendering' }).catch((x: unknown) => x);
    await flushPromises();
    // done, but with another kind's result: not what sheet:render promises
    fake.completeJob(fake.lastJob('sheet').id, { result: { kind: 'report', files: [] } });
    expect(await odd).toMatchObject({ code: 'internal', message: 'rendering ended: done' });
  });

  it('rejects with the bridge’s own error when the job never starts, and tracks nothing', async () => {
    const { fake } = storeContext(undefined);
    fake.fail('attack:start', { code: 'no-model', message: 'load a model first' });
    const jobs = useJobsStore();
    const e = await jobs.run('attack:start', { method: 'fgsm', images: { kind: 'bundled' } }).catch((x: unknown) => x);
    expect(e).not.toBeInstanceOf(JobFailedError);
    expect(e).toMatchObject({ code: 'no-model', message: 'load a model first' });
    expect(jobs.jobs).toEqual({});
  });
});

describe('useAsyncAction', () => {
  it('is busy while the request runs, keeps the result, and resolves true', async () => {
    let release!: (v: number) => void;
    const action = useAsyncAction((n: number) => new Promise<number>((r) => (release = (v) => r(v * n))));
    const done = action.run(2);
    expect(action.busy.value).toBe(true);
    release(21);
    expect(await done).toBe(true);
    expect(action.busy.value).toBe(false);
    expect(action.lastResult.value).toBe(42);
    expect(action.error.value).toBeNull();
  });

  it('shows a failure with its hint, clears it on the next run, and ignores a cancelled dialog', async () => {
    const shared = ref<UiError | null>(null);
    let fail: ContractError | null = new ContractError('bad-model', 'not a TF.js model', 'choose the folder with model.json');
    const action = useAsyncAction(async () => {
      if (fail) throw fail;
      return 'ok';
    }, { error: shared });
    expect(await action.run()).toBe(false);
    expect(shared.value).toEqual({ code: 'bad-model', message: 'not a TF.js model', hint: 'choose the folder with model.json' });
    expect(action.error).toBe(shared);
    fail = new ContractError('cancelled', 'the dialog was cancelled');
    expect(await action.run()).toBe(false);
    expect(shared.value).toBeNull();
    fail = null;
    expect(await action.run()).toBe(true);
    expect(action.lastResult.value).toBe('ok');
  });
});
