/**
 * Patch: train a universal adversarial patch on the loaded model (patch:train, the service of
 * `printshot patch`; Brown et al., arXiv 1712.09665, with EOT and printability: docs/patches.md),
 * follow its loss and batch hit rate while it trains (the job's progress metrics), show the patch
 * and a preview of it pasted on images (patch:preview, made in the engine), the held-out
 * evaluation, and make a run from it (patch:apply) for the usual Print → Capture → Evaluate path.
 *
 * The training's result is saved in the experiment (results/patch.json), which this store reads
 * back after a reload, as the Defences store does with results/robustness.json. Training the same
 * request again after a cancel resumes it (the engine keys its folder by the request).
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { PATCH_RESULT_FILE, PatchReportDto, type PatchPreviewDto, type PatchTrain, type ProgressDto, type SampleMode } from '../../../src/contract';
import { useBridge } from '../bridge';
import { isCancelled, toUiError, type UiError } from '../lib/errors';
import { parseNumberList } from '../lib/format';
import { useAppStore } from './app';
import { useImagesStore } from './images';
import { JobFailedError, useJobsStore } from './jobs';

/** One point of a live curve: a training step's mean adversarial loss and the batch's hit rate. */
export interface CurvePoint {
  step: number;
  loss: number;
  success: number;
}

/** The form's fields as typed (text, so a half-typed number is not lost), with the service's defaults. */
export const PATCH_FORM_DEFAULTS = {
  target: 'untargeted',
  sizes: '0.1',
  steps: '300',
  batch: '16',
  lr: '0.03',
  npsWeight: '0.1',
  tvWeight: '0.05',
  channel: 'default' as 'default' | 'none' | 'profile',
  palette: 'default' as 'default' | 'measured',
  holdout: '0.25',
  draws: '5',
  seed: '0',
};
export type PatchForm = typeof PATCH_FORM_DEFAULTS;

/** The form as a patch:train request, or the field errors that keep it from being one. */
export function patchRequest(f: PatchForm, images: PatchTrain['images']): { request: PatchTrain } | { errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const num = (key: keyof PatchForm, ok: (v: number) => boolean, says: string): number => {
    const v = Number(String(f[key]).trim());
    if (String(f[key]).trim() === '' || !Number.isFinite(v) || !ok(v)) errors[key] = says;
    return v;
  };
  const sizes = parseNumberList(f.sizes);
  if (!sizes || !sizes.length || sizes.some((s) => !(s > 0 && s <= 0.5)) || sizes.length > 8) errors.sizes = 'fractions of the image area in (0, 0.5], e.g. 0.05, 0.1, 0.2 (at most 8)';
  const int = (lo: number, hi: number) => (v: number) => Number.isInteger(v) && v >= lo && v <= hi;
  const request: PatchTrain = {
    images,
    target: f.target.trim(),
    sizes: [...new Set(sizes ?? [])].sort((a, b) => a - b),
    steps: num('steps', int(1, 5000), 'a whole number from 1 to 5000'),
    batch: num('batch', int(1, 64), 'a whole number from 1 to 64'),
    lr: num('lr', (v) => v > 0 && v <= 1, 'a step size in (0, 1]'),
    npsWeight: num('npsWeight', (v) => v >= 0 && v <= 100, 'a weight from 0 to 100'),
    tvWeight: num('tvWeight', (v) => v >= 0 && v <= 100, 'a weight from 0 to 100'),
    channel: f.channel,
    palette: f.palette,
    holdout: num('holdout', (v) => v > 0 && v < 1, 'a share in (0, 1), e.g. 0.25'),
    draws: num('draws', int(1, 50), 'a whole number from 1 to 50'),
    seed: num('seed', int(0, 2 ** 31), 'a whole number ≥ 0'),
  };
  if (!request.target) errors.target = 'choose a class, or untargeted';
  return Object.keys(errors).length ? { errors } : { request };
}

