/**
 * What a folder holds, as the workbench names it, and what to say when the user points a field at
 * the wrong kind ("this is an image folder: open it in Images"). Pure: the model loader, the
 * image lister, serve mode's folder browser and the renderer's folder field share these words,
 * while the detection itself (reading the folder) lives once in shared/node/folder-kind.ts.
 */
export const FOLDER_KINDS = ['model', 'images', 'experiment', 'photos', 'folder'] as const;
export type FolderKind = (typeof FOLDER_KINDS)[number];

/** What a field expects; 'photos' and 'folder' are never asked for by a field. */
export type ExpectedKind = 'model' | 'images' | 'experiment';

/** "an image folder", for messages. */
export const KIND_NOUN: Record<FolderKind, string> = {
  model: 'a model folder',
  images: 'an image folder',
  experiment: 'an experiment folder',
  photos: 'a folder of loose images',
  folder: 'a folder',
};

/** A short badge for listings. */
export const KIND_LABEL: Record<FolderKind, string> = {
  model: 'model',
  images: 'images',
  experiment: 'experiment',
  photos: 'loose images',
  folder: '',
};

/** Where each kind is opened in the workbench: the view's name and its route id. */
export const KIND_HOME: Record<ExpectedKind, { view: 'model' | 'images' | 'experiment'; where: string }> = {
  model: { view: 'model', where: 'Model' },
  images: { view: 'images', where: 'Images' },
  experiment: { view: 'experiment', where: 'the experiment bar (Open experiment)' },
};

export interface KindSuggestion {
  /** "<dir> is an image folder, not a model folder" */
  message: string;
  /** The Fix line: "open it in Images". */
  hint: string;
  /** Where a button could take the user, when another view opens this kind. */
  open?: ExpectedKind;
}

/**
 * What to tell a user who gave `actual` where `expected` belongs; undefined when the kinds match
 * or when nothing more useful than the caller's own error can be said (a plain folder).
 */
export function wrongKindSuggestion(dir: string, actual: FolderKind, expected: ExpectedKind): KindSuggestion | undefined {
  if (actual === expected || actual === 'folder') return undefined;
  const message = `${dir} is ${KIND_NOUN[actual]}, not ${KIND_NOUN[expected]}`;
  if (actual === 'photos') {
    const hint =
      expected === 'images'
        ? 'put the images in one sub-folder per class (Coat/001.png) or add a labels.csv; photos of printed sheets go in Capture'
        : `photos of printed sheets go in Capture; choose ${KIND_NOUN[expected]} here`;
    return { message, hint };
  }
  if (actual === 'experiment' && expected === 'images') {
    return { message, hint: `open its clean/ folder for its images, or open the experiment in ${KIND_HOME.experiment.where}`, open: 'experiment' };
  }
  return { message, hint: `open it in ${KIND_HOME[actual].where}`, open: actual };
}
