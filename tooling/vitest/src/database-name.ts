/**
 * A database name unique to this vitest worker and suite, so parallel workers
 * (and parallel runs against one real MongoDB) never share state.
 * MongoDB limits database names to 63 bytes and forbids `/\. "$*<>:|?`.
 */
export function testDatabaseName(suite: string, env: NodeJS.ProcessEnv = process.env): string {
  const worker = env.VITEST_POOL_ID ?? env.VITEST_WORKER_ID ?? '0';
  const safeSuite = suite
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '_')
    .slice(0, 32);
  const unique = `${process.pid.toString(36)}${Date.now().toString(36)}`;
  return `t_${safeSuite}_w${worker}_${unique}`.slice(0, 63);
}
