import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { appRouter, type AppRouter } from './root.js';
import { createCallerFactory } from './trpc.js';

export { appRouter, type AppRouter };
export {
  createContextInner,
  type AttachmentStore,
  type AuthUser,
  type Context,
  type Clock,
} from './context.js';
/** The access-control table, for docs/operations/access_control.md and operator tooling. */
export {
  ACCESS_CONTROL,
  isAllowed,
  renderAccessControlMarkdown,
  type Access,
  type ProcedureAccess,
} from './access-control.js';

/** Output checks against the procedures' schemas (on unless switched off: see output.ts). */
export { setOutputChecks } from './output.js';

/** In-process caller for internal tools and tests: same procedures, same rules. */
export const createCaller = createCallerFactory(appRouter);

/** Operator callers (the ops CLI): owner level in every org, audited as `operator:<name>`. */
export {
  createOperatorCaller,
  createOperatorContext,
  operatorNameSchema,
  operatorRouter,
  operatorUser,
  type OperatorContextOptions,
  type OperatorIdentity,
  type OperatorOrganizationSummary,
} from './operator.js';

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

/** For the HTTP upload/download routes, which check access and audit like a procedure does. */
export { accessPipeline, findActiveMembership } from './services/membership-lookup.js';
export { hasRole } from './domain/roles.js';
export { recordAudit } from './services/audit.js';
export { toAttachment } from './mappers/attachment.js';
export { attachmentSummary } from './services/attachments.js';
export { isDatabaseUnavailable } from './middleware/map-errors.js';
/** The upload route's `Idempotency-Key`: the same at-most-once rule as keyed mutations. */
export { isIdempotencyKeyRecorded, runIdempotent } from './services/idempotency.js';
export { isDomainError } from './domain/errors.js';

/** Demo data for zero-config first runs and `invoice-admin demo seed`. */
export { DEMO_ORG_NAME, seedDemo, type SeedDemoOptions, type SeedDemoResult } from './demo/seed.js';
