export { atomicWrite, atomicWriteJson, sha256, sha256File } from './atomic';
export {
  SCHEMA_VERSION,
  ExperimentSchema,
  RunManifestSchema,
  RunRecordSchema,
  RunStatus,
  ImageItemSchema,
  ModelRefSchema,
  RunImageSchema,
  ExecutionSchema,
  type Execution,
  type Experiment,
  type RunManifest,
  type RunRecord,
  type ImageItem,
  type ModelRef,
  type RunImage,
} from './schema';
export { EXPERIMENT_FILE, resolveInExperiment } from './store';
export {
  EXPERIMENT_DIRS,
  createExperiment,
  openExperiment,
  openOrCreateExperiment,
  writeCleanImages,
  pngRelPath,
  type ExperimentInit,
} from './experiment';
export {
  startRun,
  writeAdversarialImage,
  writeRunManifest,
  readRunManifest,
  hasRunManifest,
  completeRun,
  listRuns,
  pendingImages,
  adversarialFile,
  runDirName,
  stopRun,
  reopenRun,
  dropRun,
  effectiveStatus,
  describeWriter,
  type StartRunOptions,
  type StoppedStatus,
} from './runs';
export { runShard, readRunShard, shardStateText, mergeHint, unmergedShardError, unmergedShardNote, type RunShard, type SkippedShard } from './shard-run';
export { runState, listRunStates, findRunByRef, type RunState } from './run-state';
export { checkExperiment, summarizeRows, TEMP_FILE, ARCHIVE_INDEX, type CheckReport, type CheckProblem, type CheckOptions, type RunCheck, type ProblemKind, type Severity } from './check';
export { readVerified, readVerifiedImage, verifyFiles, verifyFolder, verifyRunInputs, recordedInputs, fileState, integrityError, repairHint, cleanByRelPath, type RecordedFile, type FileState } from './verify';
export { migrateExperimentJson, EXPERIMENT_MIGRATIONS, type Migration, type MigrationResult } from './migrate';
export {
  listExperiments,
  renameExperiment,
  duplicateExperiment,
  archiveExperiment,
  unarchiveExperiment,
  folderNameFor,
  type ExperimentSummary,
  type ArchiveIndex,
} from './manage';
