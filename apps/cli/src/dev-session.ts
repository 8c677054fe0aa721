import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { mongoUriSchema } from './env.js';

/** Where the zero-config server (`pnpm start`, run in apps/server) keeps its data by default. */
const SERVER_DATA_DIR = fileURLToPath(new URL('../../server/.data', import.meta.url));

/** The part of the zero-config server's `dev-session.json` the CLI reads. */
const devSessionSchema = z.object({
  mongoUri: mongoUriSchema,
  uploadDir: z.string().min(1).max(4096),
  /** The server's process; absent in files written before it was recorded. */
  pid: z.number().int().positive().optional(),
});
export type DevSession = z.infer<typeof devSessionSchema>;

/** Whether `pid` names a running process (EPERM: running, as another user). */
function processRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The running zero-config server's embedded database and upload directory (its
 * `dev-session.json` in `DATA_DIR`, by default apps/server/.data), or null when there is none:
 * without MONGODB_URI the CLI works on the same data as `pnpm start`. A file whose server
 * process has exited (killed: a clean shutdown removes it) counts as none.
 */
export async function readDevSession(dataDir: string | undefined): Promise<DevSession | null> {
  const path = join(dataDir ?? SERVER_DATA_DIR, 'dev-session.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = devSessionSchema.safeParse(JSON.parse(text));
    if (!parsed.success) return null;
    const { pid } = parsed.data;
    return pid === undefined || processRunning(pid) ? parsed.data : null;
  } catch {
    return null;
  }
}
