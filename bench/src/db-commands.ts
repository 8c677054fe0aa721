const COUNT_LINE = /^mongodb_command_duration_seconds_count\{([^}]*)\}\s+(\d+(?:\.\d+)?)$/m;

/**
 * MongoDB commands the server child has sent so far, by command name, from the real app's
 * /metrics (driver command monitoring on the one client that the apps and the baselines share).
 */
export async function mongoCommandCounts(appUrl: string): Promise<Record<string, number>> {
  const res = await fetch(`${appUrl}/metrics`);
  if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
  const counts: Record<string, number> = {};
  for (const line of (await res.text()).split('\n')) {
    const match = COUNT_LINE.exec(line);
    if (!match) continue;
    const command = /command="([^"]*)"/.exec(match[1] ?? '')?.[1] ?? 'unknown';
    counts[command] = (counts[command] ?? 0) + Number(match[2]);
  }
  return counts;
}

/** Commands per completed request between two snapshots, by command and in total. */
export function commandsPerRequest(
  before: Record<string, number>,
  after: Record<string, number>,
  requests: number,
): { total: number; byCommand: Record<string, number> } {
  const byCommand: Record<string, number> = {};
  let total = 0;
  for (const [command, count] of Object.entries(after)) {
    const delta = count - (before[command] ?? 0);
    if (delta <= 0 || requests === 0) continue;
    byCommand[command] = Number((delta / requests).toFixed(2));
    total += delta;
  }
  return { total: requests === 0 ? 0 : Number((total / requests).toFixed(2)), byCommand };
}

/**
 * Waits until the server has stopped sending MongoDB commands: autocannon abandons the requests
 * in flight when a run ends, and the server finishes them; that work must not leak into the
 * next scenario (or into the probe's counts).
 */
export async function waitForQuiet(appUrl: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let previous = JSON.stringify(await mongoCommandCounts(appUrl));
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    const current = JSON.stringify(await mongoCommandCounts(appUrl));
    if (current === previous) return;
    previous = current;
  }
  throw new Error(`the server was still busy ${timeoutMs} ms after the last run`);
}
