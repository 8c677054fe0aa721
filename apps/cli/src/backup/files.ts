import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';

export interface WrittenFile {
  bytes: number;
  sha256: string;
}

/** Counts and hashes the bytes that pass through. */
function measuring(): { stream: Transform; result(): WrittenFile } {
  const hash = createHash('sha256');
  let bytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  return { stream, result: () => ({ bytes, sha256: hash.digest('hex') }) };
}

/**
 * Writes a stream to a new file (never overwrites), optionally gzipped, and fsyncs it. Returns
 * the size and SHA-256 of the bytes on disk, which is what the manifest vouches for.
 */
export async function writeNewFile(
  path: string,
  source: Iterable<Buffer> | AsyncIterable<Buffer | Uint8Array> | Readable,
  options: { gzip?: boolean } = {},
): Promise<WrittenFile> {
  const measure = measuring();
  const input = source instanceof Readable ? source : Readable.from(source);
  const output = createWriteStream(path, { flags: 'wx', mode: 0o600 });
  if (options.gzip) await pipeline(input, createGzip(), measure.stream, output);
  else await pipeline(input, measure.stream, output);
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  return measure.result();
}

/** Size and SHA-256 of a file as stored. */
export async function measureFile(path: string): Promise<WrittenFile> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** The file's content as stored, gunzipped when `gzip`. */
export function readContent(path: string, gzip: boolean): Readable {
  const raw = createReadStream(path);
  if (!gzip) return raw;
  const gunzip = createGunzip();
  raw.on('error', (error) => gunzip.destroy(error));
  return raw.pipe(gunzip);
}

/** Reads at most `max` bytes of content (gunzipped when `gzip`); more is an error. */
export async function readSmallContent(path: string, gzip: boolean, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  const stream = readContent(path, gzip);
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > max) {
      stream.destroy();
      throw new Error(`${path} is larger than ${max} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export interface WalkedFile {
  /** Path relative to the walked root, with "/" separators. */
  path: string;
  bytes: number;
}

export interface WalkResult {
  files: WalkedFile[];
  /**
   * Symlinks, sockets and other non-regular entries (never followed or copied), and names that
   * are not UTF-8 (no path in a manifest can name them; shown with U+FFFD).
   */
  skipped: string[];
  /** Entries listed, then gone before they were looked at (deleted while walking). */
  vanished: string[];
}

function isGone(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Whether an entry directly in an upload directory is not an upload: a dot-entry (the server's
 * `.tmp`, readiness probes) or what a filesystem puts at a volume's root and the server never
 * writes (ext2/3/4's `lost+found`, readable by root only: an upload volume mounted at
 * `UPLOAD_DIR` has one, a backup run as the service user could not read it, and a restore
 * counted it as content). Backups leave these out; restores neither count nor remove them.
 */
export function isUploadRootExtra(name: string): boolean {
  return name.startsWith('.') || name === 'lost+found';
}

/** A directory entry's name, or null when it is not UTF-8 (no manifest path can name it). */
export function utf8Name(raw: Buffer): string | null {
  const name = raw.toString('utf8');
  return Buffer.from(name, 'utf8').equals(raw) ? name : null;
}

/**
 * Lists regular files under `root` (relative paths, sorted), skipping dot-entries at any depth
 * when `skipDotEntries` (the server's `.tmp` and readiness probes) and the entries directly
 * under `root` that `skipAtRoot` names. Symlinks are never followed: they are reported in
 * `skipped`. A file or directory deleted while the walk runs (a live upload directory) is
 * reported in `vanished`, not an error.
 */
export async function walkFiles(
  root: string,
  options: { skipDotEntries: boolean; skipAtRoot?: (name: string) => boolean },
): Promise<WalkResult> {
  const files: WalkedFile[] = [];
  const skipped: string[] = [];
  const vanished: string[] = [];
  async function visit(relative: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(join(root, relative), { withFileTypes: true, encoding: 'buffer' });
    } catch (error) {
      if (relative && isGone(error)) return void vanished.push(relative);
      throw error;
    }
    for (const entry of entries) {
      const utf8 = utf8Name(entry.name);
      const name = utf8 ?? entry.name.toString('utf8');
      if (options.skipDotEntries && name.startsWith('.')) continue;
      if (!relative && options.skipAtRoot?.(name) === true) continue;
      const path = relative ? `${relative}/${name}` : name;
      if (utf8 === null) skipped.push(path);
      else if (entry.isDirectory()) await visit(path);
      else if (entry.isFile()) {
        try {
          files.push({ path, bytes: (await lstat(join(root, path))).size });
        } catch (error) {
          if (!isGone(error)) throw error;
          vanished.push(path);
        }
      } else skipped.push(path);
    }
  }
  await visit('');
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, skipped: skipped.sort(), vanished: vanished.sort() };
}

/** True when the directory does not exist or holds nothing but the entries `ignore` names. */
export async function isEmptyDir(
  path: string,
  ignore: (name: string) => boolean = () => false,
): Promise<boolean> {
  try {
    const entries = await readdir(path);
    return entries.every(ignore);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
}
