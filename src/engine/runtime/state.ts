/** What the engine process holds between calls. */
import type { JobKind } from '../../contract';
import type { UnreadableImagesError } from '../../images';
import type { LoadedClassifier } from '../../model';
import type { LabeledImage } from '../../shared';

export interface LoadedModel {
  classifier: LoadedClassifier;
  source: 'bundled' | 'folder';
  /** The folder it came from ('default' for the bundled model): an edited card keeps it. */
  spec: string;
  dir: string;
  cardEdited: boolean;
}

export interface CachedDataset {
  /** Folder and model fingerprint the images were converted for. */
  key: string;
  root: string;
  /** The readable images (all of them, unless `unreadable` lists some). */
  items: LabeledImage[];
  /** Files of the folder that cannot be read: the load's error, until the user agrees to go on without them. */
  unreadable?: { error: UnreadableImagesError; accepted: boolean };
}

export interface EngineState {
  model?: LoadedModel;
  /** The open experiment folder (it may not hold experiment.json until the first attack). */
  experimentDir?: string;
  /** The last image folder loaded, converted to the model's input, so paging does not reload it. */
  dataset?: CachedDataset;
  jobs: Map<string, { kind: JobKind; controller: AbortController }>;
}
