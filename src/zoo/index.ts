/** The model zoo: a catalogue of TF.js ImageNet classifiers and a resumable, verified downloader. */
export { ZOO, IMAGENET_LABELS_URL, findZooEntry, type ZooEntry } from './catalogue';
export { dataDir, zooModelDir, mirrorUrl } from './paths';
export { downloadFile, type DownloadOptions, type DownloadProgress, type DownloadResult } from './download';
export {
  pullModel,
  listZoo,
  zooStatus,
  cardFor,
  LOCK_FILE,
  CARD_FILE,
  LABELS_FILE,
  type ZooLock,
  type ZooOptions,
  type PullOptions,
  type PullProgress,
  type PullResult,
  type ZooState,
  type ZooStatus,
} from './pull';
