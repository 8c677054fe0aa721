import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { firebaseProjectId, hostPort } from '../env.js';

const FILE = 'dev-session.json';

/**
 * What the zero-config server writes so `pnpm id-token <email>` can reach the same emulator, and
 * `invoice-admin` (without MONGODB_URI) the same embedded database and upload directory; what
 * readDevSession accepts back.
 */
const devSessionSchema = z.strictObject({
  apiUrl: z.url({ protocol: /^https?$/ }),
  // As FIREBASE_AUTH_EMULATOR_HOST and FIREBASE_PROJECT_ID are checked: both go into URLs.
  authEmulatorHost: hostPort,
  projectId: firebaseProjectId,
  /** The embedded database's URI (its port changes with every start). */
  mongoUri: z.string().min(1).max(4096).optional(),
  /** Absolute. */
  uploadDir: z.string().min(1).max(4096).optional(),
  /** The server's process: a session whose process is gone is stale (a killed server). */
  pid: z.number().int().positive().optional(),
});
export type DevSession = z.infer<typeof devSessionSchema>;

export async function writeDevSession(dataDir: string, session: DevSession): Promise<void> {
  await writeFile(join(dataDir, FILE), `${JSON.stringify(session, null, 2)}\n`);
}

/** Whether `pid` names a running process (EPERM: running, as another user). */
export function processRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function readDevSession(dataDir: string): Promise<DevSession> {
  const path = join(dataDir, FILE);
  const text = await readFile(path, 'utf8').catch(() => {
    throw new Error(
      `No running zero-config server found (${path} is missing). Start it with "pnpm start".`,
    );
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const checked = devSessionSchema.safeParse(parsed);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const where = issue?.path.map(String).join('.') || 'the file';
    throw new Error(
      `${path} is not a session "pnpm start" wrote (${parsed === undefined ? 'not JSON' : `${where}: ${issue?.message ?? 'invalid'}`}). Start the server again with "pnpm start".`,
    );
  }
  const session: DevSession = checked.data;
  if (session.pid !== undefined && !processRunning(session.pid)) {
    throw new Error(
      `No running zero-config server found (${path} names process ${session.pid}, which has exited). Start it with "pnpm start".`,
    );
  }
  return session;
}

/**
 * On shutdown: removes the session file if this process wrote it, so the tools say "not
 * running" instead of trying ports nobody listens on. A file another server wrote since (the
 * same DATA_DIR started twice) is left alone.
 */
export async function removeDevSession(dataDir: string, pid: number): Promise<void> {
  const path = join(dataDir, FILE);
  const text = await readFile(path, 'utf8').catch(() => null);
  if (text === null) return;
  let owner: unknown;
  try {
    owner = (JSON.parse(text) as DevSession).pid;
  } catch {
    return;
  }
  if (owner === pid) await rm(path, { force: true });
}
