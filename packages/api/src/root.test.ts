import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../test/harness.js';

describe('appRouter', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('root');
  });
  afterAll(() => h.close());

  it('answers system.ping in-process with the context clock', async () => {
    h.clock.set('2026-01-02T03:04:05Z');
    await expect(h.caller(null).system.ping()).resolves.toEqual({
      ok: true,
      time: new Date('2026-01-02T03:04:05Z'),
    });
  });
});
