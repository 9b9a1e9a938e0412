/**
 * Attacks: the catalogue (attack:list, with a JSON Schema form per attack), the form values, a
 * queue of jobs (one per eps value, the paper's eps ∈ {2, 4, 8, 16} in one go), and the results
 * grid of a run (run:images: clean vs adversarial, predictions, success after rounding, norms).
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { AttackInfo, JobDto, RunImageDto, SampleMode } from '../../../src/contract';
import { useBridge } from '../bridge';
import { isCancelled, toUiError, type UiError } from '../lib/errors';
import { parseNumberList } from '../lib/format';
import { fieldsOf, initialValues, paramsOf, type FormValue } from '../lib/schema-form';
import { useAppStore } from './app';
import { useImagesStore } from './images';
import { JobFailedError, useJobsStore, type JobResultOf } from './jobs';
import { runDisplayName } from '../../../src/attacks/names';
import { chooseCompute } from '../lib/compute-choice';
import { useComputeStore } from './compute';

export const RESULTS_PAGE = 24;

export const useAttackStore = defineStore('attack', () => {
  const bridge = useBridge();
  const jobs = useJobsStore();
  const app = useAppStore();
  const images = useImagesStore();
  const compute = useComputeStore();

  const attacks = ref<AttackInfo[]>([]);
  const method = ref('fgsm');
  const values = ref<Record<string, Record<string, FormValue>>>({});
  /** eps values, comma separated: one run each. */
  const epsList = ref('16');
  const limit = ref<string>('8');
  /** Stratified by default: the samples are sorted by class, so the first 8 would all be ankle boots. */
  const sample = ref<SampleMode>('stratified');
  const seed = ref('0');
  const error = ref<UiError | null>(null);
  const fieldErrors = ref<Record<string, string>>({});
  const currentJob = ref<string | null>(null);
  const queued = ref<number[]>([]);
  const lastJob = ref<JobDto | null>(null);

  const runId = ref<string | null>(null);
  const results = ref<RunImageDto[]>([]);
  const resultsTotal = ref(0);
  const resultsOffset = ref(0);
  const loadingResults = ref(false);

  const selected = computed(() => attacks.value.find((a) => a.id === method.value) ?? null);
  const fields = computed(() => (selected.value ? fieldsOf(selected.value.params).filter((f) => f.key !== 'eps') : []));
  const running = computed(() => currentJob.value !== null || compute.running);

  async function loadCatalogue(): Promise<void> {
    if (attacks.value.length > 0) return;
    try {
      attacks.value = await bridge.call('attack:list', {});
      for (const a of attacks.value) values.value[a.id] ??= initialValues(fieldsOf(a.params).filter((f) => f.key !== 'eps'), a.defaults);
      if (!attacks.value.some((a) => a.id === method.value) && attacks.value[0]) method.value = attacks.value[0].id;
    } catch (e) {
      error.value = toUiError(e);
    }
  }

  function validate(): { eps: number[]; params: Record<string, unknown>; limit?: number; seed: number | string } | null {
    const errs: Record<string, string> = {};
    const eps = parseNumberList(epsList.value);
    if (eps === null || eps.length === 0) errs.eps = 'one or more numbers, e.g. 2, 4, 8, 16';
    else if (eps.some((e) => e < 0 || e > 255)) errs.eps = 'between 0 and 255';
    const { params, errors } = paramsOf(fields.value, values.value[method.value] ?? {});
    Object.assign(errs, errors);
    const n = limit.value.trim() === '' ? undefined : Number(limit.value);
    if (n !== undefined && (!Number.isInteger(n) || n < 1)) errs.limit = 'a whole number ≥ 1, or empty for all';
    fieldErrors.value = errs;
    if (Object.keys(errs).length > 0) return null;
    const s = seed.value.trim();
    return { eps: eps!, params, ...(n !== undefined ? { limit: n } : {}), seed: /^-?\d+$/.test(s) ? Number(s) : s || 0 };
  }

  /** Starts one job per eps value, one after another. Resolves when the queue is done. */
  async function start(): Promise<void> {
    error.value = null;
    const v = validate();
    if (!v || running.value) return;
    // Where it runs (docs/gpu.md): the Compute setting and the worker's float32 check.
    if (compute.setting !== 'cpu') await compute.check();
    const choice = chooseCompute(compute.setting, compute.probe, method.value);
    if (choice.run === 'refused') {
      error.value = choice.error;
      return;
    }
    queued.value = [...v.eps];
    while (queued.value.length > 0) {
      const eps = queued.value.shift()!;
      const request = { method: method.value, params: { ...v.params, eps }, images: images.source, seed: v.seed, ...(v.limit ? { limit: v.limit, sample: sample.value } : {}) };
      if (choice.run === 'gpu') {
        if (!(await followGpu(request))) {
          queued.value = [];
          break;
        }
        continue;
      }
      compute.ranOnEngine();
      if (!(await follow(jobs.run('attack:start', request, { ...followOptions, label: runDisplayName(method.value, eps), onStart: (id) => ((currentJob.value = id), (lastJob.value = null)) })))) {
        queued.value = [];
        break;
      }
    }
  }

  /** One eps on the GPU worker: the engine records the run (compute:record), then it is shown like any run. */
  async function followGpu(request: Parameters<typeof compute.attack>[0]): Promise<boolean> {
    lastJob.value = null;
    try {
      const r = await compute.attack(request);
      await app.refreshExperiment();
      await showRun(r.runId);
      return true;
    } catch (e) {
      if (!isCancelled(e)) error.value = toUiError(e);
      return false;
    }
  }

  /** The job's end as this view shows it: lastJob for the notices, the run's results on success. */
  const followOptions = { what: 'the attack', onEnd: (job: JobDto) => ((lastJob.value = job), (currentJob.value = null)) };

  /** Awaits a job's result; false when it failed, was cancelled, or never started. */
  async function follow(result: Promise<JobResultOf<'attack'>>): Promise<boolean> {
    try {
      const r = await result;
      await app.refreshExperiment();
      await showRun(r.runId);
      return true;
    } catch (e) {
      if (e instanceof JobFailedError) await app.refreshExperiment();
      if (!isCancelled(e)) error.value = toUiError(e);
      return false;
    }
  }

  /**
   * Continues an attack that was interrupted (engine crash, restart) or cancelled: the last job,
   * or `jobId` from the stopped runs the host lists. Only the images not recorded yet are attacked.
   */
  async function resume(jobId?: string): Promise<void> {
    const job = jobId ? (jobs.jobs[jobId]?.job ?? null) : lastJob.value;
    if (!job?.resumable || running.value) return;
    error.value = null;
    const err = await jobs.resume(job.id);
    if (err) {
      error.value = err;
      return;
    }
    currentJob.value = job.id;
    lastJob.value = null; // the notice about its stop no longer holds
    await follow(jobs.follow(job.id, 'attack', followOptions));
  }

  async function cancel(): Promise<void> {
    queued.value = [];
    if (compute.running) compute.cancel();
    if (currentJob.value) {
      const err = await jobs.cancel(currentJob.value);
      if (err) error.value = err;
    }
  }

  async function showRun(id: string, offset = 0): Promise<void> {
    runId.value = id;
    loadingResults.value = true;
    try {
      const r = await bridge.call('run:images', { runId: id, page: { offset, limit: RESULTS_PAGE } });
      results.value = r.items;
      resultsTotal.value = r.total;
      resultsOffset.value = offset;
    } catch (e) {
      error.value = toUiError(e);
    } finally {
      loadingResults.value = false;
    }
  }

  function clearResults(): void {
    runId.value = null;
    results.value = [];
    resultsTotal.value = 0;
    resultsOffset.value = 0;
  }

  return {
    attacks, method, values, epsList, limit, sample, seed, error, fieldErrors, currentJob, queued, lastJob,
    runId, results, resultsTotal, resultsOffset, loadingResults, selected, fields, running,
    loadCatalogue, validate, start, resume, cancel, showRun, clearResults,
  };
});
