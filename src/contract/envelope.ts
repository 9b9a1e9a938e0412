/**
 * How a response travels: an envelope instead of a thrown error, because Electron's invoke
 * flattens thrown errors into a string ("Error invoking remote method …") and loses code and hint.
 */
import type { ErrorCode, ErrorDto } from './dto';
import { ERROR_CODES, isErrorCode } from './dto';

export type Envelope<T = unknown> = { ok: true; value: T } | { ok: false; error: ErrorDto };

/** Anything thrown, as an ErrorDto: PrintshotError-like objects keep their code and hint. */
export function toErrorDto(e: unknown): ErrorDto {
  if (e && typeof e === 'object') {
    const o = e as { code?: unknown; message?: unknown; hint?: unknown };
    const message = typeof o.message === 'string' ? o.message : String(e);
    const code = isErrorCode(o.code) ? o.code : ERROR_CODES.internal;
    return typeof o.hint === 'string' ? { code, message, hint: o.hint } : { code, message };
  }
  return { code: ERROR_CODES.internal, message: String(e) };
}

/** An Error carrying an ErrorDto's code and hint: what handlers throw and clients rethrow. */
export class ContractError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, hint?: string) {
    super(message);
    this.name = 'ContractError';
    this.code = code;
    this.hint = hint;
  }

  static from(dto: ErrorDto): ContractError {
    return new ContractError(dto.code, dto.message, dto.hint);
  }
}
