import { describe, expect, it } from 'vitest';
import {
  DomainError,
  badRequest,
  conflict,
  forbidden,
  isDomainError,
  notFound,
  preconditionFailed,
} from './errors.js';

describe('DomainError', () => {
  it.each([
    [notFound('Invoice'), 'NOT_FOUND', 'Invoice not found'],
    [badRequest('bad'), 'BAD_REQUEST', 'bad'],
    [preconditionFailed('state'), 'PRECONDITION_FAILED', 'state'],
    [conflict('dup'), 'CONFLICT', 'dup'],
    [forbidden('no'), 'FORBIDDEN', 'no'],
  ])('%s carries its code and message', (error, code, message) => {
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(DomainError);
    expect(isDomainError(error)).toBe(true);
    expect(error).toMatchObject({ name: 'DomainError', code, message });
  });

  it('keeps details and tells domain errors from others', () => {
    expect(preconditionFailed('x', { status: 'paid' }).details).toEqual({ status: 'paid' });
    expect(isDomainError(new Error('x'))).toBe(false);
    expect(isDomainError({ code: 'NOT_FOUND', message: 'x' })).toBe(false);
  });
});
