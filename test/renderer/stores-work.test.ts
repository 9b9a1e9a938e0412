// @vitest-environment jsdom
/**
 * The stores that run jobs (attack, print, capture, evaluate, report) against FakeBridge: the
 * requests they build from their settings, following the job to its result, and what they keep.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { useAppStore } from '../../renderer/src/stores/app';
import { useAttackStore } from '../../renderer/src/stores/attack';
import { useCaptureStore } from '../../renderer/src/stores/capture';
import { useEvaluateStore } from '../../renderer/src/stores/evaluate';
import { usePrintStore } from '../../renderer/src/stores/print';
import { useReportStore } from '../../renderer/src/stores/report';
import { experimentWithRun, FakeBridge, finishJob, flushPromises, sampleLayout, storeContext, stubDom, EXPERIMENT_ID } from './helpers';
import { TINY_PNG } from '../support/fake-bridge/fake-data';

beforeEach(stubDom);

function withExperiment(fake = new FakeBridge()) {
  fake.handle('experiment:current', () => experimentWithRun());
  const ctx = storeContext(fake);
  return ctx;
}

const attackResult = (eps: number) => ({
  kind: 'attack' as const,
  experimentDir: '/fake/experiments/demo',
  runId: `run-${eps}`,
  runDir: `adversarial/fgsm-eps${eps}`,
  method: 'fgsm',
  eps,
  summary: { images: 8, successes: 7, successRate: 0.875, cleanTop1Correct: 5, advTop1Correct: 1, meanLinf: eps, meanL2: 300 },
});

describe('attack store', () => {
  it('builds the form from the schema and validates it', async () => {
    storeContext();
    const attack = useAttackStore();
    await attack.loadCatalogue();
    attack.method = 'bim';
    expect(attack.fields.map((f) => f.key)).toEqual(['alpha', 'iterations']);
    attack.epsList = '4, x';
    attack.limit = '0';
    attack.values.bim = { alpha: '0', iterations: '' };
    expect(attack.validate()).toBeNull();
    expect(attack.fieldErrors).toMatchObject({ eps: expect.any(String), limit: expect.any(String), alpha: 'more than 0' });
    attack.epsList = '2 4 8 16';
    attack.limit = '';
    attack.values.bim = { alpha: '1', iterations: '10' };
    expect(attack.validate()).toEqual({ eps: [2, 4, 8, 16], params: { alpha: 1, iterations: 10 }, seed: 0 });
  });

  it('runs one job per eps value, then shows the last run', async () => {
    const { fake } = withExperiment();
    fake.handle('run:images', () => ({ total: 1, labels: ['a'], items: [{ relPath: 'a/1.png', label: 0, labelName: 'a', clean: TINY_PNG, adversarial: TINY_PNG, cleanTop5: [], advTop5: [], success: true, linf: 16, l2: 3, steps: 1 }] }));
    const attack = useAttackStore();
    await attack.loadCatalogue();
    attack.epsList = '8, 16';
    attack.limit = '8';
    const done = attack.start();
    await finishJob(fake, 'attack', attackResult(8));
    expect(attack.queued).toEqual([]);
    await finishJob(fake, 'attack', attackResult(16));
    await done;
    expect(fake.callsOf('attack:start').map((r) => [r.params.eps, r.limit])).toEqual([
      [8, 8],
      [16, 8],
    ]);
    expect(attack.runId).toBe('run-16');
    expect(attack.results).toHaveLength(1);
    expect(attack.running).toBe(false);
  });

  it('cancels the running job and drops the rest of the queue', async () => {
    const { fake } = withExperiment();
    const attack = useAttackStore();
    await attack.loadCatalogue();
    attack.epsList = '2, 4';
    const done = attack.start();
    await flushPromises();
    expect(attack.running).toBe(true);
    await attack.cancel();
    await done;
    expect(attack.lastJob?.state).toBe('cancelled');
    expect(fake.callsOf('attack:start')).toHaveLength(1);
    expect(attack.error).toBeNull();
  });

  it('shows why an attack could not start', async () => {
    storeContext(new FakeBridge().fail('attack:start', { code: 'no-experiment', message: 'no experiment is open', hint: 'create a new experiment or open one first' }));
    const attack = useAttackStore();
    await attack.loadCatalogue();
    await attack.start();
    expect(attack.error).toMatchObject({ code: 'no-experiment', hint: 'create a new experiment or open one first' });
  });
});

describe('print store', () => {
  it('renders with mm or dpi settings and keeps the layouts and cell images', async () => {
    const { fake } = withExperiment();
    await useAppStore().init();
    const print = usePrintStore();
    expect(await print.render()).toBe(false);
    expect(print.error?.message).toContain('choose the attack run');
    print.runId = 'run-1';
    print.settings.sizeMode = 'dpi';
    const done = print.render();
    await finishJob(fake, 'sheet', { kind: 'sheet', runId: 'run-1', files: ['sheets/fgsm-eps16.pdf', 'sheets/fgsm-eps16.layout.json'], sheets: 1, detail: { layouts: [sampleLayout()] } });
    expect(await done).toBe(true);
    expect(fake.callsOf('sheet:render')[0]).toMatchObject({ runId: 'run-1', paper: 'a4', dpi: 300, dotsPerPixel: 8, calibration: true });
    expect(fake.callsOf('sheet:render')[0]).not.toHaveProperty('cellMm');
    expect(print.layouts).toHaveLength(1);
    expect(print.pdfPath).toBe('sheets/fgsm-eps16.pdf');
    expect(Object.keys(print.images).sort()).toEqual(['adversarial/fgsm-eps16/Coat/1.png', 'clean/Coat/1.png']);
  });

  it('shows sheets rendered earlier, downloads the PDF in the browser and saves it in Electron', async () => {
    const fake = new FakeBridge().handle('file:read', (req) => ({
      name: req.path.split('/').pop()!,
      mime: req.path.endsWith('.json') ? 'application/json' : 'application/pdf',
      bytes: req.path.endsWith('.json') ? new TextEncoder().encode(JSON.stringify([sampleLayout()])) : TINY_PNG,
    }));
    withExperiment(fake);
    const app = useAppStore();
    await app.init();
    const print = usePrintStore();
    print.runId = 'run-1';
    await print.loadExisting();
    expect(print.layouts[0].sheetId).toBe('ABCD1234');
    expect(print.pdfPath).toBe('sheets/fgsm-eps16.pdf');
    await print.savePdf();
    expect(URL.createObjectURL).toHaveBeenCalled();
    expect(print.notice).toContain('100 %');
    app.info = { ...app.info!, nativeDialogs: true, mode: 'electron' };
    fake.handle('file:export', () => ({ savedTo: '/home/me/sheet.pdf' }));
    await print.savePdf();
    expect(print.notice).toBe('Saved to /home/me/sheet.pdf');
    await print.printPdf();
    expect(fake.callsOf('file:open')).toEqual([{ path: 'sheets/fgsm-eps16.pdf' }]);
  });
});

describe('capture store', () => {
  it('registers photos and puts each verdict with its reason in the strip', async () => {
    const { fake } = withExperiment();
    const capture = useCaptureStore();
    const done = capture.register([
      { name: 'a.png', bytes: TINY_PNG, source: 'webcam' },
      { name: 'b.jpg', bytes: new Uint8Array([0xff, 0xd8, 0xff]), source: 'file' },
    ]);
    await flushPromises();
    expect(capture.photos.map((p) => p.state)).toEqual(['registering', 'registering']);
    await finishJob(fake, 'register', {
      kind: 'register',
      photos: [
        { name: 'a.png', accepted: true, sheet: 'ABCD1234', cellsFound: 16 },
        { name: 'b.jpg', accepted: false, reason: 'missing-marker: 3 of 4 markers (missing: top-left)' },
      ],
      detail: {},
    });
    await done;
    expect(capture.photos.map((p) => [p.name, p.state, p.reason ?? p.sheet])).toEqual([
      ['a.png', 'accepted', 'ABCD1234'],
      // The engine's reason code becomes its title from the error catalogue (issue 22: no internal codes).
      ['b.jpg', 'rejected', 'Not all four corner markers were found: 3 of 4 markers (missing: top-left)'],
    ]);
    expect(capture.accepted).toBe(1);
    expect([...capture.capturedSheets]).toEqual(['ABCD1234']);
    expect(fake.callsOf('capture:register')[0].photos.map((p) => p.source)).toEqual(['webcam', 'file']);
    capture.remove(capture.photos[1].key);
    expect(capture.photos).toHaveLength(1);
  });

  it('marks photos failed when registration cannot start, and loads the sheet layouts', async () => {
    const fake = new FakeBridge()
      .fail('capture:register', { code: 'bad-experiment', message: 'no sheet layouts in sheets/', hint: 'make sheets first' })
      .handle('file:read', () => ({ name: 'x.layout.json', mime: 'application/json', bytes: new TextEncoder().encode(JSON.stringify([sampleLayout()])) }));
    withExperiment(fake);
    await useAppStore().init();
    const capture = useCaptureStore();
    await capture.register([{ name: 'a.png', bytes: TINY_PNG, source: 'webcam' }]);
    expect(capture.photos[0]).toMatchObject({ state: 'failed', reason: 'no sheet layouts in sheets/' });
    expect(capture.error?.hint).toBe('make sheets first');
    await capture.loadLayouts();
    expect(capture.layouts.map((l) => l.experimentId)).toEqual([EXPERIMENT_ID]);
  });
});

describe('evaluate store', () => {
  it('sends each transform sweep as a spec and turns the report into series', async () => {
    const { fake } = withExperiment();
    const ev = useEvaluateStore();
    await ev.loadCatalogue();
    ev.runId = 'run-1';
    ev.sweepValues.jpeg = '10, 50';
    const done = ev.runSweeps();
    const d = (n: number, d: number) => ({ numerator: n, denominator: d, rate: d ? n / d : null, ci: null });
    const a = (c: number, t: number) => ({ correct: c, total: t, accuracy: c / t, ci: null });
    await finishJob(fake, 'eval', {
      kind: 'eval',
      runId: 'run-1',
      resultsFile: 'results/x.json',
      report: {
        selection: { mode: 'average', eligible: 8, used: 8, relPaths: [] },
        digital: { clean: { top1: a(5, 8), top5: a(8, 8) }, adversarial: { top1: a(1, 8), top5: a(5, 8) } },
        transforms: [50, 10].map((q) => ({ spec: `jpeg:quality=${q}`, id: 'jpeg', params: { quality: q }, destruction: { top1: d(q === 10 ? 2 : 1, 4), top5: d(0, 3) }, adversarial: { top1: a(2, 8), top5: a(6, 8) } })),
      },
    });
    await done;
    expect(fake.callsOf('eval:run')[0]).toMatchObject({ runId: 'run-1', transforms: ['jpeg:quality=10,50'], select: 'average' });
    expect(ev.series).toHaveLength(1);
    expect(ev.series[0].points.map((p) => [p.x, p.destruction1, p.n1])).toEqual([
      [10, 0.5, '2/4'],
      [50, 0.25, '1/4'],
    ]);
  });

  it('refuses bad sweep values and a missing run with the fix', async () => {
    withExperiment();
    const ev = useEvaluateStore();
    await ev.loadCatalogue();
    await ev.runSweeps();
    expect(ev.sweepError?.message).toContain('choose the attack run');
    ev.runId = 'run-1';
    ev.sweepValues.jpeg = 'ten';
    await ev.runSweeps();
    expect(ev.sweepError?.hint).toContain('10, 30');
  });

  it('reads photo results from a JSON report', async () => {
    const report = {
      schemaVersion: 1,
      generatedAt: 'now',
      tables: [{ id: 'table3-photo', number: 'Table 3', title: 'Destruction rate — photos (%)', channel: 'photo', columns: [{ key: 'avg1', label: 'top-1' }], rows: [{ key: 'r', label: 'fgsm eps=16', cells: { avg1: { value: 0.25, format: 'pct', numerator: 1, denominator: 4 } } }] }],
      captures: { present: true, accepted: 1, rejected: 0, duplicates: 0, discardRate: { value: 0, format: 'pct', numerator: 0, denominator: 1 }, reasons: [] },
      notes: [],
    };
    const fake = new FakeBridge().handle('file:read', () => ({ name: 'r.json', mime: 'application/json', bytes: new TextEncoder().encode(JSON.stringify(report)) }));
    withExperiment(fake);
    const ev = useEvaluateStore();
    const done = ev.runPhotos();
    await finishJob(fake, 'report', { kind: 'report', files: ['reports/report-1.json'] });
    await done;
    expect(fake.callsOf('report:export')).toEqual([{ format: 'json' }]);
    expect(ev.photoTables.map((t) => t.id)).toEqual(['table3-photo']);
  });
});

describe('report store', () => {
  it('exports, lists the written files, and saves or downloads them', async () => {
    const { fake } = withExperiment();
    const app = useAppStore();
    await app.init();
    const report = useReportStore();
    report.format = 'html';
    const done = report.exportReport();
    await finishJob(fake, 'report', { kind: 'report', files: ['reports/report-1.html'] });
    await done;
    expect(fake.callsOf('report:export')).toEqual([{ format: 'html' }]);
    expect(report.written).toEqual(['reports/report-1.html']);
    await report.save('reports/report-1.html');
    expect(report.notice).toBe('Downloading report-1.html');
  });

  it('shows a failed export with the engine’s message', async () => {
    const { fake } = withExperiment();
    const report = useReportStore();
    const done = report.exportReport();
    await flushPromises();
    fake.completeJob(fake.lastJob('report').id, { state: 'error', error: { code: 'bad-experiment', message: 'no runs', hint: 'run an attack first' } });
    await done;
    expect(report.error).toMatchObject({ message: 'no runs', hint: 'run an attack first' });
  });
});
