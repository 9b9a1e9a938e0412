export { readImage8, decodeImage, rgbToGray, grayToRgb, toChannels, DEFAULT_MAX_PIXELS, FIT_MODES, PAD_VALUE, fitBox, aspectDiffers, type FitMode, type ReadImageOptions } from './decode';
export { encodePng, decodePng, writePng } from './encode';
export {
  loadDataset,
  matchLabel,
  labelFolderName,
  compareCodePoints,
  type Dataset,
  type LoadDatasetOptions,
} from './dataset';
export { UnreadableImagesError, type UnreadableImage } from './unreadable';
export { SAMPLE_MODES, parseSampleMode, sampleItems, type SampleMode, type SamplingRecord } from './sample';
