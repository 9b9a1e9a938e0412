export { renderSheet, markerModules, type CellImageSource } from './render-sheet';
export { applyPrintModel, DEFAULT_PRINT, IDEAL_PRINT, type PrintModel } from './print';
export { DEFAULT_POSE_LIMITS, pageCornersMm, samplePose, type Pose, type PoseLimits } from './pose';
export { DEFAULT_CAMERA, developFrame, projectPage, sampleCamera, type CameraModel, type CameraSample, type Range } from './camera';
export {
  DEFAULT_SIMULATE,
  IDEAL_SIMULATE,
  simulateOptions,
  simulatePhoto,
  type GroundTruth,
  type SimulatedPhoto,
  type SimulateOptions,
  type SimulateOverrides,
} from './simulate';
