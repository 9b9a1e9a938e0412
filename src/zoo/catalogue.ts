/**
 * The model zoo catalogue: well-known TF.js ImageNet classifiers Printshot can download.
 *
 * Why these sources: Printshot attacks need logits, and its loader takes logits from before a
 * final Softmax only when the Softmax is the model's last op. The TF Hub ImageNet classification
 * models output logits directly (1001 classes, index 0 = "background"), so they work as they
 * are. The older storage.googleapis.com/tfjs-models conversions of the TF-slim/Keras MobileNets
 * end in softmax followed by a reshape, which the loader cannot see through; they are not listed.
 *
 * Preprocessing: TF Hub image models take RGB in [0, 1] and rescale to the network's own range
 * (-1..1 for MobileNet and Inception) inside the graph, so their cards say range '0-1'. The
 * network-level range is recorded in `networkRange` for reference only.
 *
 * Checksums: none of the sha256 values below could be verified when this catalogue was written
 * (no network access), so every entry has `sha256: null` — unverified: computed and pinned on
 * first download (zoo-lock.json beside the model); later pulls and repairs verify against the
 * pin. The URLs are the ones the official @tensorflow-models packages and TF Hub documented;
 * tfhub.dev now answers with redirects to Kaggle Models, which the downloader follows.
 */
import type { PixelRange } from '../model/card';
import { PrintshotError } from '../shared';

export interface ZooEntry {
  /** Catalogue key, also the folder name under <data dir>/models/. */
  name: string;
  title: string;
  description: string;
  format: 'layers' | 'graph';
  /** model.json; its query string (e.g. ?tfjs-format=file) is kept for the weight shards too. */
  modelUrl: string;
  /** A text file with one class name per line. */
  labelsUrl: string;
  /** Lines of the label file to drop so that line k names model output k. */
  labelsSkip: number;
  /**
   * Model outputs before ImageNet class 0 (the 1000-class ILSVRC order): 1 for the 1001-way
   * TF-slim / TF Hub models whose output 0 is "background", 0 for 1000-way (Keras) models.
   */
  labelOffset: number;
  /** Model output width (labels after skipping must number exactly this). */
  classes: number;
  input: { height: number; width: number; channels: 1 | 3 };
  /** The pixel range the downloaded model expects (goes into model-card.json). */
  range: PixelRange;
  mean?: number[];
  std?: number[];
  outputs: 'logits' | 'probabilities';
  /** The range the network itself was trained on, when the graph rescales internally. */
  networkRange?: PixelRange;
  /** Approximate download size (parameters × 4 bytes), for display before a pull. */
  approxBytes: number;
  /** Known sha256 per downloaded file name; null = unverified (pinned on first download). */
  sha256: Record<string, string> | null;
  /** Published ImageNet top-1 accuracy of the architecture (single crop). */
  top1?: number;
  paper: string;
  license: string;
}

/** TensorFlow's ImageNet label list: 1001 lines, "background" first, then the 1000 ILSVRC classes. */
export const IMAGENET_LABELS_URL = 'https://storage.googleapis.com/download.tensorflow.org/data/ImageNetLabels.txt';

const hub = (path: string) => `https://tfhub.dev/google/${path}/model.json?tfjs-format=file`;

const imagenet = {
  labelsUrl: IMAGENET_LABELS_URL,
  labelsSkip: 0,
  labelOffset: 1,
  classes: 1001,
  range: '0-1' as const,
  networkRange: '-1-1' as const,
  outputs: 'logits' as const,
  format: 'graph' as const,
  license: 'Apache-2.0',
  sha256: null, // unverified: computed and pinned on first download
};

export const ZOO: readonly ZooEntry[] = [
  {
    ...imagenet,
    name: 'mobilenet-v1-1.0-224',
    title: 'MobileNet V1 1.0 224',
    description: 'MobileNet V1, width 1.0, 224×224 RGB, ImageNet (TF Hub, as used by @tensorflow-models/mobilenet v1).',
    modelUrl: hub('imagenet/mobilenet_v1_100_224/classification/1'),
    input: { height: 224, width: 224, channels: 3 },
    approxBytes: 4_250_000 * 4,
    top1: 0.709,
    paper: 'Howard et al., MobileNets, arXiv 1704.04861',
  },
  {
    ...imagenet,
    name: 'mobilenet-v2-1.0-224',
    title: 'MobileNet V2 1.0 224',
    description: 'MobileNet V2, width 1.0, 224×224 RGB, ImageNet (TF Hub, as used by @tensorflow-models/mobilenet v2).',
    modelUrl: hub('imagenet/mobilenet_v2_100_224/classification/2'),
    input: { height: 224, width: 224, channels: 3 },
    approxBytes: 3_540_000 * 4,
    top1: 0.718,
    paper: 'Sandler et al., MobileNetV2, arXiv 1801.04381',
  },
  {
    ...imagenet,
    name: 'inception-v3',
    title: 'Inception v3',
    description: 'Inception v3, 299×299 RGB, ImageNet (TF Hub tfjs-model). The architecture Kurakin et al. attacked in the paper.',
    modelUrl: hub('tfjs-model/imagenet/inception_v3/classification/3/default/1'),
    input: { height: 299, width: 299, channels: 3 },
    approxBytes: 23_850_000 * 4,
    top1: 0.78,
    paper: 'Szegedy et al., Rethinking the Inception Architecture, arXiv 1512.00567',
  },
];

/** The catalogue entry called `name` (case-insensitive), or a 'bad-argument' error listing the names. */
export function findZooEntry(name: string, catalogue: readonly ZooEntry[] = ZOO): ZooEntry {
  const entry = catalogue.find((e) => e.name.toLowerCase() === name.toLowerCase());
  if (entry) return entry;
  throw new PrintshotError('bad-argument', `no model '${name}' in the zoo`, `available: ${catalogue.map((e) => e.name).join(', ')}`);
}
