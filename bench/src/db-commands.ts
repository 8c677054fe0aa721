import { z } from 'zod';

const dbCommandState = z.object({
  inFlight: z.number().int(),
  startedByName: z.record(z.string(), z.number()),
});
export type DbCommandState = z.infer<typeof dbCommandState>;

/** One of the server child's `/bench/...` endpoints, its JSON checked against `schema`. */
async function benchEndpoint<T>(
  baselineUrl: string,
  path: string,
  schema: z.ZodType<T>,
): Promise<T> {
  const res = await fetch(`${baselineUrl}${path}`);
  if (!res.ok) throw new Error(`${path} answered ${res.status}`);
  return schema.parse(await res.json());
}

/** MongoDB commands the server child has started, by name, and how many are still running. */
export function dbCommands(baselineUrl: string): Promise<DbCommandState> {
  return benchEndpoint(baselineUrl, '/bench/db-commands', dbCommandState);
}

/** Commands per request between two snapshots, by command and in total. */
export function commandsPerRequest(
  before: DbCommandState,
  after: DbCommandState,
  requests: number,
): { total: number; byCommand: Record<string, number> } {
  const byCommand: Record<string, number> = {};
  let total = 0;
  for (const [command, count] of Object.entries(after.startedByName)) {
    const delta = count - (before.startedByName[command] ?? 0);
    if (delta <= 0 || requests === 0) continue;
    byCommand[command] = Number((delta / requests).toFixed(2));
    total += delta;
  }
  return { total: requests === 0 ? 0 : Number((total / requests).toFixed(2)), byCommand };
}

/**
 * Waits until the server is idle: no MongoDB command running and none started for a second.
 * autocannon abandons the requests in flight when a run ends and the server still finishes
 * them; that work must not leak into the next scenario or into the probe's counts.
 */
export async function waitForQuiet(baselineUrl: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let previous = JSON.stringify(await dbCommands(baselineUrl));
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    const state = await dbCommands(baselineUrl);
    const current = JSON.stringify(state);
    if (current !== previous || state.inFlight > 0) quietSince = Date.now();
    else if (Date.now() - quietSince >= 1_000) return;
    previous = current;
  }
  throw new Error(`the server was still busy ${timeoutMs} ms after the last run`);
}

const dbDurationsSchema = z.object({
  commands: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  p50: z.number().nonnegative(),
  p90: z.number().nonnegative(),
  p99: z.number().nonnegative(),
});
export type DbDurations = z.infer<typeof dbDurationsSchema>;

/** Forgets the command durations recorded so far (called right before a measured run). */
export async function resetDbDurations(baselineUrl: string): Promise<void> {
  const res = await fetch(`${baselineUrl}/bench/db-durations/reset`, { method: 'POST' });
  if (!res.ok) throw new Error(`/bench/db-durations/reset answered ${res.status}`);
}

/** Durations (ms, driver-measured) and failures of the commands since the last reset. */
export function dbDurations(baselineUrl: string): Promise<DbDurations> {
  return benchEndpoint(baselineUrl, '/bench/db-durations', dbDurationsSchema);
}

const cpuUsage = z.object({ user: z.number().nonnegative(), system: z.number().nonnegative() });

/** CPU time (user + system, µs) the server child has used so far. */
export async function serverCpuMicros(baselineUrl: string): Promise<number> {
  const usage = await benchEndpoint(baselineUrl, '/bench/cpu', cpuUsage);
  return usage.user + usage.system;
}
