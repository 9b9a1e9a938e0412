/**
 * The UI's error catalogue: for every error code the engine can send (ERROR_CODES) and every
 * reason registration can reject a photo for, a title a person understands and a default fix.
 * The engine's own hint, when it sends one, is more specific and wins; the catalogue's fix is
 * what the user sees otherwise, so no error reaches the screen without a Fix line.
 *
 * Codes are for programs: they never appear on screen. Messages that still carry one as a
 * prefix ('missing-marker: 3 of 4 markers', from the photo log) go through humanizeText.
 */
import type { ErrorCode } from '../../../src/contract';

export interface CatalogueEntry {
  /** What happened, in a few words. */
  title: string;
  /** How to fix it, when the engine gave no more specific hint. */
  fix: string;
}

export const ERROR_CATALOGUE: Record<ErrorCode, CatalogueEntry> = {
  'bad-argument': { title: 'A setting is not valid', fix: 'correct the highlighted value and try again' },
  'bad-model': { title: 'The model cannot be loaded', fix: 'choose a folder with a TF.js model.json and its weight files (or use the bundled model)' },
  'bad-image': { title: 'An image cannot be read', fix: 'use PNG or JPEG files; re-export or remove the damaged file' },
  'bad-dataset': { title: 'The image folder cannot be used', fix: 'use one sub-folder per class (Coat/001.png) or a labels.csv with file,label rows' },
  'bad-experiment': { title: 'This folder is not a usable experiment', fix: 'open a folder with an experiment.json, or create a new experiment' },
  'unknown-method': { title: 'Unknown attack method', fix: 'pick one of the attacks listed in the Attack step' },
  'unknown-transform': { title: 'Unknown transform', fix: 'pick one of the transforms listed in the Defences step' },
  cancelled: { title: 'Stopped on request', fix: 'start it again when you are ready; finished work is kept' },
  io: { title: 'A file could not be read or written', fix: 'check that the folder exists, is writable and the disk is not full' },
  forbidden: { title: 'This location is not allowed', fix: 'choose a folder inside the workspace or one you have granted' },
  locked: { title: 'Another Printshot process is writing to this experiment', fix: 'wait for it to finish or close it, then try again' },
  'no-experiment': { title: 'No experiment is open', fix: 'create or open an experiment in the bar at the top' },
  'no-model': { title: 'No model is loaded', fix: 'load a model in the Model step first' },
  busy: { title: 'Another job is still running', fix: 'wait for it to finish or cancel it, then try again' },
  'bad-request': { title: 'The request was not understood', fix: 'reload the page; if it happens again, report it with the steps that led here' },
  'unknown-channel': { title: 'This action is not available in this version', fix: 'reload the page so it matches the running engine' },
  'not-available': { title: 'Not available here', fix: 'use the desktop app or the command line for this action' },
  'engine-down': { title: 'The engine stopped', fix: 'restart the engine (finished work is kept)' },
  internal: { title: 'Something went wrong inside Printshot', fix: 'try again; if it happens again, report it with the steps that led here' },
};

/** Why registration rejected a photo (src/registration/register.ts RejectReason), for people. */
export const REJECTION_CATALOGUE = {
  'unreadable-file': { title: 'The photo cannot be read', fix: 'use a PNG or JPEG photo; re-export it if it is damaged' },
  'missing-marker': { title: 'Not all four corner markers were found', fix: 'photograph the whole sheet, flat, evenly lit and in focus, with every corner marker visible' },
  'foreign-sheet': { title: 'The sheet belongs to another experiment', fix: 'open that experiment, or photograph a sheet printed from this one' },
  'unknown-sheet': { title: "The sheet's layout is not in this experiment", fix: 'print the sheets again from the Print step, then photograph them' },
  'mixed-sheets': { title: 'Markers of more than one sheet are in the photo', fix: 'photograph one sheet at a time' },
  'reprojection-error': { title: 'The sheet is too bent or blurred to map', fix: 'lay the sheet flat and photograph it straight on, in focus' },
  'duplicate-photo': { title: 'This photo was already registered', fix: 'nothing to do; take a new photo to add another one' },
  'duplicate-sheet': { title: 'This sheet already has an accepted photo', fix: 'photograph another sheet; one accepted photo per sheet is counted' },
} as const satisfies Record<string, CatalogueEntry>;

export type RejectionCode = keyof typeof REJECTION_CATALOGUE;

const ALL: Record<string, CatalogueEntry> = { ...ERROR_CATALOGUE, ...REJECTION_CATALOGUE };

/** Every code the catalogue knows (error codes and rejection reasons). */
export const CATALOGUE_CODES: readonly string[] = Object.keys(ALL);

export function catalogueEntry(code: string | undefined): CatalogueEntry | undefined {
  return code !== undefined && Object.hasOwn(ALL, code) ? ALL[code] : undefined;
}

/** A known code at the start of a text, as the photo log writes it ('missing-marker: …'), or alone. */
const PREFIX = /^([a-z]+(?:-[a-z]+)*)(?::\s*([\s\S]*))?$/;

/**
 * A text with its leading internal code replaced by the code's title:
 * 'missing-marker: 3 of 4 markers' → 'Not all four corner markers were found: 3 of 4 markers'.
 * Texts that do not start with a known code come back unchanged.
 */
export function humanizeText(text: string): string {
  const m = PREFIX.exec(text.trim());
  const entry = m ? catalogueEntry(m[1]) : undefined;
  if (!m || !entry) return text;
  const detail = m[2]?.trim();
  return detail ? `${entry.title}: ${detail}` : entry.title;
}

/** The code a text starts with, if it is one the catalogue knows. */
export function leadingCode(text: string): string | undefined {
  const m = PREFIX.exec(text.trim());
  return m && catalogueEntry(m[1]) ? m[1] : undefined;
}
