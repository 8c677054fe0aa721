import { describe, expect, it } from 'vitest';
import { createCaller, createContextInner } from './index.js';

describe('appRouter', () => {
  it('answers system.ping in-process with the context clock', async () => {
    const fixed = new Date('2026-01-02T03:04:05Z');
    const caller = createCaller(createContextInner({ clock: { now: () => fixed } }));
    await expect(caller.system.ping()).resolves.toEqual({ ok: true, time: fixed });
  });
});
