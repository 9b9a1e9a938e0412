/**
 * Errors as the UI shows them: the message and, when the engine gave one, the one-line fix
 * (BridgeError.hint). Every view keeps its own error so it appears where it happened.
 */
import { BridgeError } from '../bridge';

export interface UiError {
  code?: string;
  message: string;
  hint?: string;
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
