/** Colour calibration from the sheets' calibration strip (first step: measure and fit; see docs/calibration.md). */
export { fitResponse, measurePatches, PATCH_FOOTPRINT, type ChannelResponse, type PatchMeasurement, type ResponseFit } from './measure';
export { calibrateCaptures, calibratePhoto, CALIBRATION_DIR, meanFit, type CalibrationRecord, type CalibrationResult } from './job';
export { calibrationText, fitText } from './text';
