import { execFile } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SmallVolume {
  /** The mount point: a real filesystem of `bytes` capacity. */
  dir: string;
  /** Writes a file until the volume reports ENOSPC; returns its path. */
  fill(name: string): string;
  unmount(): Promise<void>;
}

/** Runs a privileged command as is (root) or through passwordless sudo; null when it ran. */
async function privileged(args: string[]): Promise<string | null> {
  const attempts: string[][] = process.getuid?.() === 0 ? [args] : [args, ['sudo', '-n', ...args]];
  const errors: string[] = [];
  for (const [command, ...rest] of attempts) {
    try {
      await run(command ?? '', rest);
      return null;
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      errors.push(`${[command, ...rest].join(' ')}: ${(e.stderr ?? '').trim() || e.message}`);
    }
  }
  return errors.join('\n');
}

/**
 * Mounts a tmpfs of `bytes` (a real, separate filesystem, so ENOSPC comes from the kernel).
 * Needs CAP_SYS_ADMIN: root, or passwordless sudo (GitHub's hosted runners have it). Throws
 * with what to do otherwise: a disk-full drill that cannot fill a disk must fail, not pass.
 */
export async function mountSmallVolume(bytes: number): Promise<SmallVolume> {
  const dir = await mkdtemp(join(tmpdir(), 'invoice-small-volume-'));
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const failure = await privileged([
    'mount',
    '-t',
    'tmpfs',
    '-o',
    `size=${bytes},mode=0700,uid=${uid},gid=${gid}`,
    'tmpfs',
    dir,
  ]);
  if (failure !== null) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(
      'The disk-full drill needs a small real filesystem: it mounts a tmpfs, which needs root ' +
        '(CAP_SYS_ADMIN, e.g. a privileged container) or passwordless sudo.\n' +
        failure,
    );
  }
  return {
    dir,
    fill(name) {
      const path = join(dir, name);
      const fd = openSync(path, 'wx');
      const chunk = Buffer.alloc(4096, 0x61);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (error) {
        if ((error as { code?: string }).code !== 'ENOSPC') throw error;
      } finally {
        closeSync(fd);
      }
      return path;
    },
    async unmount() {
      const failed = await privileged(['umount', dir]);
      if (failed !== null) throw new Error(`could not unmount ${dir}:\n${failed}`);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
