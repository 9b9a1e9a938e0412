/**
 * Canned robustness comparison for FakeBridge: the plain bundled model against its adversarially
 * trained and distilled versions, FGSM and BIM at eps 8/16/25 on 100 images, with numbers shaped
 * like the real ones (adversarial training holds up; distillation masks FGSM's gradient). The
 * tables and chart panels mirror src/reports/robustness-table.ts, which the renderer cannot
 * import, so component tests see what the engine would send.
 */
import { maskingChecks } from '../../../src/metrics/masking';
import type { ChartPanelDto, ModelRef, ReportTableDto, RobustnessModelDto, RobustnessReportDto } from '../../../src/contract';
import { runDisplayName } from '../../../src/attacks/names';

const N = 100;
const MODELS = [
  { name: 'fashion-cnn', defence: null, dir: '/fake/assets/models/fashion-cnn', clean: 91 },
  { name: 'fashion-cnn-hardened', defence: 'adversarial-training (method fgsm, eps 25, alpha 0.5)', dir: '/fake/assets/models/fashion-cnn-hardened', clean: 90 },
  { name: 'fashion-cnn-distilled', defence: 'defensive-distillation (temperature 100)', dir: '/fake/assets/models/fashion-cnn-distilled', clean: 91 },
];
/** Correct top-1 out of 100 under attack, per model, method and eps 8/16/25. */
const UNDER_ATTACK: Record<string, Record<string, number[]>> = {
  'fashion-cnn': { fgsm: [38, 14, 7], bim: [19, 3, 1] },
  'fashion-cnn-hardened': { fgsm: [81, 66, 52], bim: [72, 47, 29] },
  'fashion-cnn-distilled': { fgsm: [86, 83, 80], bim: [79, 75, 71] },
};
const EPS = [8, 16, 25];
/** Masking-check inputs: distillation's softmax saturates, so its loss gradient is 0 at most images. */
const VANISHING: Record<string, number> = { 'fashion-cnn': 0, 'fashion-cnn-hardened': 0, 'fashion-cnn-distilled': 84 };
const UNBOUNDED_FOOLED: Record<string, number> = { 'fashion-cnn': 8, 'fashion-cnn-hardened': 8, 'fashion-cnn-distilled': 3 };

export function fakeRobustnessModels(refs: readonly ModelRef[]): RobustnessModelDto[] {
  return refs.flatMap((ref): RobustnessModelDto[] => {
    if (ref.kind === 'defended') {
      const which = ref.which ? [ref.which] : (['hardened', 'distilled'] as const);
      return which.map((w) => {
        const m = MODELS[w === 'hardened' ? 1 : 2];
        return { ref: { kind: 'defended', which: w }, name: m.name, defence: m.defence, dir: m.dir };
      });
    }
    if (ref.kind === 'path' || ref.kind === 'dialog') {
      const dir = ref.kind === 'path' ? ref.path : '/fake/models/picked';
      return [{ ref: { kind: 'path', path: dir }, name: dir.split('/').filter(Boolean).pop() ?? 'model', defence: null, dir }];
    }
    return [{ ref, name: MODELS[0].name, defence: null, dir: MODELS[0].dir }];
  });
}

const pct = (k: number, n = N) => ({ value: n ? k / n : null, format: 'pct' as const, numerator: k, denominator: n });
const acc = (k: number) => ({ correct: k, total: N, accuracy: k / N, ci: null });
const method = (m: string) => (m === 'fgsm' ? 'fast' : 'basic iter.');

