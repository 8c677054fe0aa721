import { readFile, writeFile } from 'node:fs/promises';
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
}

const FILE = 'dev-session.json';

export async function writeDevSession(dataDir: string, session: DevSession): Promise<void> {
  await writeFile(join(dataDir, FILE), `${JSON.stringify(session, null, 2)}\n`);
}

export async function readDevSession(dataDir: string): Promise<DevSession> {
  const text = await readFile(join(dataDir, FILE), 'utf8').catch(() => {
    throw new Error(
      `No running zero-config server found (${join(dataDir, FILE)} is missing). Start it with "pnpm start".`,
    );
  });
  return JSON.parse(text) as DevSession;
}
