import { ObjectId } from 'mongodb';
import { initTRPC, TRPCError } from '@trpc/server';
import { findShapeViolation, type Role } from '@invoice/validators';
import { z, ZodError } from 'zod';
import type { Database } from '@invoice/db';
import type { Document } from 'mongodb';
import type { AuthUser, Context, OrgContext } from './context.js';
import { isDomainError } from './domain/errors.js';
import { hasRole } from './domain/roles.js';
import { toTRPCError } from './middleware/map-errors.js';
import { operatorMembership } from './operator-access.js';
import { transformer } from './transformer.js';
import {
  findActiveMembership,
  type OrgAccess,
  type SubjectQuery,
} from './services/membership-lookup.js';

export interface Meta {
  /** Mutations that re-check the caller's token for revocation (member changes, voids). */
  sensitive?: boolean;
}

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    transformer,
    errorFormatter({ shape, error }) {
      const zodError =
        error.code === 'BAD_REQUEST' && error.cause instanceof ZodError ? error.cause : null;
      // Stack traces never leave the server, nor the text of an unexpected error (a driver
      // message, a TypeError from corrupt data): onError logs it with the request id.
      const { stack: _stack, ...data } = shape.data;
      const internal = error.code === 'INTERNAL_SERVER_ERROR';
      const hidden = zodError !== null || internal || isUnreadableInput(error);
      return {
        ...shape,
        message: hidden ? (internal ? 'Internal server error' : 'Invalid input') : shape.message,
        data: { ...data, zodError: zodError ? z.flattenError(zodError) : null },
      };
    },
  });

/**
 * A BAD_REQUEST tRPC raised because the raw input could not be read: it wraps whatever the
 * JSON parse or the transformer threw and reuses that error's text, e.g. superjson's TypeError
 * "Cannot destructure property 'json' of 'payload' as it is null." for `?input=null`. Our own
 * BAD_REQUESTs carry no cause (the shape guard, tRPC's batch checks) or a DomainError, and
 * zod's are a ZodError; JSON.parse's SyntaxError ("... is not valid JSON") only describes the
 * client's own text and stays. Anything else is an internal message and is not sent.
 */
function isUnreadableInput(error: TRPCError): boolean {
  const cause: unknown = error.cause;
  if (error.code !== 'BAD_REQUEST' || cause === undefined) return false;
  if (cause instanceof ZodError || cause instanceof TRPCError || isDomainError(cause)) return false;
  return !(cause instanceof SyntaxError && /\bJSON\b/.test(cause.message));
}

export const router = t.router;
export const mergeRouters = t.mergeRouters;
export const createCallerFactory = t.createCallerFactory;
export const middleware = t.middleware;

/**
 * Refuses oversized or deeply nested raw input with one short BAD_REQUEST before any schema
 * walks it (50 000 unknown keys would otherwise cost zod ~0.5 s and a 0.5 MB error message).
 */
async function guardShape(getRawInput: () => Promise<unknown>): Promise<void> {
  const violation = findShapeViolation(await getRawInput());
  if (violation !== null) throw new TRPCError({ code: 'BAD_REQUEST', message: violation });
}

/**
 * Runs a procedure's first middleware and maps domain and driver errors (of the middleware and
 * of everything below it) to tRPC errors. Each procedure has exactly one such first middleware:
 * every tRPC middleware level copies the context and the call options.
 */
async function mapErrors<T extends { ok: boolean; error?: unknown }>(
  run: () => Promise<T>,
): Promise<T> {
  let result: T;
  try {
    result = await run();
  } catch (error) {
    throw toTRPCError(error);
  }
  if (!result.ok) throw toTRPCError(result.error);
  return result;
}

/** No authentication: health-style procedures only. */
export const publicProcedure = t.procedure.use(({ getRawInput, next }) =>
  mapErrors(async () => {
    await guardShape(getRawInput);
    return next();
  }),
);

/** Operator tooling only (operator.ts): refused for any context `createContextInner` built. */
export const operatorProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.operator || !ctx.user) {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'Operator tooling only' });
  }
  return next({ ctx: { user: ctx.user, operator: ctx.operator } });
});

/**
 * What every non-public procedure checks first: the input's shape, a verified user and, for
 * sensitive mutations, that the token is not revoked.
 */
async function authenticate(
  ctx: Context,
  meta: Meta | undefined,
  getRawInput: () => Promise<unknown>,
): Promise<AuthUser> {
  await guardShape(getRawInput);
  if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in required' });
  if (meta?.sensitive) await ctx.assertTokenNotRevoked();
  return ctx.user;
}

