import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { appRouter } from '../../src/index.js';

/**
 * The router as data: every procedure with its path, kind and input schema, read from
 * `appRouter._def.procedures`, so suites built on it cover procedures added later without
 * being edited.
 */
export interface ProcedureInfo {
  path: string;
  kind: 'query' | 'mutation' | 'subscription';
  /** The procedure's own (last) input schema; null when it takes no input. */
  input: z.ZodType | null;
  /** True for procedures behind `orgProcedure` (their first input parser reads `orgId`). */
  orgScoped: boolean;
}

interface ProcedureDef {
  _def: { type: ProcedureInfo['kind']; inputs: unknown[] };
}

export function listProcedures(): ProcedureInfo[] {
  const procedures = appRouter._def.procedures as unknown as Record<string, ProcedureDef>;
  return Object.entries(procedures)
    .map(([path, procedure]) => {
      const inputs = procedure._def.inputs.filter((i): i is z.ZodType => i instanceof z.ZodType);
      const own = inputs[inputs.length - 1] ?? null;
      const shape = own ? objectShape(own) : null;
      return {
        path,
        kind: procedure._def.type,
        input: own,
        orgScoped: shape !== null && 'orgId' in shape,
      };
    })
    .sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** Peels optional/nullable/default/readonly/pipe wrappers off a schema. */
export function unwrap(schema: z.ZodType): z.ZodType {
  let current: z.ZodType = schema;
  for (let i = 0; i < 20; i++) {
    const def = current._zod.def as { type: string; innerType?: z.ZodType; in?: z.ZodType };
    if (def.innerType !== undefined) current = def.innerType;
    else if (def.type === 'pipe' && def.in !== undefined) current = def.in;
    else return current;
  }
  return current;
}

export function objectShape(schema: z.ZodType): Record<string, z.ZodType> | null {
  const inner = unwrap(schema);
  return inner instanceof z.ZodObject ? inner.shape : null;
}

/**
 * Fields naming another entity (`invoiceId`, `userId`…), orgId aside, with whether each is
 * required. Named `…Id` and shaped like an id: identifiers never contain a space, which keeps
 * free-text fields that merely end in "Id" (`taxId`) out.
 */
export function idFields(info: ProcedureInfo): { name: string; required: boolean }[] {
  const shape = info.input ? objectShape(info.input) : null;
  if (!shape) return [];
  return Object.entries(shape)
    .filter(
      ([name, schema]) =>
        name !== 'orgId' && /Id$/.test(name) && !schema.safeParse('not an id').success,
    )
    .map(([name, schema]) => ({ name, required: !schema.safeParse(undefined).success }));
}

export type Outcome =
  { ok: true; value: unknown } | { ok: false; code: TRPCError['code']; message: string };

/** Calls `path` on an in-process caller and reports the tRPC outcome; any other throw is a bug. */
export async function callPath(caller: unknown, path: string, input: unknown): Promise<Outcome> {
  let target: unknown = caller;
  for (const segment of path.split('.')) target = (target as Record<string, unknown>)[segment];
  try {
    const value = await (target as (input: unknown) => Promise<unknown>)(input);
    return { ok: true, value };
  } catch (error) {
    if (error instanceof TRPCError) return { ok: false, code: error.code, message: error.message };
    throw error;
  }
}

export function codeOf(outcome: Outcome): string {
  return outcome.ok ? 'OK' : outcome.code;
}
