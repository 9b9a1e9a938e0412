/**
 * Photo registration: marker detection, homography, rectification and the quality gates.
 * Browser-safe (no Node imports): Node callers load the QR reader with useNodeMarkerReader()
 * from ./node/marker-reader, a page with configureMarkerReader({ locateFile }).
 */
export {
  applyHomography,
  fitHomography,
  invertHomography,
  multiplyHomography,
  reprojectionStats,
  type Homography,
  type Point,
  type ReprojectionStats,
} from './homography';
export { configureMarkerReader, detectMarkers, markerReaderConfigured, MARKER_READER_OPTIONS, type MarkerDetection } from './markers';
export { cropCell, warpPage, type CropOptions } from './rectify';
export { sampleBilinear } from './sample';
export {
  CORNER_NAMES,
  DEFAULT_MAX_REPROJECTION_MM,
  markerCornersMm,
  registerImage,
  REJECT_REASONS,
  type FoundMarker,
  type RegisterOptions,
  type RegisteredCell,
  type RegistrationResult,
  type RejectReason,
} from './register';
