import { initTRPC } from '@trpc/server';
import { afterEach, describe, expect, it } from 'vitest';
import { z, ZodError } from 'zod';
import { checkedOutput, setOutputChecks } from './output.js';

afterEach(() => setOutputChecks(true));

const item = z.strictObject({ id: z.string(), at: z.date(), tags: z.array(z.string()).max(2) });

describe('checkedOutput', () => {
  it('is on by default and returns a valid output unchanged', () => {
    // On until switched off: a bad output is refused without any call to setOutputChecks.
    expect(() => checkedOutput(item)({ id: 1 })).toThrow(ZodError);
    const value = { id: 'a', at: new Date('2026-01-02T03:04:05Z'), tags: ['x'] };
    expect(checkedOutput(item)(value)).toBe(value);
  });

  it("sends the procedure's own value, on or off: shared objects stay shared", () => {
    const address = { city: 'Lyon' };
    const pages = z.array(z.strictObject({ address: z.strictObject({ city: z.string() }) }));
    const value = [{ address }, { address }];
    for (const enabled of [true, false]) {
      setOutputChecks(enabled);
      const sent = checkedOutput(pages)(value);
      expect(sent).toBe(value);
      expect(sent[0]?.address).toBe(sent[1]?.address);
    }
  });

  it('refuses an output the schema rejects: extra key, wrong type, over a bound', () => {
    const check = checkedOutput(item);
    const at = new Date();
    for (const bad of [
      { id: 'a', at, tags: [], internal: 'secret' },
      { id: 1, at, tags: [] },
      { id: 'a', at: at.toISOString(), tags: [] },
      { id: 'a', at, tags: ['1', '2', '3'] },
      null,
      'text',
    ]) {
      expect(() => check(bad), JSON.stringify(bad)).toThrow(ZodError);
    }
  });

  it('refuses an output the schema would change, so turning checks off changes nothing sent', () => {
    const defaults = checkedOutput(z.object({ n: z.number().default(1) }));
    expect(() => defaults({})).toThrow(/changed the value/);
    const stripping = checkedOutput(z.object({ n: z.number() }));
    expect(() => stripping({ n: 1, extra: true })).toThrow(/changed the value/);
    const transforming = checkedOutput(z.string().transform((s) => s.trim()));
    expect(() => transforming(' a ')).toThrow(/changed the value/);
    expect(transforming('a')).toBe('a');
  });

  it('passes outputs through untouched, valid or not, while checks are off', () => {
    setOutputChecks(false);
    const bad = { id: 1, extra: true };
    expect(checkedOutput(item)(bad)).toBe(bad);
  });

  it("gives tRPC's output validation error (500) for a bad output, and the schema's type", async () => {
    const t = initTRPC.create();
    const caller = t.createCallerFactory(
      t.router({
        good: t.procedure.output(checkedOutput(item)).query(() => ({
          id: 'g',
          at: new Date(0),
          tags: [],
        })),
        bad: t.procedure
          .output(checkedOutput(item))
          .query(() => ({ id: 'b', at: new Date(0), tags: [], leaked: 'x' }) as never),
      }),
    )({});
    const good: z.output<typeof item> = await caller.good();
    expect(good).toEqual({ id: 'g', at: new Date(0), tags: [] });
    await expect(caller.bad()).rejects.toMatchObject({
      code: 'INTERNAL_SERVER_ERROR',
      message: 'Output validation failed',
    });
    setOutputChecks(false);
    expect(await caller.bad()).toEqual({ id: 'b', at: new Date(0), tags: [], leaked: 'x' });
  });
});