/**
 * A verified user is required; sensitive mutations also re-check token revocation. Built on
 * `t.procedure` with the same shape guard and error mapping as `publicProcedure`, in one level.
 */
export const authedProcedure = t.procedure.use(({ ctx, meta, getRawInput, next }) =>
  mapErrors(async () => {
    const user = await authenticate(ctx, meta, getRawInput);
    // tRPC merges what next() is given into the context: only the narrowed field is passed.
    return next({ ctx: { user } });
  }),
);

/** Only reads `orgId`; the procedure's own strict schema validates the whole input. */
const orgIdInput = z.object({
  orgId: z.string().regex(/^[0-9a-f]{24}$/, 'Must be an id of 24 lowercase hexadecimal characters'),
});

/**
 * The caller's membership of `orgId` (and the subject, when asked) from MongoDB, not from
 * token claims, so removal takes effect on the next request. Not a member → NOT_FOUND, exactly
 * like an org that does not exist; a member below `minRole` → FORBIDDEN. An operator context
 * (CLI only, see operator.ts) acts as owner of any existing org.
 */
async function authorizeOrg<TDoc extends Document = never>(
  ctx: Context,
  user: AuthUser,
  orgIdHex: string,
  minRole: Role,
  subject?: (orgId: ObjectId) => SubjectQuery<TDoc>,
): Promise<OrgAccess<TDoc>> {
  const orgId = new ObjectId(orgIdHex);
  const query = subject?.(orgId);
  const now = ctx.clock.now();
  const found = ctx.operator
    ? await operatorMembership(ctx.db, orgId, user, now, query)
    : await findActiveMembership(ctx.db, orgId, user, now, query, ctx.requestId);
  if (!found) throw new TRPCError({ code: 'NOT_FOUND', message: 'Organization not found' });
  if (!hasRole(found.membership.role, minRole)) {
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: `This needs the ${minRole} role or higher`,
    });
  }
  return found;
}

/**
 * `orgId` of the raw input, read by the org middleware itself (a tRPC `.input()` level would
 * copy the context once more); refused exactly like tRPC's own input parsers refuse.
 */
function orgIdOf(raw: unknown): string {
  const parsed = orgIdInput.safeParse(raw);
  if (!parsed.success) throw new TRPCError({ code: 'BAD_REQUEST', cause: parsed.error });
  return parsed.data.orgId;
}

/**
 * Org-scoped procedure: a member of `input.orgId` with at least `minRole` (see authorizeOrg).
 * Chain the procedure's own `.input()`, which must include `orgId`. Authentication and the org
 * check are one middleware level (each level copies the call options and the context).
 */
export function orgProcedure(minRole: Role) {
  return t.procedure.use(({ ctx, meta, getRawInput, next }) =>
    mapErrors(async () => {
      const user = await authenticate(ctx, meta, getRawInput);
      const orgId = orgIdOf(await getRawInput());
      const { membership, org } = await authorizeOrg(ctx, user, orgId, minRole);
      const orgCtx: OrgContext = { membership, org };
      return next({ ctx: { user, ...orgCtx } });
    }),
  );
}

/**
 * Org-scoped read of one document: like `orgProcedure`, but the document `subject` names is
 * read in the same database command as the membership and organization (one round trip
 * instead of two or three). `ctx.subject` is null when the document does not exist in the org;
 * the filter must include the org's id (it receives it). As everywhere, membership is decided
 * before the procedure's input is judged: a non-member gets NOT_FOUND whatever else the input
 * holds, so the subject is only read for input that already passes `input`. Chain
 * `.input(input)` after it (tRPC cannot type a generic schema here).
 */
export function orgSubjectProcedure<TInput extends { orgId: string }, TDoc extends Document>(
  minRole: Role,
  input: z.ZodType<TInput>,
  subject: (input: TInput, db: Database, orgId: ObjectId) => SubjectQuery<TDoc>,
) {
  return t.procedure.use(({ ctx, meta, getRawInput, next }) =>
    mapErrors(async () => {
      const user = await authenticate(ctx, meta, getRawInput);
      const raw = await getRawInput();
      const valid = input.safeParse(raw);
      const found = await authorizeOrg(
        ctx,
        user,
        valid.success ? valid.data.orgId : orgIdOf(raw),
        minRole,
        valid.success ? (oid) => subject(valid.data, ctx.db, oid) : undefined,
      );
      const orgCtx: OrgContext = { membership: found.membership, org: found.org };
      return next({ ctx: { user, ...orgCtx, subject: found.subject } });
    }),
  );
}
