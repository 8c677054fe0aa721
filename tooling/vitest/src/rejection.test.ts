import { describe, expect, it } from 'vitest';
import { rejection } from './rejection.js';

const isRangeError = (error: unknown): error is RangeError => error instanceof RangeError;

describe('rejection', () => {
  it('returns the error a call rejects with', async () => {
    const error = new RangeError('out of range');
    await expect(rejection(Promise.reject(error))).resolves.toBe(error);
    await expect(rejection(Promise.reject(error), isRangeError)).resolves.toBe(error);
  });

  it('throws when the call succeeds', async () => {
    await expect(rejection(Promise.resolve(1))).rejects.toThrow('the call succeeded');
  });

  it("throws, naming the guard, when the error is not the guard's", async () => {
    await expect(rejection(Promise.reject(new TypeError('t')), isRangeError)).rejects.toThrow(
      /not as isRangeError expects: TypeError: t/,
    );
  });
});
