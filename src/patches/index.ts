export { patchSide, placementTaps, samplePlacement, type Placement, type PlacementRanges, type PatchTaps } from './placement';
export { pastePatch, type Photometric } from './paste';
export { checkPalette, defaultPalette, nonPrintability, totalVariation } from './patch-loss';
export { adversarialLoss, disposeState, drawStep, initialPatch, PATCH_DEFAULTS, stepSize, trainPatch, type PatchState, type PatchTrainOptions, type PatchTrainParams, type PatchTrainSet } from './patch-train';
export { evaluatePatch, evaluatePatchTransfer, type PatchEvaluation, type PatchTransfer } from './patch-eval';
