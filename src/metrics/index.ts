export { Z_95, wilsonInterval, type Interval } from './wilson';
export { accuracy, correctAtK, rankPrediction, softmax, topK, type AccuracyResult, type RankedPrediction } from './ranking';
export {
  destructionRate,
  destructionRateAtK,
  destructionRatesTop1Top5,
  type DestructionInput,
  type DestructionRate,
  type RankedSets,
} from './destruction';
export {
  sampleIndices,
  selectAverage,
  selectPrefiltered,
  type ConfidenceOn,
  type PrefilterInput,
  type PrefilterOptions,
} from './selection';
export { imageNorms, psnr, type ImageNorms } from './distance';
export { ssim, type SsimOptions } from './ssim';
export { summarizeAttack, rateOf, cleanCorrect, imageOutcome, type AttackSummary, type AttackSummaryRow, type Rate } from './attack-summary';
