/**
 * `mongod.lock`: one process per dbPath. The file holds the owner's pid; it is created
 * atomically with its content (write a private temp file, then link(2), which fails when
 * the lock exists), so a reader never sees an empty lock from a live owner. A lock whose
 * pid is no longer running is stale (the owner was killed) and is taken over.
 */
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export const LOCK_FILE = 'mongod.lock';

export class DbPathLockedError extends Error {
  override name = 'DbPathLockedError';
  constructor(
    readonly dbPath: string,
    readonly ownerPid: number,
  ) {
    super(
      `dbPath ${dbPath} is in use by process ${ownerPid} (lock file ${join(dbPath, LOCK_FILE)}); ` +
        'stop that process or use another --dbpath',
    );
  }
}

/** dbPaths locked by this process: a second open in the same process is refused as well. */
const heldHere = new Set<string>();

export interface DbPathLock {
  release(): Promise<void>;
}

export async function acquireLock(dbPath: string): Promise<DbPathLock> {
  const dir = resolve(dbPath);
  const lockPath = join(dir, LOCK_FILE);
  if (heldHere.has(dir)) throw new DbPathLockedError(dir, process.pid);
  const tempPath = join(dir, `${LOCK_FILE}.${process.pid}.tmp`);
  await writeFile(tempPath, `${process.pid}\n`, { flush: true });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(tempPath, lockPath);
        break;
      } catch (error) {
        if (!isCode(error, 'EEXIST') || attempt >= 5) throw error;
      }
      const owner = await readOwner(lockPath);
      if (owner !== undefined && owner !== process.pid && isRunning(owner)) {
        throw new DbPathLockedError(dir, owner);
      }
      // Stale (dead owner, unreadable, or our own pid left by an instance that never closed).
      await unlink(lockPath).catch((error: unknown) => {
        if (!isCode(error, 'ENOENT')) throw error;
      });
    }
  } finally {
    await unlink(tempPath).catch(() => undefined);
  }
  heldHere.add(dir);
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      heldHere.delete(dir);
      if ((await readOwner(lockPath)) === process.pid) await unlink(lockPath);
    },
  };
}

async function readOwner(lockPath: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(lockPath, 'utf8')).trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch (error) {
    if (isCode(error, 'ENOENT')) return undefined;
    throw error;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isCode(error, 'EPERM'); // exists but belongs to someone else
  }
}

export function isCode(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
