/**
 * The use-case layer's public surface: one entry point per thing a user does, each taking a plain
 * spec and returning a plain result, shared by the CLI (src/cli/commands) and the app's engine
 * (src/engine/runtime). What is not exported here (run-reuse, robustness-masking, the demo's
 * stages, defend/script) is an implementation detail of the services below. The table of use
 * cases, with the command each one backs: docs/services.md.
 */

// Sources: what a user names on the command line or in the UI.
export { openModel, openImages, openExperimentModel, experimentOf, imagesDir, SAMPLES_DIR, type OpenImagesOptions } from './sources';

// Model and images.
export { classifyImages, type ClassifiedImage, type ClassifyResult } from './classify';
export { doctor, modelInfo, describeLoaded, type DoctorReport, type ModelInfo } from './doctor';
export { lipschitzReport, lipschitzTable, measureGradientNorms, type LipschitzReport, type LipschitzOptions, type MeasuredGradient } from './lipschitz';
export { electronBinary } from './electron-binary';

// Attacks and experiments.
export { runAttackJob, attackIntoExperiment, type AttackJobSpec, type AttackJobResult } from './attack-job';
export { resumeRunJob, resumeAttackRun, type ResumeRunJobSpec, type ResumeOptions, type ResumedRun } from './run-resume';
export { runCheckJob, type CheckJobSpec, type CheckJobResult } from './check-job';
export { runTransformJob, type TransformJobResult } from './transform-job';

// Evaluation: digital pairs, synthetic transforms, photos, transfer.
export { evaluatePairs, type EvaluateOptions, type EvaluationReport, type PairSet, type Selection, type TransformResult } from './evaluate';
export { runEvaluateJob, experimentRunPairs, pairByPath, type EvaluateJobSpec, type RunPairsOptions } from './evaluate-job';
export { evaluatePhotos, type PhotoEvalSpec, type PhotoEvaluation, type PhotoDestructionRow, type PhotoSelect } from './photo-eval';
export { evaluateTransfer, type TransferOptions } from './transfer';

// The physical channel: sheets, simulated photos, registration.
export { runSheetJob, type SheetJobSpec, type SheetJobResult } from './sheet-job';
export { runSimulateJob, type SimulateJobOptions, type SimulateJobResult, type SimulatedPhotoRecord } from './simulate-job';
export { runRegisterJob, type RegisterJobOptions, type RegisterJobResult } from './register-job';

// Patches through the physical channel (issue 19 §3): a patch run, the patch alone on a sheet, photo results.
export { runPatchApplyJob, patchSuccess, readPatchRecord, type PatchApplyRequest, type PatchApplyResult, type GivenPlacement, type PatchRecord } from './patch-apply';
export { runPatchSheetJob, type PatchSheetRequest, type PatchSheetResult } from './patch-sheet';
export { runPatchEvaluateJob, type PatchEvaluateRequest, type PatchEvaluateResult } from './patch-evaluate';
export { locatePatches, placementQuad, PATCH_METHOD, type LocatedPatch } from './patch-locate';

// Results: reports, reproductions, defence comparisons, demos.
export { runReportJob, type ReportJobSpec, type ReportJobResult } from './report-job';
export { runReproduce, TEMPLATES, type Template, type ReproduceOptions, type ReproduceResult, type ReproduceRun } from './reproduce';
export { compareRobustness, type RobustnessOptions, type RobustnessResult, type ModelOutcome, type CellOutcome } from './robustness';
export { runRobustnessSuite, suiteAttacks, worstCase, type SuiteOptions, type SuiteResult, type SuiteName, type SuitePoint } from './robustness-suite';
export { runDemo, paperSweeps, type DemoOptions, type DemoResult, type DemoRun } from './demo';
export { writeDemoReport, DEMO_REPORT_FORMATS } from './demo-report';
export { runDefendedDemo, type DefendedDemoOptions, type DefendedDemoResult } from './demo-defended';
