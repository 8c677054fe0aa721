import { initTRPC } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

/**
 * What the app relies on when a middleware passes a context to `next()`, pinned because
 * patches/@trpc__server@11.25.2.patch replaces how tRPC copies the call options and context
 * at each middleware level (Object.assign instead of the bundled spread helper).
 */
describe('tRPC middleware context merge (patched copy)', () => {
  const t = initTRPC.context<Record<string | symbol, unknown>>().create();
  const tag = Symbol('tag');

  const procedure = t.procedure
    .use(({ next }) => next({ ctx: { user: 'verified', org: { id: 1 }, [tag]: 'first' } }))
    .use(({ ctx, next }) => next({ ctx: { org: { id: 2, from: ctx.org }, extra: true } }))
    .input(z.object({ n: z.number() }))
    .query(({ ctx, input }) => ({ ctx, input }));
  const caller = t.createCallerFactory(t.router({ read: procedure }));

  it('keeps the base context, lets later middlewares override, copies symbols, passes input', async () => {
    const base = { db: 'handle', user: null, requestId: 'r1' };
    const { ctx, input } = await caller(base).read({ n: 7 });
    expect(ctx).toEqual({
      db: 'handle',
      user: 'verified',
      requestId: 'r1',
      org: { id: 2, from: { id: 1 } },
      extra: true,
      [tag]: 'first',
    });
    expect(input).toEqual({ n: 7 });
    // Every level gets a copy: the caller's own context object is never written to.
    expect(base).toEqual({ db: 'handle', user: null, requestId: 'r1' });
  });

  it('keeps an own "__proto__" key as data and never changes the prototype', async () => {
    const hostile = JSON.parse('{"__proto__": {"polluted": true}, "db": "handle"}') as Record<
      string,
      unknown
    >;
    const { ctx } = await caller(hostile).read({ n: 1 });
    expect(Object.getPrototypeOf(ctx)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(ctx, '__proto__')).toBe(true);
    expect((ctx as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('returns what the output schema produced, and refuses output it rejects', async () => {
    const outputs = t.router({
      ok: t.procedure
        .output(z.object({ n: z.number().transform((n) => n * 2) }))
        .query(() => ({ n: 21, dropped: 'not in the schema' })),
      bad: t.procedure.output(z.object({ n: z.number() })).query(() => ({ n: 'x' }) as never),
    });
    const call = t.createCallerFactory(outputs)({});
    expect(await call.ok()).toEqual({ n: 42 });
    await expect(call.bad()).rejects.toMatchObject({
      code: 'INTERNAL_SERVER_ERROR',
      message: 'Output validation failed',
    });
  });
});
