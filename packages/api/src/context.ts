import type { Database, MembershipDoc, OrganizationDoc } from '@invoice/db';
import type { Logger } from 'pino';
import type { OperatorIdentity } from './operator-access.js';

export interface Clock {
  now(): Date;
}

/** The caller, as established by a verified Firebase ID token (or an operator identity in the CLI). */
export interface AuthUser {
  uid: string;
  email: string | null;
  emailVerified: boolean;
}

/**
 * Where attachment files live (disk, object storage). The HTTP server provides it; callers
 * without files (CLI, most tests) leave it out and only the metadata is touched.
 */
export interface AttachmentStore {
  /** Removes a stored file; a missing file is not an error. */
  remove(storageKey: string): Promise<void>;
}

export interface Context {
  db: Database;
  user: AuthUser | null;
  log: Logger;
  clock: Clock;
  requestId: string | null;
  /**
   * Re-checks the caller's token against revocation before a sensitive mutation. HTTP
   * supplies one bound to the request's token; in-process callers are already trusted.
   */
  assertTokenNotRevoked: () => Promise<void>;
  /** Null where no files are served (CLI, in-process tools): only metadata is touched. */
  attachmentStore: AttachmentStore | null;
  /**
   * Set only by `createOperatorContext` (the ops CLI): owner level in every organization.
   * `createContextInner`, the only factory HTTP uses, always sets null.
   */
  operator: OperatorIdentity | null;
}

/** What `orgProcedure` adds: the verified membership and its organization. */
export interface OrgContext {
  org: OrganizationDoc;
  membership: MembershipDoc;
}

/** What an org-scoped procedure hands its services: the verified caller, membership and org. */
export type OrgCallContext = Context & OrgContext & { user: AuthUser };

export interface ContextInnerOptions {
  db: Database;
  log: Logger;
  user?: AuthUser | null;
  clock?: Clock;
  requestId?: string | null;
  assertTokenNotRevoked?: () => Promise<void>;
  attachmentStore?: AttachmentStore;
}

export const systemClock: Clock = { now: () => new Date() };

/** Adapter-agnostic context: HTTP wraps it, the CLI and tests call it directly. */
export function createContextInner(options: ContextInnerOptions): Context {
  return {
    db: options.db,
    log: options.log,
    user: options.user ?? null,
    clock: options.clock ?? systemClock,
    requestId: options.requestId ?? null,
    assertTokenNotRevoked: options.assertTokenNotRevoked ?? (() => Promise.resolve()),
    attachmentStore: options.attachmentStore ?? null,
    operator: null,
  };
}
