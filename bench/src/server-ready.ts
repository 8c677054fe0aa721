/**
 * What the bench runner and its server child agree on. Its own module so the server child's
 * bundle does not pull in the launcher (stack.ts: the emulator, esbuild, process spawning).
 */
export const PROJECT_ID = 'demo-invoices';

/** What the server child reports once both of its servers listen. */
export interface ServerReady {
  /** The real app as configured by default (tRPC fast path on). */
  appUrl: string;
  /** The real app with TRPC_FAST_PATH=false. */
  appOfficialUrl: string;
  baselineUrl: string;
  mongoUri: string;
}
