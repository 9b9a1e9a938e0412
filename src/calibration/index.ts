/** Colour calibration from the sheets' calibration strip (first step: measure and fit; see docs/calibration.md). */
export { fitResponse, measurePatches, PATCH_FOOTPRINT, type ChannelResponse, type PatchMeasurement, type ResponseFit } from './measure';
export { CALIBRATION_DIR, meanFit, type CalibrationRecord, type CalibrationResult } from './record';
export { calibrationText, fitText } from './text';
export { blurPlanar, CELL_MARGIN, fitChannel, goldenMin, pixelKernel, sampleCell, type CellPair, type ChannelFit, type ChannelFitInput } from './channel-fit';
export { estimateJpegQuality } from './channel-jpeg';
export { applyColour, CHANNEL_DIR, CHANNEL_PROFILE_FILE, CHANNEL_PROFILE_VERSION, ChannelProfileSchema, channelProfileText, type ChannelParams, type ChannelProfile } from './channel-profile';
