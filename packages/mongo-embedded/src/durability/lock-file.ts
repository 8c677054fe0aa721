/**
 * `mongod.lock`: one process per dbPath. The file holds the owner's pid; it is created
 * atomically with its content (write a private temp file, then link(2), which fails when
 * the lock exists), so a reader never sees an empty lock from a live owner. A lock whose
 * pid is no longer running is stale (the owner was killed) and is taken over. On Linux the
 * owner's start time (from /proc) is recorded too, so a pid reused by another process (a
 * container restarted on the same volume gets the same small pids) doesn't look alive.
 */
import { readFileSync } from 'node:fs';
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
  await writeFile(tempPath, `${process.pid} ${startTimeOf(process.pid) ?? ''}\n`, { flush: true });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(tempPath, lockPath);
        break;
      } catch (error) {
        if (!isCode(error, 'EEXIST') || attempt >= 5) throw error;
      }
      const owner = await readOwner(lockPath);
      if (owner !== undefined && owner.pid !== process.pid && isRunning(owner)) {
        throw new DbPathLockedError(dir, owner.pid);
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
      if ((await readOwner(lockPath))?.pid === process.pid) await unlink(lockPath);
    },
  };
}

interface LockOwner {
  pid: number;
  /** /proc start time of the owner when it took the lock (Linux only). */
  startTime: string | undefined;
}

async function readOwner(lockPath: string): Promise<LockOwner | undefined> {
  try {
    const [pidText, startTime] = (await readFile(lockPath, 'utf8')).trim().split(/\s+/);
    const pid = Number.parseInt(pidText ?? '', 10);
    if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
    return { pid, startTime: startTime === '' ? undefined : startTime };
  } catch (error) {
    if (isCode(error, 'ENOENT')) return undefined;
    throw error;
  }
}

function isRunning(owner: LockOwner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if (!isCode(error, 'EPERM')) return false; // EPERM: exists but belongs to someone else
  }
  const now = startTimeOf(owner.pid);
  // A different start time means the pid now belongs to another process.
  return owner.startTime === undefined || now === undefined || now === owner.startTime;
}

/** Field 22 of /proc/PID/stat (start time in clock ticks since boot), or undefined off Linux. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19]; // field 22 overall = index 19 after "pid (comm)"
  } catch {
    return undefined;
  }
}

export function isCode(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