export function fakeRobustnessReport(): RobustnessReportDto {
  const models = MODELS.map((m) => ({
    name: m.name,
    source: m.name === 'fashion-cnn' ? 'default' : m.dir,
    fingerprint: m.name.padEnd(64, '0').slice(0, 64),
    defence: m.defence,
    experiment: `robustness/0123456789ab/${m.name}`,
    clean: { top1: acc(m.clean), top5: acc(99) },
    cells: ['fgsm', 'bim'].flatMap((meth) =>
      EPS.map((eps, i) => {
        const correct = UNDER_ATTACK[m.name][meth][i];
        return {
          method: meth,
          eps,
          params: { eps },
          run: `${meth}-${eps}-${m.name}`,
          attack: { images: N, successes: N - correct, successRate: (N - correct) / N, cleanTop1Correct: m.clean, advTop1Correct: correct, meanLinf: eps, meanL2: eps * 22 },
          error: 1 - correct / N,
          transforms: [{ spec: 'jpeg:quality=75', advTop1: acc(Math.min(m.clean, correct + 12)), destruction: { numerator: 9, denominator: N - correct, rate: 9 / (N - correct), ci: null } }],
          photo: eps === 16 ? { clean: pct(m.clean - 3), adversarial: pct(Math.min(m.clean, correct + 20)), destruction: pct(18, N - correct) } : null,
        };
      }),
    ),
    gradient: { images: N, vanishing: VANISHING[m.name], medianMaxAbs: VANISHING[m.name] > N / 2 ? 0 : 0.01 },
    unbounded: { method: 'bim', eps: 255, images: 8, fooled: UNBOUNDED_FOOLED[m.name] },
    transfer: [],
  }));
  const rows = (cells: (m: (typeof models)[number], c: (typeof models)[number]['cells'][number]) => ReportTableDto['rows'][number]['cells'], keep = (_c: { photo: unknown }) => true) =>
    models.flatMap((m) => m.cells.filter(keep).map((c) => ({ key: `${m.name}/${c.method}/${c.eps}`, label: `${m.name} · ${runDisplayName(c.method, c.eps)}`, method: c.method, eps: c.eps, run: c.run!, cells: cells(m, c) })));
  const tables: ReportTableDto[] = [
    {
      id: 'robustness-models',
      number: '',
      title: 'Target models: clean accuracy',
      columns: [{ key: 'clean1', label: 'top-1' }, { key: 'clean5', label: 'top-5' }],
      rows: models.map((m) => ({ key: m.name, label: `${m.name} (${m.defence ?? 'no defence'})`, cells: { clean1: pct(m.clean.top1.correct), clean5: pct(m.clean.top5.correct) } })),
      note: `${N} images from /fake/samples.`,
    },
    {
      id: 'robustness-digital',
      number: '',
      title: 'Robustness, digital: each model attacked white-box (%)',
      columns: [
        { key: 'adv1', label: 'accuracy', group: 'Under attack' },
        { key: 'error', label: 'error', group: 'Under attack' },
        { key: 'success', label: 'success', group: 'Attack' },
      ],
      rows: rows((_m, c) => ({ adv1: pct(c.attack.advTop1Correct), error: pct(N - c.attack.advTop1Correct), success: pct(c.attack.successes) })),
    },
    {
      id: 'robustness-photos',
      number: '',
      title: 'Robustness through photos: printed, photographed and registered (%)',
      columns: [{ key: 'clean1', label: 'clean', group: 'Photo accuracy' }, { key: 'adv1', label: 'adversarial', group: 'Photo accuracy' }, { key: 'dest1', label: 'destruction', group: 'Photos' }],
      rows: rows((_m, c) => ({ clean1: c.photo!.clean, adv1: c.photo!.adversarial, dest1: c.photo!.destruction }), (c) => c.photo !== null),
    },
  ];
  const panels: ChartPanelDto[] = models.map((m) => ({
    transform: `robustness-${m.name}`,
    title: m.defence ? `${m.name}: ${m.defence}` : `${m.name} (no defence)`,
    param: 'eps',
    yLabel: 'accuracy under attack',
    yMax: 1,
    paperRange: { min: 0, max: 25 },
    series: ['fgsm', 'bim'].flatMap((meth) => {
      const cells = m.cells.filter((c) => c.method === meth);
      const digital = { run: meth, method: meth, eps: 0, k: 'top1' as const, label: `${method(meth)} digital`, points: [{ x: 0, rate: pct(m.clean.top1.correct) }, ...cells.map((c) => ({ x: c.eps, rate: pct(c.attack.advTop1Correct) }))] };
      const photo = { run: meth, method: meth, eps: 0, k: 'top1' as const, dashed: true, label: `${method(meth)} photo`, points: cells.filter((c) => c.photo).map((c) => ({ x: c.eps, rate: c.photo!.adversarial! })) };
      return [digital, photo];
    }),
  }));
  return {
    schemaVersion: 1,
    createdAt: '2026-01-01T12:00:00.000Z',
    request: { methods: ['fgsm', 'bim'], eps: EPS, transforms: ['jpeg:quality=75'], photos: true, limit: N },
    images: { source: '/fake/samples', count: N },
    seed: 0,
    backend: 'wasm',
    seconds: 312.4,
    outDir: 'robustness/0123456789ab',
    models,
    tables,
    panels,
    masking: maskingChecks(models.map((m) => ({ ...m, cells: m.cells.map((c) => ({ method: c.method, eps: c.eps, ...c.attack })) }))),
  };
}
