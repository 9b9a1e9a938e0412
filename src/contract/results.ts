/**
 * DTOs for what jobs produce and what the app reports about itself: job state, experiments and
 * their runs, evaluation reports (shaped like the core's EvaluationReport), engine state.
 */
import { z } from 'zod';
import { AttackSummaryDto, Bytes, ErrorDto, JobKind, ModelInfo, ProgressDto, RankedClassDto, RateDto } from './dto';
import { RobustnessReportDto } from './robustness';
import { PatchReportDto } from './patch';
import { ReproduceResultDto } from './reproduce';

const Interval = z.object({ low: z.number(), high: z.number() }).nullable();
export const AccuracyDto = z.object({ correct: z.number(), total: z.number(), accuracy: z.number().nullable(), ci: Interval });
export const DestructionDto = z.object({ numerator: z.number(), denominator: z.number(), rate: z.number().nullable(), ci: Interval });
const TopAcc = z.object({ top1: AccuracyDto, top5: AccuracyDto });

export const EvaluationReportDto = z.object({
  selection: z.object({
    mode: z.enum(['average', 'prefiltered']),
    eligible: z.number(),
    used: z.number(),
    confidenceOn: z.enum(['clean', 'adversarial', 'both']).optional(),
    relPaths: z.array(z.string()),
  }),
  digital: z.object({ clean: TopAcc, adversarial: TopAcc }),
  transforms: z.array(
    z.object({
      spec: z.string(),
      id: z.string(),
      params: z.record(z.string(), z.number()),
      destruction: z.object({ top1: DestructionDto, top5: DestructionDto }),
      adversarial: TopAcc,
    }),
  ),
});
export type EvaluationReportDto = z.infer<typeof EvaluationReportDto>;

export const RunStatusDto = z.enum(['running', 'complete', 'cancelled', 'interrupted', 'failed']);
export type RunStatusDto = z.infer<typeof RunStatusDto>;

export const RunDto = z.object({
  id: z.string(),
  method: z.string(),
  eps: z.number(),
  /** Folder of the adversarial PNGs, relative to the experiment ('adversarial/fgsm-eps16'). */
  dir: z.string(),
  /** The effective status: a 'running' run whose writer is gone is 'interrupted'. */
  status: RunStatusDto,
  /** Why it stopped (cancelled, failed) or why it counts as interrupted. */
  reason: z.string().optional(),
  /** Images recorded so far, and images the run covers. */
  counts: z.object({ done: z.number(), total: z.number() }).optional(),
  createdAt: z.string(),
  completedAt: z.string().optional(),
  stoppedAt: z.string().optional(),
  summary: AttackSummaryDto.optional(),
  /**
   * An unmerged shard (`printshot attack --shard k/N`, docs/scale.md): complete or not, it holds
   * only its own batches of the job, so no view measures or prints it. Optional and additive.
   */
  shard: z.object({ index: z.number().int().positive(), count: z.number().int().positive() }).optional(),
});
export type RunDto = z.infer<typeof RunDto>;

export const ExperimentDto = z.object({
  dir: z.string(),
  /** False for a chosen folder that the first attack will turn into an experiment. */
  exists: z.boolean(),
  id: z.string().optional(),
  name: z.string(),
  createdAt: z.string().optional(),
  model: z.object({ name: z.string(), fingerprint: z.string() }).optional(),
  images: z.number(),
  runs: z.array(RunDto),
  /** Files under sheets/, captures/, results/ and reports/, relative to the experiment. */
  files: z.array(z.string()),
});
export type ExperimentDto = z.infer<typeof ExperimentDto>;

export const RecentDto = z.object({ dir: z.string(), name: z.string(), openedAt: z.string() });
export type RecentDto = z.infer<typeof RecentDto>;

export const RunImageDto = z.object({
  relPath: z.string(),
  label: z.number(),
  labelName: z.string(),
  clean: Bytes,
  adversarial: Bytes,
  cleanTop5: z.array(RankedClassDto),
  advTop5: z.array(RankedClassDto),
  /** Judged after rounding to 8 bits, on the saved PNG. */
  success: z.boolean(),
  linf: z.number(),
  l2: z.number(),
  steps: z.number(),
});
export type RunImageDto = z.infer<typeof RunImageDto>;

