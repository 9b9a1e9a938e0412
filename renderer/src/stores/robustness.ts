/**
 * Defences: the robustness suite (issue 18: per-image worst case over an attack ensemble at each
 * eps of a list, robustness:suite; the default) or the same attack grid (methods × eps,
 * robustness:run) against several models, typically the plain, adversarially trained and
 * distilled bundled models (issue 8). The model list is described by
 * the engine from each card (robustness:models), so names and defences show before anything
 * runs, and a folder chosen in a dialog comes back as a path the run can reuse without asking
 * again. Either comparison is a job; its result is also saved in the experiment
 * (results/robustness.json), which this store reads back after a reload.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { ROBUSTNESS_RESULT_FILE, RobustnessReportDto, type AttackInfo, type FolderRef, type ModelRef, type RobustnessModelDto, type SampleMode, type TransformInfo } from '../../../src/contract';
import { useBridge } from '../bridge';
import { isCancelled, toUiError, type UiError } from '../lib/errors';
import { parseNumberList } from '../lib/format';
import { saveExperimentFile } from '../lib/save-file';
import { useAppStore } from './app';
import { useImagesStore } from './images';
import { JobFailedError, useJobsStore } from './jobs';

/** eps on the 0..255 scale: the paper's 2..32 and Goodfellow et al.'s 25 (≈ 0.1). */
export const EPS_CHOICES = [2, 4, 8, 16, 25, 32] as const;

/** The suite's curve by default: Goodfellow's 25 (≈ 0.1) and the paper's 4, 8, 16, as in issue 18. */
export const SUITE_EPS = '4, 8, 16, 25';
export type ComparisonMode = 'suite' | 'grid';

/** A transform at its default setting, as a spec ('jpeg:quality=75'; keys sorted like the engine's). */
export function defaultSpec(t: TransformInfo): string {
  return [t.id, ...Object.keys(t.defaults).sort().map((k) => `${k}=${t.defaults[k]}`)].join(':');
}

