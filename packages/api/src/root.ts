import { memberRouter } from './router/member.js';
import { organizationRouter } from './router/organization.js';
import { systemRouter } from './router/system.js';
import { router } from './trpc.js';

export const appRouter = router({
  system: systemRouter,
  organization: organizationRouter,
  member: memberRouter,
});

export type AppRouter = typeof appRouter;
