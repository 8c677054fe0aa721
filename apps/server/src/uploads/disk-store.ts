import type { WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { AttachmentStore } from '@invoice/api';

const STORAGE_KEY = /^[0-9a-f]{24}\/[0-9a-f]{24}$/;

/**
 * The absolute path of a stored file. Keys are `<orgId>/<generatedId>` (both ObjectId hex);
 * anything else is refused, so a corrupted key can never reach outside the upload dir.
 */
export function storagePath(uploadDir: string, storageKey: string): string {
  if (!STORAGE_KEY.test(storageKey)) throw new Error(`Invalid storage key: ${storageKey}`);
  const root = resolve(uploadDir);
  const path = resolve(root, storageKey);
  if (!path.startsWith(root + sep)) throw new Error(`Storage key escapes the upload dir`);
  return path;
}

/** Where uploads are written before they are complete; never served. */
export function tempDir(uploadDir: string): string {
  return join(resolve(uploadDir), '.tmp');
}

/**
 * Removes an upload's temp file once its stream has let go of it. A stream destroyed before its
 * asynchronous open ran (a refusal decided at once) still creates the file, then closes it:
 * removing the path right away would run first and leave the file behind.
 */
export async function discardTempFile(out: WriteStream | undefined, path: string): Promise<void> {
  if (out !== undefined && !out.closed) {
    await new Promise<void>((done) => out.once('close', () => done()));
  }
  await rm(path, { force: true });
}

/** The store tRPC's attachment.delete uses: removes `UPLOAD_DIR/<storageKey>`. */
export function createDiskAttachmentStore(uploadDir: string): AttachmentStore {
  return {
    remove: (storageKey) => rm(storagePath(uploadDir, storageKey), { force: true }),
  };
}
