/**
 * Errors as the UI shows them: the message and, when the engine gave one, the one-line fix
 * (BridgeError.hint). Every view keeps its own error so it appears where it happened; ErrorNote
 * shows them all the same way (presentError: title, what happened, the file, a Fix line).
 */
import { BridgeError } from '../bridge';
import { catalogueEntry, humanizeText, leadingCode } from './error-catalogue';

export interface UiError {
  code?: string;
  message: string;
  hint?: string;
  /** The file or folder the error is about, when it is known apart from the message. */
  file?: string;
}

export function toUiError(e: unknown): UiError {
  if (e instanceof BridgeError) return { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
  if (e && typeof e === 'object' && 'message' in e) {
    const o = e as { code?: unknown; message: unknown; hint?: unknown };
    return {
      ...(typeof o.code === 'string' ? { code: o.code } : {}),
      message: String(o.message),
      ...(typeof o.hint === 'string' ? { hint: o.hint } : {}),
    };
  }
  return { message: String(e) };
}

/** A cancelled dialog is not an error worth showing. */
export function isCancelled(e: unknown): boolean {
  return (e as { code?: string } | null)?.code === 'cancelled';
}

export interface PresentedError {
  /** What happened, in a few words (from the catalogue). */
  title: string;
  /** The engine's detail, without internal codes or the file it names. */
  detail: string;
  file?: string;
  fix: string;
}

/**
 * An absolute path at the start of a message, as the engine writes them ('/data/x: folder not
 * found', '/data/labels.csv:3: expected 2 fields'); the rest is the detail.
 */
const LEADING_PATH = /^((?:\/|[A-Za-z]:[\\/])[^\n]*?(?::\d+)?): ([\s\S]+)$/;

const FALLBACK = catalogueEntry('internal')!;

export function presentError(error: UiError): PresentedError {
  const code = error.code ?? leadingCode(error.message);
  const entry = catalogueEntry(code);
  let detail = humanizeText(error.message.trim());
  let file = error.file;
  const m = file === undefined ? LEADING_PATH.exec(detail) : null;
  // A sentence that starts with a path ('/etc is outside the folders …: …') is not a path: one
  // with spaces counts only when it ends in a file name ('/data/Ankle boot/1.png').
  if (m && (!/\s/.test(m[1]) || /\.[A-Za-z0-9]{1,5}(?::\d+)?$/.test(m[1]))) {
    file = m[1];
    detail = humanizeText(m[2]);
  }
  const title = entry?.title ?? FALLBACK.title;
  // The detail repeats the title when the message was only a code ('missing-marker').
  if (detail === title) detail = '';
  return { title, detail, ...(file ? { file } : {}), fix: error.hint?.trim() || entry?.fix || FALLBACK.fix };
}
