import { describe, expect, it } from 'vitest';
import { serializePerKey } from './serialize.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('serializePerKey', () => {
  it('runs tasks of one key one at a time in call order, other keys in parallel', async () => {
    const owner = {};
    const log: string[] = [];
    const gate = deferred();
    const a1 = serializePerKey(owner, 'a', async () => {
      log.push('a1 start');
      await gate.promise;
      log.push('a1 end');
      return 1;
    });
    const a2 = serializePerKey(owner, 'a', async () => {
      log.push('a2');
      return 2;
    });
    const b = serializePerKey(owner, 'b', async () => {
      log.push('b');
      return 3;
    });
    await b;
    expect(log).toEqual(['a1 start', 'b']);
    gate.resolve();
    expect(await Promise.all([a1, a2, b])).toEqual([1, 2, 3]);
    expect(log).toEqual(['a1 start', 'b', 'a1 end', 'a2']);
  });

  it('keeps going after a failed task and reports the failure to its caller only', async () => {
    const owner = {};
    const failed = serializePerKey(owner, 'k', () => Promise.reject(new Error('boom')));
    const next = serializePerKey(owner, 'k', () => Promise.resolve('ok'));
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ok');
  });

  it('does not share queues between owners', async () => {
    const gate = deferred();
    const blocked = serializePerKey({}, 'k', () => gate.promise);
    await expect(serializePerKey({}, 'k', () => Promise.resolve('free'))).resolves.toBe('free');
    gate.resolve();
    await blocked;
  });
});