export const usePatchStore = defineStore('patch', () => {
  const bridge = useBridge();
  const jobs = useJobsStore();
  const app = useAppStore();
  const images = useImagesStore();

  const form = ref<PatchForm>({ ...PATCH_FORM_DEFAULTS });
  const fieldErrors = ref<Record<string, string>>({});
  const error = ref<UiError | null>(null);
  const job = ref<string | null>(null);
  /** The request of the last training that did not finish (cancelled or failed): Resume sends it again. */
  const stopped = ref<PatchTrain | null>(null);
  /** Live curves by patch size (the job's progress metrics; throttled, so a subsample of the steps). */
  const live = ref<Record<string, CurvePoint[]>>({});
  const report = ref<PatchReportDto | null>(null);
  const reportFor = ref<string | null>(null);
  const restored = ref(false);
  /** The size shown (patch image, preview, make a run). */
  const selected = ref<number | null>(null);
  const patchPng = ref<Record<string, Uint8Array>>({});
  const preview = ref<PatchPreviewDto | null>(null);
  const previewSeed = ref(0);
  const previewBusy = ref(false);
  const previewError = ref<UiError | null>(null);

  /** Make a run: how many images (empty: all) and how they are chosen. */
  const runForm = ref({ limit: '20', sample: 'stratified' as SampleMode });
  const applyJob = ref<string | null>(null);
  const applyError = ref<UiError | null>(null);

  const running = computed(() => job.value !== null);
  const current = computed(() => report.value?.patches.find((p) => p.size === selected.value) ?? report.value?.patches[0] ?? null);

  function onProgress(p: ProgressDto): void {
    const m = p.metrics;
    if (!m || m.size === undefined || m.step === undefined) return;
    const key = String(m.size);
    const points = (live.value[key] ??= []);
    // The host's heartbeat repeats the last figures: keep one point per step.
    if (points.length && points[points.length - 1].step >= m.step) return;
    points.push({ step: m.step, loss: m.loss, success: m.success });
  }

  async function train(request?: PatchTrain): Promise<void> {
    error.value = null;
    if (running.value) return;
    let req = request;
    if (!req) {
      const r = patchRequest(form.value, images.source);
      fieldErrors.value = 'errors' in r ? r.errors : {};
      if ('errors' in r) return;
      req = r.request;
    }
    live.value = {};
    stopped.value = null;
    try {
      const result = await jobs.run('patch:train', req, { label: `patch ${req.target}`, what: 'the patch training', onStart: (id) => (job.value = id), onProgress });
      show(result.report, false);
      await app.refreshExperiment();
    } catch (e) {
      if (e instanceof JobFailedError) stopped.value = req;
      if (!isCancelled(e)) error.value = toUiError(e);
    } finally {
      job.value = null;
    }
  }

  /**
   * After a reload the page knows no job: a training still running in the engine (job:list) is
   * followed again, so its curves and result come back here. Runs made from a patch are labelled
   * 'patch run from …' by the host and are left to their own job.
   */
  async function reattach(): Promise<void> {
    if (running.value) return;
    await jobs.refresh();
    const live_ = Object.values(jobs.jobs).find((t) => t.kind === 'patch' && t.state === 'running' && !t.label.startsWith('patch run from'));
    if (!live_) return;
    job.value = live_.id;
    live.value = {};
    try {
      const result = await jobs.follow(live_.id, 'patch', { what: 'the patch training', onProgress });
      show(result.report, false);
      await app.refreshExperiment();
    } catch (e) {
      if (!isCancelled(e)) error.value = toUiError(e);
    } finally {
      job.value = null;
    }
  }

  const resume = () => (stopped.value ? train(stopped.value) : Promise.resolve());

  function show(r: PatchReportDto, fromDisk: boolean): void {
    report.value = r;
    reportFor.value = app.experiment?.dir ?? null;
    restored.value = fromDisk;
    selected.value = r.patches[0]?.size ?? null;
    preview.value = null;
    patchPng.value = {};
    void loadPatchImages();
  }

  async function loadPatchImages(): Promise<void> {
    for (const p of report.value?.patches ?? []) {
      try {
        patchPng.value[p.png] = (await bridge.call('file:read', { path: p.png })).bytes;
      } catch (e) {
        error.value = toUiError(e);
      }
    }
  }

  /** The patch of the selected size pasted on a few images (a new seed draws new images and placements). */
  async function loadPreview(next = false): Promise<void> {
    const p = current.value;
    if (!p) return;
    if (next) previewSeed.value++;
    previewBusy.value = true;
    previewError.value = null;
    try {
      preview.value = await bridge.call('patch:preview', { patch: p.json, images: images.source, count: 6, seed: previewSeed.value });
    } catch (e) {
      previewError.value = toUiError(e);
    } finally {
      previewBusy.value = false;
    }
  }

  /** "Make a run from this patch": a normal run of the experiment (patch:apply); resolves with its id. */
  async function makeRun(): Promise<string | null> {
    const p = current.value;
    applyError.value = null;
    if (!p || applyJob.value) return null;
    const text = runForm.value.limit.trim();
    const limit = text === '' ? undefined : Number(text);
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1)) {
      fieldErrors.value = { ...fieldErrors.value, runLimit: 'a whole number ≥ 1, or empty for all' };
      return null;
    }
    fieldErrors.value = { ...fieldErrors.value, runLimit: '' };
    try {
      const request = { patch: p.json, images: images.source, ...(limit !== undefined ? { limit, sample: runForm.value.sample } : {}) };
      const result = await jobs.run('patch:apply', request, { label: `patch run (${p.json.split('/').pop()})`, what: 'the patch run', onStart: (id) => (applyJob.value = id) });
      report.value = result.report;
      await app.refreshExperiment();
      return result.run?.id ?? null;
    } catch (e) {
      if (e instanceof JobFailedError) await app.refreshExperiment();
      if (!isCancelled(e)) applyError.value = toUiError(e);
      return null;
    } finally {
      applyJob.value = null;
    }
  }

  /** Changes when the open experiment does, or when its saved training appears in its file list. */
  const savedKey = computed(() => (app.experiment ? `${app.experiment.dir}|${app.experiment.files.includes(PATCH_RESULT_FILE)}` : null));

  /** The experiment's last training, read back from results/patch.json (after a reload). */
  async function loadSaved(): Promise<void> {
    const exp = app.experiment;
    if (!exp || running.value) return;
    if (reportFor.value === exp.dir && report.value) return;
    if (reportFor.value !== exp.dir) report.value = null;
    reportFor.value = exp.dir;
    if (!exp.files.includes(PATCH_RESULT_FILE)) return;
    try {
      const f = await bridge.call('file:read', { path: PATCH_RESULT_FILE });
      const parsed = PatchReportDto.safeParse(JSON.parse(new TextDecoder().decode(f.bytes)));
      if (parsed.success) show(parsed.data, true);
      else error.value = { code: 'bad-experiment', message: `${PATCH_RESULT_FILE} is not a patch result this workbench can read (${parsed.error.issues[0]?.message ?? 'unknown shape'})`, hint: 'train the patch again here' };
    } catch (e) {
      error.value = toUiError(e);
    }
  }

  return {
    form,
    fieldErrors,
    error,
    job,
    stopped,
    live,
    report,
    restored,
    selected,
    current,
    patchPng,
    preview,
    previewBusy,
    previewError,
    running,
    runForm,
    applyJob,
    applyError,
    makeRun,
    train,
    resume,
    reattach,
    loadPreview,
    savedKey,
    loadSaved,
  };
});
