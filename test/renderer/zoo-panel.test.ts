// @vitest-environment jsdom
/**
 * The zoo in the Model view: the catalogue with download states, Pull on one model starts a
 * zoo:pull job whose progress shows, and the pulled model is the loaded one when the job is
 * done; a pull another job kept from loading says so; a failed pull shows its error.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import ModelView from '../../renderer/src/views/ModelView.vue';
import { fakeModel } from '../support/fake-bridge/fake-data';
import { FakeBridge, finishJob, flushPromises, mountWith, stubDom } from './helpers';

beforeEach(stubDom);

const pulled = { ...fakeModel(), name: 'MobileNet V2 1.0 224', source: 'folder' as const, dir: '/fake/data/models/mobilenet-v2-1.0-224' };

async function open(fake = new FakeBridge()) {
  const { wrapper } = mountWith(ModelView, fake);
  await flushPromises();
  const panel = () => wrapper.get('[data-testid="zoo-panel"]');
  const row = (name: string) => panel().get(`tr[data-zoo="${name}"]`);
  return { wrapper, fake, panel, row };
}

describe('Model view: the zoo', () => {
  it('lists the catalogue, pulls one model with progress, and shows it loaded', async () => {
    const { wrapper, fake, panel, row } = await open();
    expect(panel().findAll('tbody tr')).toHaveLength(3);
    expect(row('mobilenet-v1-1.0-224').text()).toContain('downloaded');
    expect(row('mobilenet-v1-1.0-224').get('button').text()).toBe('Verify and load');
    expect(row('inception-v3').get('button').text()).toBe('Resume pull');
    expect(row('mobilenet-v2-1.0-224').text()).toContain('224×224×3, 1001 classes');
    await row('mobilenet-v2-1.0-224').get('button').trigger('click');
    await flushPromises();
    expect(fake.callsOf('zoo:pull')).toEqual([{ name: 'mobilenet-v2-1.0-224' }]);
    fake.progress(fake.lastJob('zoo').id, 0.4, 'MobileNet V2 1.0 224: 5.4 MiB of 13.5 MiB (file 2/4)');
    await flushPromises();
    expect(panel().get('[data-testid="job-progress"]').text()).toContain('5.4 MiB of 13.5 MiB');
    expect(row('mobilenet-v2-1.0-224').get('button').text()).toBe('Pulling…');
    expect(panel().findAll('tbody button').every((b) => b.attributes('disabled') !== undefined)).toBe(true);
    await finishJob(fake, 'zoo', { kind: 'zoo', name: 'mobilenet-v2-1.0-224', dir: pulled.dir, upToDate: false, model: pulled });
    expect(wrapper.get('[data-testid="model-info"]').text()).toContain('MobileNet V2 1.0 224');
    expect(fake.callsOf('zoo:list').length).toBeGreaterThanOrEqual(2); // states refreshed after the pull
    expect(panel().findAll('tbody button').every((b) => b.attributes('disabled') === undefined)).toBe(true);
    wrapper.unmount();
  });

  it('a pull another job kept from loading names the folder; a failed pull shows its error', async () => {
    const { wrapper, fake, panel, row } = await open();
    await row('inception-v3').get('button').trigger('click');
    await finishJob(fake, 'zoo', { kind: 'zoo', name: 'inception-v3', dir: '/fake/data/models/inception-v3', upToDate: false, model: null });
    expect(panel().text()).toContain('Pulled into /fake/data/models/inception-v3; another job was running');
    expect(wrapper.find('[data-testid="model-info"]').exists()).toBe(false);
    await row('inception-v3').get('button').trigger('click');
    await flushPromises();
    fake.completeJob(fake.lastJob('zoo').id, { state: 'error', error: { code: 'io', message: 'https://tfhub.dev/inception_v3/model.json: socket hang up', hint: 'pull again (printshot models pull, or Pull in the Model view): it resumes from where it stopped' } });
    await flushPromises();
    await flushPromises();
    expect(panel().text()).toContain('socket hang up');
    wrapper.unmount();
  });
});
