/**
 * Evaluate: synthetic transform sweeps of a run (eval:run; destruction rate and accuracy against
 * the transform parameter, like the paper's Fig. 6) and photo results (the report's JSON, whose
 * photo tables are the paper's Tables 1–3 computed on the registered crops).
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { CapturePhotosDto, EvaluationReportDto, TransformInfo } from '../../../src/contract';
import { useBridge } from '../bridge';
import { isCancelled, toUiError, type UiError } from '../lib/errors';
import { parseNumberList, rateWithCi } from '../lib/format';
import { parseReport, type ReportJson } from '../lib/report-types';
import { useAppStore } from './app';
import { JobFailedError, useJobsStore } from './jobs';

export interface SweepSeries {
  transform: TransformInfo;
  points: { x: number; destruction1: number | null; destruction5: number | null; accuracy1: number | null; accuracy5: number | null; n1: string; n5: string; text: { d1: string; d5: string; a1: string; a5: string } }[];
}

export const useEvaluateStore = defineStore('evaluate', () => {
  const bridge = useBridge();
  const jobs = useJobsStore();
  const app = useAppStore();
  const transforms = ref<TransformInfo[]>([]);
  const runId = ref<string | null>(null);
  /** Sweep values per transform id, as text; an empty text leaves the transform out. */
  const sweepValues = ref<Record<string, string>>({});
  const select = ref<'average' | 'prefiltered'>('average');
  const sweepJob = ref<string | null>(null);
  const sweep = ref<EvaluationReportDto | null>(null);
  const sweepError = ref<UiError | null>(null);
  const photoJob = ref<string | null>(null);
  const photo = ref<ReportJson | null>(null);
  const photoError = ref<UiError | null>(null);
  /** The registered photos and cell triptychs (capture:photos), read from the experiment on disk. */
  const cells = ref<CapturePhotosDto | null>(null);
  const cellsError = ref<UiError | null>(null);
  const cellsLoading = ref(false);
  let restoredFor: string | null = null;

  async function loadCatalogue(): Promise<void> {
    if (transforms.value.length > 0) return;
    try {
      transforms.value = await bridge.call('transform:list', {});
      for (const t of transforms.value) sweepValues.value[t.id] ??= t.sweep.join(', ');
    } catch (e) {
      sweepError.value = toUiError(e);
    }
  }

  function specs(): string[] | null {
    const out: string[] = [];
    for (const t of transforms.value) {
      const text = sweepValues.value[t.id] ?? '';
      if (text.trim() === '') continue;
      const vs = parseNumberList(text);
      if (!vs) {
        sweepError.value = { message: `${t.title}: the values must be numbers separated by commas`, hint: `e.g. ${t.sweep.join(', ')}` };
        return null;
      }
      out.push(`${t.id}:${t.sweepParam}=${vs.join(',')}`);
    }
    return out;
  }

  async function runSweeps(): Promise<void> {
    sweepError.value = null;
    if (!runId.value) {
      sweepError.value = { message: 'choose the attack run to evaluate', hint: 'run an attack first (Attack view)' };
      return;
    }
    const transformsReq = specs();
    if (!transformsReq) return;
    if (transformsReq.length === 0) {
      sweepError.value = { message: 'no transform has values to sweep', hint: 'fill in the values of at least one transform' };
      return;
    }
    try {
      const request = { runId: runId.value, transforms: transformsReq, select: select.value };
      sweep.value = (await jobs.run('eval:run', request, { label: 'transform sweeps', what: 'the evaluation', onStart: (id) => (sweepJob.value = id) })).report;
      await app.refreshExperiment();
    } catch (e) {
      if (e instanceof JobFailedError) await app.refreshExperiment();
      if (!isCancelled(e)) sweepError.value = toUiError(e);
    } finally {
      sweepJob.value = null;
    }
  }

  type Destruction = EvaluationReportDto['transforms'][number]['destruction']['top1'];
  type Accuracy = EvaluationReportDto['transforms'][number]['adversarial']['top1'];
  const destructionText = (d: Destruction) => rateWithCi({ count: d.numerator, total: d.denominator, rate: d.rate, ci: d.ci });
  const accuracyText = (a: Accuracy) => rateWithCi({ count: a.correct, total: a.total, rate: a.accuracy, ci: a.ci });

  const series = computed<SweepSeries[]>(() => {
    const r = sweep.value;
    if (!r) return [];
    return transforms.value
      .map((t) => ({
        transform: t,
        points: r.transforms
          .filter((x) => x.id === t.id)
          .map((x) => ({
            x: x.params[t.sweepParam] ?? NaN,
            destruction1: x.destruction.top1.rate,
            destruction5: x.destruction.top5.rate,
            accuracy1: x.adversarial.top1.accuracy,
            accuracy5: x.adversarial.top5.accuracy,
            n1: `${x.destruction.top1.numerator}/${x.destruction.top1.denominator}`,
            n5: `${x.destruction.top5.numerator}/${x.destruction.top5.denominator}`,
            // Every rate shown with its count and 95 % interval.
            text: {
              d1: destructionText(x.destruction.top1),
              d5: destructionText(x.destruction.top5),
              a1: accuracyText(x.adversarial.top1),
              a5: accuracyText(x.adversarial.top5),
            },
          }))
          .sort((a, b) => a.x - b.x),
      }))
      .filter((s) => s.points.length > 0);
  });

  /** Photo results: a JSON report of the experiment, read back for its photo tables. */
  async function runPhotos(): Promise<void> {
    photoError.value = null;
    try {
      const result = await jobs.run('report:export', { format: 'json' }, { label: 'photo results', what: 'the evaluation', onStart: (id) => (photoJob.value = id) });
      const file = result.files.find((f) => f.endsWith('.json'));
      if (!file) throw new Error('the report job wrote no JSON file');
      const f = await bridge.call('file:read', { path: file });
      photo.value = parseReport(new TextDecoder().decode(f.bytes));
      await app.refreshExperiment();
      await loadCells();
    } catch (e) {
      if (!isCancelled(e)) photoError.value = toUiError(e);
    } finally {
      photoJob.value = null;
    }
  }

  async function loadCells(): Promise<void> {
    cellsError.value = null;
    cellsLoading.value = true;
    try {
      cells.value = await bridge.call('capture:photos', {});
    } catch (e) {
      cellsError.value = toUiError(e);
    } finally {
      cellsLoading.value = false;
    }
  }

  /**
   * After a reload (or on opening another experiment): the photos and triptychs from disk, and the
   * photo results of the newest JSON report in reports/ (report names sort by time).
   */
  async function restore(): Promise<void> {
    const dir = app.experiment?.dir ?? null;
    if (dir !== restoredFor) {
      restoredFor = dir;
      photo.value = null;
      cells.value = null;
    }
    if (!dir) return;
    const last = (app.experiment?.files ?? []).filter((f) => /^reports\/report-[^/]+\.json$/.test(f)).sort().at(-1);
    const loads: Promise<void>[] = [loadCells()];
    if (!photo.value && last) {
      loads.push(
        bridge
          .call('file:read', { path: last })
          .then((f) => void (photo.value ??= parseReport(new TextDecoder().decode(f.bytes))))
          .catch(() => undefined), // an unreadable old report leaves the results empty; Evaluate makes a new one
      );
    }
    await Promise.all(loads);
  }

  const photoTables = computed(() => (photo.value?.tables ?? []).filter((t) => t.channel === 'photo'));

  return { transforms, runId, sweepValues, select, sweepJob, sweep, sweepError, photoJob, photo, photoError, cells, cellsError, cellsLoading, series, photoTables, loadCatalogue, runSweeps, runPhotos, loadCells, restore };
});