/** An attack job's recorded run (compute:record's result extends it with where it ran). */
export const AttackResultDto = z.object({
  kind: z.literal('attack'),
  experimentDir: z.string(),
  runId: z.string(),
  runDir: z.string(),
  method: z.string(),
  eps: z.number(),
  summary: AttackSummaryDto,
});

export const JobResult = z.discriminatedUnion('kind', [
  /** A paper template's run: its report files, relative to the experiment (contract/reproduce.ts). */
  ReproduceResultDto,
  AttackResultDto,
  z.object({ kind: z.literal('eval'), runId: z.string(), resultsFile: z.string(), report: EvaluationReportDto }),
  z.object({
    kind: z.literal('sheet'),
    runId: z.string(),
    /** PDF and layout files, relative to the experiment. */
    files: z.array(z.string()),
    sheets: z.number(),
    detail: z.record(z.string(), z.unknown()),
  }),
  z.object({
    kind: z.literal('register'),
    photos: z.array(
      z.object({
        name: z.string(),
        accepted: z.boolean(),
        /** Why a photo was rejected (no markers, wrong experiment, blurry, …). */
        reason: z.string().optional(),
        sheet: z.string().optional(),
        cellsFound: z.number().optional(),
        cellsTotal: z.number().optional(),
      }),
    ),
    detail: z.record(z.string(), z.unknown()),
  }),
  z.object({ kind: z.literal('report'), files: z.array(z.string()) }),
  /** The comparison, also written to `file` (relative to the experiment) so a reload shows it. */
  z.object({ kind: z.literal('robustness'), file: z.string(), report: RobustnessReportDto }),
  /** A patch training (patch:train) or a run made from a patch (patch:apply, with `run`); the report is also written to `file` (PATCH_RESULT_FILE) so a reload shows it. */
  z.object({ kind: z.literal('patch'), file: z.string(), report: PatchReportDto, run: z.object({ id: z.string(), success: RateDto }).optional() }),
  /** A pulled zoo model; `model` is the loaded model, null when another job kept it from loading. */
  z.object({ kind: z.literal('zoo'), name: z.string(), dir: z.string(), upToDate: z.boolean(), model: ModelInfo.nullable() }),
]);
export type JobResult = z.infer<typeof JobResult>;

export const JobState = z.enum(['running', 'done', 'error', 'cancelled', 'interrupted']);
export type JobState = z.infer<typeof JobState>;

export const JobDto = z.object({
  id: z.string(),
  kind: JobKind,
  label: z.string(),
  state: JobState,
  progress: ProgressDto,
  startedAt: z.number(),
  finishedAt: z.number().optional(),
  /** An interrupted or cancelled attack job that job:resume can continue from what is on disk. */
  resumable: z.boolean(),
  error: ErrorDto.optional(),
  result: JobResult.optional(),
  /** The attack run the job writes, once known; for a run listed from disk also its folder and status. */
  run: z.object({ id: z.string(), experimentDir: z.string(), dir: z.string().optional(), status: RunStatusDto.optional() }).optional(),
});
export type JobDto = z.infer<typeof JobDto>;

export const EngineStateDto = z.object({
  state: z.enum(['starting', 'ready', 'crashed', 'stopped']),
  pid: z.number().optional(),
  restarts: z.number(),
  lastError: z.string().optional(),
});
export type EngineStateDto = z.infer<typeof EngineStateDto>;

export const AppInfo = z.object({
  version: z.string(),
  mode: z.enum(['electron', 'serve']),
  platform: z.string(),
  /** Whether 'dialog' folder references work (Electron) or paths must be typed (serve mode). */
  nativeDialogs: z.boolean(),
  engine: EngineStateDto,
});
export type AppInfo = z.infer<typeof AppInfo>;

export const FileDto = z.object({ name: z.string(), mime: z.string(), bytes: Bytes });
export type FileDto = z.infer<typeof FileDto>;
