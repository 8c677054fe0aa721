import { publicProcedure, router } from '../trpc.js';

export const systemRouter = router({
  /** Cheap round-trip for clients checking that the API answers. */
  ping: publicProcedure.query(({ ctx }) => ({ ok: true as const, time: ctx.clock.now() })),
});
