/**
 * One closed set of error codes: PrintshotError, ContractError and the wire's ErrorDto all take
 * ERROR_CODES members, src/contract re-exports the same object, and an unknown code fails the
 * compiler (the @ts-expect-error lines: tsc reports an unused one if the set ever opens) and the
 * wire schema.
 */
import { describe, expect, it } from 'vitest';
import { ContractError, ErrorDto, ERROR_CODES as CONTRACT_CODES, toErrorDto } from '../../../src/contract';
import { ERROR_CODES, isErrorCode, PrintshotError } from '../../../src/shared';

describe('ERROR_CODES', () => {
  it('is one object, re-exported by the contract', () => {
    expect(CONTRACT_CODES).toBe(ERROR_CODES);
    expect(new Set(Object.values(ERROR_CODES)).size).toBe(Object.keys(ERROR_CODES).length);
  });

  it('refuses unknown codes in the compiler and on the wire', () => {
    // @ts-expect-error 'no-such-code' is not an ErrorCode
    expect(new PrintshotError('no-such-code', 'x').code).toBe('no-such-code');
    // @ts-expect-error nor for the contract's errors
    expect(() => new ContractError('no-such-code', 'x')).not.toThrow();
    expect(ErrorDto.safeParse({ code: 'no-such-code', message: 'x' }).success).toBe(false);
    expect(ErrorDto.safeParse({ code: ERROR_CODES.locked, message: 'x' }).success).toBe(true);
    expect(isErrorCode('engine-down')).toBe(true);
    expect(isErrorCode('ENOENT')).toBe(false);
  });

  it('keeps a known code across the boundary and turns anything else into internal', () => {
    expect(toErrorDto(new PrintshotError('bad-model', 'no model.json', 'pick a folder'))).toEqual({ code: 'bad-model', message: 'no model.json', hint: 'pick a folder' });
    expect(toErrorDto(Object.assign(new Error('gone'), { code: 'ENOENT' }))).toEqual({ code: 'internal', message: 'gone' });
    expect(toErrorDto(Object.assign(new Error('odd'), { code: 'made-up' }))).toEqual({ code: 'internal', message: 'odd' });
  });
});
