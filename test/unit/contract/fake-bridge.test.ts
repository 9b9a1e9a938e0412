/**
 * FakeBridge answers every channel like the real routes would (or with the same
 * 'not-available' error), validates requests against the contract, and drives job events.
 */
import { describe, expect, it } from 'vitest';
import { CHANNELS, contract, type Channel } from '../../../src/contract';
import { FakeBridge } from '../../support/fake-bridge/fake';
import { validRequests } from './examples';

describe('FakeBridge', () => {
  it('answers every channel with a response that matches the contract', async () => {
    const fake = new FakeBridge();
    await fake.call('attack:start', validRequests['attack:start']); // so job channels have a job
    for (const channel of CHANNELS) {
      const req = channel.startsWith('job:') && channel !== 'job:list' ? { jobId: 'job-1' } : validRequests[channel];
      try {
        const res = await fake.call(channel as Channel, req as never);
        expect(contract[channel].response.safeParse(res).success, channel).toBe(true);
      } catch (e) {
        expect((e as { code?: string }).code, channel).toBe('not-available');
      }
    }
  });

  it('rejects malformed requests like main does, and records valid ones', async () => {
    const fake = new FakeBridge();
    await expect(fake.call('model:load', { source: { kind: 'nope' } } as never)).rejects.toMatchObject({ code: 'bad-request' });
    await fake.call('model:load', { source: { kind: 'bundled' } });
    expect(fake.callsOf('model:load')).toEqual([{ source: { kind: 'bundled' } }]);
  });

  it('drives a job: progress, done, cancel, and can be told to fail a channel', async () => {
    const fake = new FakeBridge();
    const seen: string[] = [];
    fake.on('job:progress', (p) => seen.push(`progress ${p.progress.fraction}`));
    fake.on('job:done', (p) => seen.push(`done ${p.job.state}`));
    fake.on('job:error', (p) => seen.push(`error ${p.job.state}`));
    const a = await fake.call('attack:start', validRequests['attack:start']);
    fake.progress(a.jobId, 0.5);
    fake.completeJob(a.jobId, { result: { kind: 'report', files: [] } });
    const b = await fake.call('attack:start', validRequests['attack:start']);
    expect((await fake.call('job:cancel', { jobId: b.jobId })).state).toBe('cancelled');
    expect(seen).toEqual(['progress 0.5', 'done done', 'error cancelled']);
    fake.fail('model:info', { code: 'engine-down', message: 'the engine has stopped', hint: 'restart it' });
    await expect(fake.call('model:info', {})).rejects.toMatchObject({ code: 'engine-down', hint: 'restart it' });
  });
});
