import type { AuthUser, Context, OrgContext } from '../../context.js';

/** What an org-scoped procedure hands its services: the verified caller, membership and org. */
export type OrgCallContext = Context & OrgContext & { user: AuthUser };