export const useRobustnessStore = defineStore('robustness', () => {
  const bridge = useBridge();
  const jobs = useJobsStore();
  const app = useAppStore();
  const images = useImagesStore();

  const attacks = ref<AttackInfo[]>([]);
  const transforms = ref<TransformInfo[]>([]);
  const models = ref<RobustnessModelDto[]>([]);
  const methods = ref<string[]>(['fgsm', 'bim']);
  const eps = ref<number[]>([8, 16, 25]);
  /** Transform ids to judge under, each at its default setting. */
  const transformsOn = ref<string[]>([]);
  const photos = ref(false);
  const limit = ref('16');
  /** Stratified by default: the samples are sorted by class (the first 16 would be two classes). */
  const sample = ref<SampleMode>('stratified');
  /** The suite (worst case over apgd-ce, apgd-t, square, …) is the default comparison; the grid is the older one. */
  const mode = ref<ComparisonMode>('suite');
  const suite = ref<'standard' | 'rand'>('standard');
  const suiteEps = ref(SUITE_EPS);
  const notice = ref<string | null>(null);
  const adding = ref(false);
  const modelsError = ref<UiError | null>(null);
  const error = ref<UiError | null>(null);
  const fieldErrors = ref<Record<string, string>>({});
  const job = ref<string | null>(null);
  const report = ref<RobustnessReportDto | null>(null);
  /** The experiment the shown result belongs to, and whether it was read back from disk. */
  const reportFor = ref<string | null>(null);
  const restored = ref(false);
  const savedNote = ref<string | null>(null);

  const running = computed(() => job.value !== null);
  const runs = computed(() => models.value.length * methods.value.length * eps.value.length);
  const suiteEpsList = computed(() => parseNumberList(suiteEps.value));

  async function loadCatalogue(): Promise<void> {
    if (attacks.value.length > 0) return;
    try {
      [attacks.value, transforms.value] = await Promise.all([bridge.call('attack:list', {}), bridge.call('transform:list', {})]);
      methods.value = methods.value.filter((m) => attacks.value.some((a) => a.id === m));
      // All of them by default, as in `printshot demo --defended`: they cost forward passes only.
      if (transformsOn.value.length === 0) transformsOn.value = transforms.value.map((t) => t.id);
    } catch (e) {
      error.value = toUiError(e);
    }
  }

  /** Adds models (a folder already listed is not added twice); errors show beside the list. */
  async function addModels(refs: ModelRef[]): Promise<boolean> {
    adding.value = true;
    modelsError.value = null;
    try {
      const found = await bridge.call('robustness:models', { models: refs });
      for (const m of found) if (!models.value.some((x) => x.dir === m.dir)) models.value.push(m);
      return true;
    } catch (e) {
      if (!isCancelled(e)) modelsError.value = toUiError(e);
      return false;
    } finally {
      adding.value = false;
    }
  }

  const addLoaded = () => addModels([{ kind: 'loaded' }]);
  const addDefended = () => addModels([{ kind: 'defended' }]);
  const addFolder = (folder: FolderRef) => addModels([folder]);

  function remove(dir: string): void {
    models.value = models.value.filter((m) => m.dir !== dir);
  }

  function validate(): { limit?: number; sample?: SampleMode } | null {
    const errs: Record<string, string> = {};
    if (models.value.length === 0) errs.models = 'add at least one model';
    if (mode.value === 'grid' && methods.value.length === 0) errs.methods = 'choose at least one attack';
    if (mode.value === 'grid' && eps.value.length === 0) errs.eps = 'choose at least one eps';
    const se = suiteEpsList.value;
    if (mode.value === 'suite' && (!se || !se.length || se.some((e) => e <= 0 || e > 255))) errs.suiteEps = `eps values in (0, 255] separated by commas, e.g. ${SUITE_EPS}`;
    const n = limit.value.trim() === '' ? undefined : Number(limit.value);
    if (n !== undefined && (!Number.isInteger(n) || n < 1)) errs.limit = 'a whole number ≥ 1, or empty for all';
    fieldErrors.value = errs;
    return Object.keys(errs).length ? null : n !== undefined ? { limit: n, sample: sample.value } : {};
  }

  /** The chosen comparison as one job: the suite (robustness:suite) or the grid (robustness:run). */
  function start(v: { limit?: number; sample?: SampleMode }) {
    const opts = { label: mode.value === 'suite' ? `${suite.value} robustness suite` : 'robustness comparison', what: 'the comparison', onStart: (id: string) => (job.value = id) };
    const refs = models.value.map((m) => m.ref);
    if (mode.value === 'suite') {
      const list = [...new Set(suiteEpsList.value ?? [])].sort((a, b) => a - b);
      return jobs.run('robustness:suite', { models: refs, suite: suite.value, eps: list, images: images.source, ...v }, opts);
    }
    const specs = transforms.value.filter((t) => transformsOn.value.includes(t.id)).map(defaultSpec);
    const eps_ = [...eps.value].sort((a, b) => a - b);
    return jobs.run('robustness:run', { models: refs, methods: [...methods.value], eps: eps_, transforms: specs, photos: photos.value, images: images.source, ...v }, opts);
  }

  async function run(): Promise<void> {
    error.value = null;
    const v = validate();
    if (!v || running.value) return;
    try {
      report.value = (await start(v)).report;
      reportFor.value = app.experiment?.dir ?? null;
      restored.value = false;
      savedNote.value = null;
      await app.refreshExperiment();
    } catch (e) {
      if (e instanceof JobFailedError) await app.refreshExperiment();
      if (!isCancelled(e)) error.value = toUiError(e);
    } finally {
      job.value = null;
    }
  }

  /** Changes when the open experiment does, or when its saved comparison appears in its file list. */
  const savedKey = computed(() => (app.experiment ? `${app.experiment.dir}|${app.experiment.files.includes(ROBUSTNESS_RESULT_FILE)}` : null));

  /** The experiment's last comparison, read back from results/robustness.json (after a reload). */
  async function loadSaved(): Promise<void> {
    const exp = app.experiment;
    if (!exp) return;
    const saved = exp.files.includes(ROBUSTNESS_RESULT_FILE);
    if (reportFor.value === exp.dir && (report.value || savedNote.value || !saved)) return;
    if (reportFor.value !== exp.dir) {
      report.value = null;
      savedNote.value = null;
    }
    reportFor.value = exp.dir;
    if (!saved) return;
    try {
      const f = await bridge.call('file:read', { path: ROBUSTNESS_RESULT_FILE });
      const parsed = RobustnessReportDto.safeParse(JSON.parse(new TextDecoder().decode(f.bytes)));
      if (parsed.success) {
        report.value = parsed.data;
        restored.value = true;
      } else {
        // e.g. `printshot robustness --out <experiment>`: numbers only, no tables to lay out.
        savedNote.value = `${ROBUSTNESS_RESULT_FILE} was not written by the workbench; run the comparison here to see it as tables and charts.`;
      }
    } catch (e) {
      error.value = toUiError(e);
    }
  }

  /** The suite's curves CSV (one row per model and eps), saved or downloaded. */
  async function saveCurves(): Promise<void> {
    const file = report.value?.curvesFile;
    if (!file) return;
    try {
      notice.value = await saveExperimentFile(bridge, app.nativeDialogs, file);
    } catch (e) {
      error.value = toUiError(e);
    }
  }

  return {
    mode,
    suite,
    suiteEps,
    notice,
    saveCurves,
    attacks,
    transforms,
    models,
    methods,
    eps,
    transformsOn,
    photos,
    limit,
    sample,
    adding,
    modelsError,
    error,
    fieldErrors,
    job,
    report,
    restored,
    savedNote,
    running,
    runs,
    loadCatalogue,
    addModels,
    addLoaded,
    addDefended,
    addFolder,
    remove,
    run,
    savedKey,
    loadSaved,
  };
});
