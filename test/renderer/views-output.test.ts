// @vitest-environment jsdom
/**
 * The Print, Capture, Evaluate and Report views against FakeBridge: empty states, sheet
 * previews, camera errors with their fix, photo import with verdicts, photo results and
 * sweep tables, and the report's files.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TINY_PNG } from '../support/fake-bridge/fake-data';
import { useAppStore } from '../../renderer/src/stores/app';
import CaptureView from '../../renderer/src/views/CaptureView.vue';
import EvaluateView from '../../renderer/src/views/EvaluateView.vue';
import PrintView from '../../renderer/src/views/PrintView.vue';
import ReportView from '../../renderer/src/views/ReportView.vue';
import { experimentWithRun, FakeBridge, finishJob, flushPromises, mountWith, sampleLayout, stubDom } from './helpers';

beforeEach(stubDom);

function layoutFiles(fake: FakeBridge, files = experimentWithRun().files): FakeBridge {
  return fake
    .handle('experiment:current', () => experimentWithRun(files))
    .handle('file:read', (req) => ({
      name: req.path.split('/').pop()!,
      mime: 'application/octet-stream',
      bytes: req.path.endsWith('.layout.json') ? new TextEncoder().encode(JSON.stringify([sampleLayout()])) : TINY_PNG,
    }));
}

describe('PrintView', () => {
  it('says what is missing when there is no finished run', async () => {
    const { wrapper } = mountWith(PrintView);
    await flushPromises();
    expect(wrapper.text()).toContain('Nothing to print yet');
    wrapper.unmount();
  });

  it('previews the sheets of the chosen run and renders new ones with the settings', async () => {
    const fake = layoutFiles(new FakeBridge());
    const app = mountWith(PrintView, fake);
    await useAppStore().init();
    await flushPromises();
    const { wrapper } = app;
    expect(wrapper.findAll('[data-testid="sheet-previews"] canvas')).toHaveLength(1);
    expect(wrapper.get('[data-testid="sheet-previews"] figcaption').text()).toContain('id ABCD1234 · 2 cells');
    await wrapper.get('#print-paper').setValue('letter');
    await wrapper.get('#print-calibration').setValue(false);
    await wrapper.get('#print-size-mode').setValue('dpi');
    await wrapper.get('#print-dpi').setValue(600);
    await wrapper.get('form').trigger('submit');
    await finishJob(fake, 'sheet', { kind: 'sheet', runId: 'run-1', files: ['sheets/fgsm-eps16.pdf', 'sheets/fgsm-eps16.layout.json'], sheets: 1, detail: { layouts: [sampleLayout(undefined, 'NEW00001')] } });
    expect(fake.callsOf('sheet:render')[0]).toMatchObject({ runId: 'run-1', paper: 'letter', calibration: false, dpi: 600, dotsPerPixel: 8 });
    expect(wrapper.get('[data-testid="sheet-previews"] figcaption').text()).toContain('NEW00001');
    await wrapper.get('[data-testid="print-save"]').trigger('click');
    await flushPromises();
    expect(wrapper.get('.notice').text()).toContain('Print it at 100 %');
    wrapper.unmount();
  });
});

describe('CaptureView', () => {
  const original = navigator.mediaDevices;
  afterEach(() => Object.defineProperty(navigator, 'mediaDevices', { value: original, configurable: true }));

  function camera(getUserMedia: () => Promise<unknown>) {
    Object.defineProperty(navigator, 'mediaDevices', {
      configurable: true,
      value: { getUserMedia: vi.fn(getUserMedia), enumerateDevices: vi.fn(async () => [{ kind: 'videoinput', deviceId: 'cam-1', label: 'USB camera' }]) },
    });
  }

  it('lists cameras and explains a refused camera with the fix', async () => {
    camera(async () => {
      throw Object.assign(new Error('Permission denied'), { name: 'NotAllowedError' });
    });
    const fake = layoutFiles(new FakeBridge());
    const { wrapper } = mountWith(CaptureView, fake);
    await useAppStore().init();
    await flushPromises();
    expect(wrapper.get('#capture-device').text()).toContain('USB camera');
    expect(wrapper.get('[data-testid="capture-status"]').text()).toBe('Camera off');
    await wrapper.get('[data-testid="camera-start"]').trigger('click');
    await flushPromises();
    const alert = wrapper.get('[role="alert"]');
    expect(alert.text()).toContain('Camera access was refused');
    expect(alert.text()).toContain('Fix: allow the camera');
    wrapper.unmount();
  });

  it('starts the camera stream at the chosen resolution', async () => {
    const track = { stop: vi.fn(), getSettings: () => ({ width: 1920, height: 1080, deviceId: 'cam-1' }) };
    camera(async () => ({ getTracks: () => [track], getVideoTracks: () => [track] }));
    HTMLMediaElement.prototype.play = vi.fn(async () => undefined);
    const fake = layoutFiles(new FakeBridge());
    const { wrapper } = mountWith(CaptureView, fake);
    await useAppStore().init();
    await flushPromises();
    await wrapper.get('#capture-resolution').setValue('1920x1080');
    await wrapper.get('[data-testid="camera-start"]').trigger('click');
    await flushPromises();
    expect(navigator.mediaDevices.getUserMedia).toHaveBeenCalledWith({ audio: false, video: { width: { ideal: 1920 }, height: { ideal: 1080 } } });
    expect(wrapper.text()).toContain('1920 × 1080');
    await wrapper.findAll('button').find((b) => b.text() === 'Stop camera')!.trigger('click');
    expect(track.stop).toHaveBeenCalled();
    wrapper.unmount();
  });

  it('imports dropped photos, skips other files, and shows each verdict with its reason', async () => {
    camera(async () => ({}));
    const fake = layoutFiles(new FakeBridge());
    const { wrapper } = mountWith(CaptureView, fake);
    await useAppStore().init();
    await flushPromises();
    const files = [new File([TINY_PNG.slice()], 'phone.png', { type: 'image/png' }), new File(['hello'], 'notes.txt', { type: 'text/plain' })];
    await wrapper.get('[data-testid="drop-zone"]').trigger('drop', { dataTransfer: { files } });
    await flushPromises();
    expect(wrapper.text()).toContain('Not PNG or JPEG, left out: notes.txt');
    expect(fake.callsOf('capture:register')[0].photos).toMatchObject([{ name: 'phone.png', source: 'file' }]);
    expect(wrapper.get('[data-testid="photo-strip"] li').attributes('data-state')).toBe('registering');
    await finishJob(fake, 'register', { kind: 'register', photos: [{ name: 'phone.png', accepted: false, reason: 'foreign-sheet: sheet 1A2B belongs to experiment 0123' }], detail: {} });
    const item = wrapper.get('[data-testid="photo-strip"] li');
    expect(item.attributes('data-state')).toBe('rejected');
    // The reason's code becomes its title (issue 22): no internal code on screen.
    expect(item.text()).toContain('The sheet belongs to another experiment: sheet 1A2B belongs to experiment 0123');
    expect(item.text()).not.toContain('foreign-sheet');
    wrapper.unmount();
  });

  it('asks for an experiment, then for sheets', async () => {
    camera(async () => ({}));
    const { wrapper } = mountWith(CaptureView);
    await flushPromises();
    expect(wrapper.text()).toContain('Open the experiment whose sheets you printed');
    wrapper.unmount();
    const second = mountWith(CaptureView, new FakeBridge().handle('experiment:current', () => experimentWithRun([])));
    await useAppStore().init();
    await flushPromises();
    expect(second.wrapper.text()).toContain('This experiment has no sheets yet');
    second.wrapper.unmount();
  });
});

describe('EvaluateView', () => {
  it('shows the destruction rate on photos and the paper-shaped tables', async () => {
    const report = {
      schemaVersion: 1,
      generatedAt: 'now',
      tables: [
        {
          id: 'table3-photo', number: 'Table 3', title: 'Destruction rate — photos (%)', channel: 'photo',
          columns: [{ key: 'avg1', label: 'top-1', group: 'Average' }, { key: 'avg5', label: 'top-5', group: 'Average' }],
          rows: [{ key: 'r', label: 'fgsm eps=16', cells: { avg1: { value: 0.25, format: 'pct', numerator: 1, denominator: 4, ci: { low: 0.0456, high: 0.6994 } }, avg5: { value: 0, format: 'pct', numerator: 0, denominator: 3 } } }],
        },
        { id: 'table3-jpeg:quality=75', number: 'Table 3', title: 'jpeg', channel: 'jpeg:quality=75', columns: [], rows: [] },
      ],
      captures: { present: true, accepted: 1, rejected: 1, duplicates: 0, discardRate: { value: 0.5, format: 'pct', numerator: 1, denominator: 2 }, reasons: [] },
      notes: ['No photos of run x.'],
    };
    const fake = new FakeBridge()
      .handle('experiment:current', () => experimentWithRun())
      .handle('file:read', () => ({ name: 'r.json', mime: 'application/json', bytes: new TextEncoder().encode(JSON.stringify(report)) }));
    const { wrapper } = mountWith(EvaluateView, fake);
    await useAppStore().init();
    await flushPromises();
    await wrapper.get('[data-testid="photo-evaluate"]').trigger('click');
    await finishJob(fake, 'report', { kind: 'report', files: ['reports/r.json'] });
    expect(wrapper.get('[data-testid="photo-destruction"]').text()).toBe('Destruction rate on photos (fgsm eps=16, average case): top-1 25.0 % (1/4) [5–70 %], top-5 0.0 % (0/3)');
    expect(wrapper.get('[data-testid="capture-log"]').text()).toContain('1 accepted, 1 rejected');
    expect(wrapper.findAll('table.report-table')).toHaveLength(1);
    expect(wrapper.get('table.report-table thead').text()).toContain('Average');
    wrapper.unmount();
  });

  it('runs the sweeps and shows a chart pair and a table per transform', async () => {
    const fake = new FakeBridge().handle('experiment:current', () => experimentWithRun());
    const { wrapper } = mountWith(EvaluateView, fake);
    await useAppStore().init();
    await flushPromises();
    await wrapper.get('#sweep-jpeg').setValue('30, 70');
    await wrapper.get('[data-testid="sweep-run"]').trigger('submit');
    await wrapper.get('form').trigger('submit');
    // Wilson 95 % for 1/2: [0.0945, 0.9055].
    const d = { numerator: 1, denominator: 2, rate: 0.5, ci: { low: 0.0945, high: 0.9055 } };
    const a = { correct: 1, total: 2, accuracy: 0.5, ci: { low: 0.0945, high: 0.9055 } };
    await finishJob(fake, 'eval', {
      kind: 'eval', runId: 'run-1', resultsFile: 'results/e.json',
      report: { selection: { mode: 'average', eligible: 2, used: 2, relPaths: [] }, digital: { clean: { top1: a, top5: a }, adversarial: { top1: a, top5: a } }, transforms: [30, 70].map((q) => ({ spec: `jpeg:quality=${q}`, id: 'jpeg', params: { quality: q }, destruction: { top1: d, top5: d }, adversarial: { top1: a, top5: a } })) },
    });
    expect(fake.callsOf('eval:run')[0].transforms).toEqual(['jpeg:quality=30,70']);
    const pair = wrapper.get('[data-transform="jpeg"]');
    expect(pair.findAll('canvas[role="img"]')).toHaveLength(2);
    expect(pair.get('canvas').attributes('aria-label')).toContain('destruction rate against quality');
    expect(pair.findAll('tbody tr')).toHaveLength(2);
    expect(pair.get('tbody tr').text()).toContain('50.0 % (1/2) [9–91 %]');
    expect(wrapper.get('[data-testid="sweep-digital"]').text()).toContain('adversarial top-1 50.0 % (1/2) [9–91 %]');
    wrapper.unmount();
  });
});

describe('ReportView', () => {
  it('exports the chosen format and offers the written file', async () => {
    const fake = new FakeBridge().handle('experiment:current', () => experimentWithRun(['reports/report-old.pdf']));
    const { wrapper } = mountWith(ReportView, fake);
    await useAppStore().init();
    await flushPromises();
    expect(wrapper.get('[data-testid="report-files"]').text()).toContain('reports/report-old.pdf');
    await wrapper.get('input[value="csv"]').setValue(true);
    await wrapper.get('form').trigger('submit');
    fake.handle('experiment:current', () => experimentWithRun(['reports/report-old.pdf', 'reports/report-new.csv']));
    await finishJob(fake, 'report', { kind: 'report', files: ['reports/report-new.csv'] });
    expect(fake.callsOf('report:export')).toEqual([{ format: 'csv' }]);
    const fresh = wrapper.get('[data-testid="report-files"] li.fresh');
    expect(fresh.text()).toContain('report-new.csv');
    await fresh.get('button').trigger('click');
    await flushPromises();
    expect(fake.callsOf('file:read').at(-1)).toEqual({ path: 'reports/report-new.csv' });
    wrapper.unmount();
  });

  it('asks for an experiment first', () => {
    const { wrapper } = mountWith(ReportView);
    expect(wrapper.text()).toContain('Open or create an experiment first');
    wrapper.unmount();
  });
});
