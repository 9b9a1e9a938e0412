/**
 * The IPC contract, written once: every channel's request and response schema. Main and serve
 * mode validate requests against it, the preload's allowlist is its key set, and the renderer's
 * Bridge type is derived from it. Requests are strict objects, so a stray field is an error
 * rather than silently dropped.
 */
import { z } from 'zod';
import type { Channel } from './names';
import {
  AttackInfo,
  AttackStart,
  CaptureRegister,
  ClassifiedDto,
  CountDto,
  EvalRun,
  ExperimentLocation,
  ExperimentPath,
  FolderRef,
  ImagesListDto,
  ImagesListRequest,
  JobRef,
  ModelCardEdit,
  ModelInfo,
  Page,
  SheetRender,
  TransformInfo,
} from './dto';
import { FolderListingDto, FolderListRequest } from './folders';
import { CapturePhotosDto, CapturePhotosRequest } from './photos';
import { AppInfo, EngineStateDto, ExperimentDto, FileDto, JobDto, RecentDto, RunImageDto } from './results';
import { ZooEntryDto, ZooPull } from './zoo';
import { RobustnessModelDto, RobustnessModels, RobustnessRun, RobustnessSuiteRun } from './robustness';
import { ReproduceRun } from './reproduce';
import { PatchApply, PatchPreview, PatchPreviewDto, PatchTrain } from './patch';
import { ComputePrepareDto, ComputeRecord, ComputeRecordDto } from './compute';

const Empty = z.strictObject({});
const JobId = z.strictObject({ jobId: z.string().min(1).max(100) });
const InExperiment = z.strictObject({ path: ExperimentPath });

function ch<Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res) {
  return { request, response };
}

export const contract = {
  'app:info': ch(Empty, AppInfo),
  /** Restarts the engine after a crash; interrupted jobs stay resumable. */
  'engine:restart': ch(Empty, EngineStateDto),

  /** The loaded model, or null before model:load. */
  'model:info': ch(Empty, ModelInfo.nullable()),
  'model:load': ch(z.strictObject({ source: FolderRef }), ModelInfo),
  /** Edits the card of the loaded model for this session (reloads it with the new card). */
  'model:setCard': ch(z.strictObject({ card: ModelCardEdit }), ModelInfo),
  /** The zoo's catalogue and what is downloaded (src/zoo). */
  'zoo:list': ch(Empty, z.array(ZooEntryDto)),
  /** Downloads (or resumes, or verifies) a zoo model, then loads it unless another job is running. */
  'zoo:pull': ch(ZooPull, JobRef),

  /** Thumbnails of an image folder ('bundled' = the sample images), converted to the model's input. */
  'images:list': ch(ImagesListRequest, ImagesListDto),
  /** Clean predictions (top-5) for a page of an image folder. */
  'images:classify': ch(
    z.strictObject({ source: FolderRef, page: Page.optional() }),
    z.object({ total: z.number().int(), top1: CountDto, top5: CountDto, items: z.array(ClassifiedDto) }),
  ),

  'attack:list': ch(Empty, z.array(AttackInfo)),
  'transform:list': ch(Empty, z.array(TransformInfo)),

  /** Long-running work returns a job id at once; progress and the result arrive as events. */
  'attack:start': ch(AttackStart, JobRef),
  'eval:run': ch(EvalRun, JobRef),
  'sheet:render': ch(SheetRender, JobRef),
  'capture:register': ch(CaptureRegister, JobRef),
  /** The experiment's registered photos (marker overlays, rectified pages) and every cell's triptych, read from disk. */
  'capture:photos': ch(CapturePhotosRequest, CapturePhotosDto),
  'report:export': ch(z.strictObject({ format: z.enum(['pdf', 'html', 'csv', 'json']) }), JobRef),
  /** A paper template of `printshot reproduce` (contract/reproduce.ts) as a job, written into the open experiment's reproduce/<template>/. */
  'reproduce:run': ch(ReproduceRun, JobRef),
  /** Names and defences of models from their cards, before comparing them (a dialog's choice comes back as a path). */
  'robustness:models': ch(RobustnessModels, z.array(RobustnessModelDto)),
  /** The same attack grid against each model; writes into the open experiment's robustness/ and results/. */
  'robustness:run': ch(RobustnessRun, JobRef),
  /** The worst-case suite (standard|rand) at each eps against each model: robust-accuracy curves, saved like robustness:run. */
  'robustness:suite': ch(RobustnessSuiteRun, JobRef),
  /** Trains a universal adversarial patch per size on the loaded model (docs/patches.md); progress carries step, loss and hit rate. */
  'patch:train': ch(PatchTrain, JobRef),
  /** A trained patch pasted on a few images at random placements, with top-1 before and after. */
  'patch:preview': ch(PatchPreview, PatchPreviewDto),
  /** A run of the experiment from a trained patch (clean images with it pasted), for Print → Capture → Evaluate. */
  'patch:apply': ch(PatchApply, JobRef),
  /** The GPU compute worker's inputs for an attack request: the loaded model's bytes and the job's clean images (docs/gpu.md). */
  'compute:prepare': ch(AttackStart, ComputePrepareDto),
  /** The worker's adversarial images: judged by the engine's model and written as a run with its backend and device. */
  'compute:record': ch(ComputeRecord, ComputeRecordDto),

  'job:list': ch(Empty, z.array(JobDto)),
  'job:status': ch(JobId, JobDto),
  /** Takes effect within 1 s: between steps, or by restarting a busy engine. */
  'job:cancel': ch(JobId, JobDto),
  'job:resume': ch(JobId, JobDto),

  'experiment:new': ch(z.strictObject({ location: ExperimentLocation, name: z.string().min(1).max(200).optional() }), ExperimentDto),
  'experiment:open': ch(z.strictObject({ location: ExperimentLocation }), ExperimentDto),
  'experiment:current': ch(Empty, ExperimentDto.nullable()),
  'experiment:recent': ch(Empty, z.array(RecentDto)),

  /** Clean vs adversarial pairs of a run with predictions and norms, a page at a time. */
  'run:images': ch(
    z.strictObject({ runId: z.string().min(1).max(100), page: Page.optional() }),
    z.object({ total: z.number().int(), labels: z.array(z.string()), items: z.array(RunImageDto) }),
  ),

  /** Reads a file of the open experiment (PDF preview, download in serve mode). */
  'file:read': ch(InExperiment, FileDto),
  /** Copies a file of the open experiment to where the user chooses (null: cancelled or no dialog). */
  'file:export': ch(InExperiment, z.object({ savedTo: z.string().nullable() })),
  /** Opens a file of the open experiment in the OS viewer (print a sheet from there). */
  'file:open': ch(InExperiment, z.object({ opened: z.boolean() })),
  /** Serve mode's folder browser: sub-folders (with their kind) inside the granted roots, the roots and recent folders. */
  'fs:list': ch(FolderListRequest, FolderListingDto),
} satisfies { [K in Channel]: { request: z.ZodType; response: z.ZodType } };

export type Contract = typeof contract;
/** What the caller sends (defaults may be left out). */
export type RequestOf<K extends Channel> = z.input<Contract[K]['request']>;
/** What a handler receives, after validation and defaults. */
export type ParsedRequestOf<K extends Channel> = z.output<Contract[K]['request']>;
export type ResponseOf<K extends Channel> = z.output<Contract[K]['response']>;
