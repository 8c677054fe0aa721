import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { basename, join, sep } from 'node:path';
import { CommandFailure } from '../cli/command.js';
import type { Progress } from '../cli/progress.js';
import { isUploadRootExtra, utf8Name, writeNewFile } from './files.js';
import { UPLOADS_DIR, type Manifest } from './manifest.js';

export interface UploadsReport {
  files: number;
  bytes: number;
  /** With `drop`: entries of the upload directory the backup does not hold, removed at the end. */
  removed: number;
}

/** What `restoreUploads` copied: the paths (relative to the upload directory) it put in place. */
export interface RestoredUploads {
  files: number;
  bytes: number;
  restored: ReadonlySet<string>;
}

/**
 * Creates `relative` (a safe path of plain segments) under `root` one directory at a time and
 * refuses when any of them is not a real directory: a symlink planted in the upload directory
 * (by whoever can write it) never makes the restore write somewhere else.
 */
async function realDirectory(root: string, relative: string): Promise<string> {
  let path = root;
  for (const segment of relative.split('/')) {
    path = join(path, segment);
    await mkdir(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    const info = await lstat(path);
    if (!info.isDirectory()) {
      throw new CommandFailure(
        `restore stopped: ${path} is not a directory (a symlink?); nothing is written through it`,
        { path },
      );
    }
  }
  return path;
}

const SEPARATOR = Buffer.from(sep);

/**
 * Removes what the upload directory holds beyond `keep` (relative file paths): files, symlinks
 * (the link, never its target) and directories left empty. Dot-entries at the top (the server's
 * `.tmp`, readiness probes) and a volume's `lost+found` stay. Returns how many entries went.
 * Names are read as bytes: a name that is not UTF-8 (no backup holds one) read as a string
 * came back with U+FFFD, `rm` missed the real file while counting it removed, and the directory
 * holding it failed to go (ENOENT, ENOTEMPTY) after the database had been swapped in.
 */
async function removeOthers(uploadDir: string, keep: ReadonlySet<string>): Promise<number> {
  let removed = 0;
  /** `relative` is the path below `uploadDir`, or null under a name that is not UTF-8. */
  async function visit(dir: Buffer, relative: string | null): Promise<boolean> {
    let left = 0;
    for (const entry of await readdir(dir, { withFileTypes: true, encoding: 'buffer' })) {
      const name = utf8Name(entry.name);
      const full = Buffer.concat([dir, SEPARATOR, entry.name]);
      const path =
        relative === null || name === null ? null : relative ? `${relative}/${name}` : name;
      if (relative === '' && isUploadRootExtra(name ?? entry.name.toString('utf8'))) {
        left += 1;
      } else if (entry.isDirectory()) {
        if (await visit(full, path)) {
          await rmdir(full);
          removed += 1;
        } else left += 1;
      } else if (entry.isFile() && path !== null && keep.has(path)) {
        left += 1;
      } else {
        await rm(full, { force: true });
        removed += 1;
      }
    }
    return left === 0;
  }
  await visit(Buffer.from(uploadDir), '');
  return removed;
}

/** The server stores files as `<orgId>/<fileId>` (ObjectId hex) beside dot-entries (`.tmp`). */
const ORG_DIRECTORY = /^[0-9a-f]{24}$/;

/**
 * What `--drop` would remove at the top of `uploadDir` that an upload directory never holds
 * (anything but dot-entries, `<orgId>` directories and a volume's `lost+found`), at most 5
 * names; empty when it looks like one, or does not exist. A mistyped `--upload-dir` (the
 * service's home, a data directory) is refused instead of emptied.
 */
export async function foreignUploadEntries(uploadDir: string): Promise<string[]> {
  const entries = await readdir(uploadDir, { withFileTypes: true }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    },
  );
  return entries
    .filter((e) => !isUploadRootExtra(e.name) && !(e.isDirectory() && ORG_DIRECTORY.test(e.name)))
    .map((e) => e.name)
    .sort()
    .slice(0, 5);
}

/**
 * Copies the backup's files into the upload directory, each through a temp name in its final
 * directory and re-checking its SHA-256. Only once every file is in place does `drop` remove the
 * entries the backup does not hold, so a restore that fails part-way (a full disk) leaves every
 * file that was there before.
 */
export async function restoreUploads(
  from: string,
  manifest: Manifest,
  uploadDir: string,
  progress: Progress,
): Promise<RestoredUploads> {
  await mkdir(uploadDir, { recursive: true });
  const restored = new Set<string>();
  for (const entry of manifest.uploads.files) {
    const relative = entry.path.slice(UPLOADS_DIR.length + 1);
    const segments = relative.split('/');
    const name = segments.pop()!;
    const dir =
      segments.length > 0 ? await realDirectory(uploadDir, segments.join('/')) : uploadDir;
    const temp = join(dir, `.${basename(name)}.restore-${randomBytes(6).toString('hex')}`);
    // A failed copy (a full disk) leaves no partial temp file behind.
    const written = await writeNewFile(temp, createReadStream(join(from, entry.path))).catch(
      async (error: unknown) => {
        await rm(temp, { force: true });
        throw error;
      },
    );
    if (written.sha256 !== entry.sha256) {
      await rm(temp, { force: true });
      throw new CommandFailure(`${entry.path} changed during the restore; rerun it`);
    }
    await rename(temp, join(dir, name));
    restored.add(relative);
    progress.update(`restore uploads: ${restored.size}/${manifest.uploads.files.length} files`);
  }
  return { files: restored.size, bytes: manifest.uploads.bytes, restored };
}

/**
 * With `--drop`, once the database is swapped in: removes the upload directory's entries the
 * backup does not hold. Last, so a restore that fails earlier leaves every file in place.
 */
export async function removeUnrestored(
  uploadDir: string,
  copied: RestoredUploads,
): Promise<UploadsReport> {
  const removed = await removeOthers(uploadDir, copied.restored);
  return { files: copied.files, bytes: copied.bytes, removed };
}
