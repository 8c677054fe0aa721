import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * What the zero-config server writes so `pnpm id-token <email>` can reach the same emulator, and
 * `invoice-admin` (without MONGODB_URI) the same embedded database and upload directory.
 */
export interface DevSession {
  apiUrl: string;
  authEmulatorHost: string;
  projectId: string;
  /** The embedded database's URI (its port changes with every start). */
  mongoUri?: string;
  /** Absolute. */
  uploadDir?: string;
  /** The server's process: a session whose process is gone is stale (a killed server). */
  pid?: number;
}

const FILE = 'dev-session.json';

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
  const session = JSON.parse(text) as DevSession;
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
