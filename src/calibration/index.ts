/** Colour calibration from the sheets' calibration strip (first step: measure and fit; see docs/calibration.md). */
export { fitResponse, measurePatches, PATCH_FOOTPRINT, type ChannelResponse, type PatchMeasurement, type ResponseFit } from './measure';
export { CALIBRATION_DIR, meanFit, type CalibrationRecord, type CalibrationResult } from './record';
export { calibrationText, fitText } from './text';
