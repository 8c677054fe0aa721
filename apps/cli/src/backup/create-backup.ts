import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, realpath, rename, rmdir, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Binary, BSON, type Db, type Document, type MongoClient } from 'mongodb';
import { CommandFailure } from '../cli/command.js';
import type { Progress } from '../cli/progress.js';
import { isEmptyDir, isUploadRootExtra, walkFiles, writeNewFile } from './files.js';
import {
  collectionNameSchema,
  isSafeRelativePath,
  MANIFEST_FILE,
  UPLOADS_DIR,
  type CollectionEntry,
  type FileEntry,
  type Manifest,
} from './manifest.js';

export interface BackupOptions {
  client: MongoClient;
  db: Db;
  /** The backup directory: must not exist yet, or be empty. */
  out: string;
  /** The server's UPLOAD_DIR, or null to back up the database only. */
  uploadDir: string | null;
  gzip: boolean;
  progress: Progress;
  now: Date;
  /** Called inside the snapshot after each collection is written (tests prove isolation with it). */
  afterCollection?: (name: string) => Promise<void>;
}

export interface BackupReport {
  out: string;
  database: string;
  gzip: boolean;
  collections: { name: string; documents: number; indexes: number; bytes: number }[];
  uploads: { files: number; bytes: number; skipped: string[]; vanished: string[] };
  bytes: number;
}

interface CollectionPlan {
  name: string;
  options: Document;
  uuid: string | null;
  indexes: Document[];
}

/** mongodump writes `info.uuid` (a subtype-4 Binary) as 32 hex digits. */
function uuidHex(info: unknown): string | null {
  const uuid = (info as { uuid?: unknown } | undefined)?.uuid;
  return uuid instanceof Binary && uuid.sub_type === Binary.SUBTYPE_UUID
    ? Buffer.from(uuid.buffer).toString('hex')
    : null;
}

/** Collections and their indexes; read before the snapshot (listing is not allowed inside one). */
async function planCollections(db: Db): Promise<CollectionPlan[]> {
  const listed = await db.listCollections({}, { nameOnly: false }).toArray();
  const plans: CollectionPlan[] = [];
  for (const info of listed) {
    if (info.type !== 'collection' || info.name.startsWith('system.')) continue;
    const name = collectionNameSchema.safeParse(info.name);
    if (!name.success) {
      throw new CommandFailure(
        `collection ${JSON.stringify(info.name)} has a name this tool will not use as a file name`,
      );
    }
    const indexes = (await db.collection(info.name).listIndexes().toArray()) as Document[];
    plans.push({
      name: name.data,
      options: info.options ?? {},
      uuid: uuidHex((info as { info?: unknown }).info),
      indexes,
    });
  }
  return plans.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** mongodump's metadata document: options (when any), indexes, uuid, collectionName, type. */
function metadataJson(plan: CollectionPlan): Buffer {
  const meta: Document = {};
  if (Object.keys(plan.options).length > 0) meta.options = plan.options;
  meta.indexes = plan.indexes;
  if (plan.uuid) meta.uuid = plan.uuid;
  meta.collectionName = plan.name;
  meta.type = 'collection';
  return Buffer.from(BSON.EJSON.stringify(meta, { relaxed: false }), 'utf8');
}

async function fsyncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes a consistent backup: every collection read in one snapshot transaction (one point in
 * time across collections), in mongodump's directory layout, plus the upload directory and a
 * manifest of sizes, counts and SHA-256 checksums. Everything is written into a staging
 * directory beside `out` and renamed at the end, so `out` is either complete or absent.
 */
export async function createBackup(options: BackupOptions): Promise<BackupReport> {
  const out = resolve(options.out);
  if (!(await isEmptyDir(out))) {
    throw new CommandFailure(`${out} exists and is not empty; choose a new backup directory`);
  }
  if (options.uploadDir !== null) {
    const info = await stat(options.uploadDir).catch(() => null);
    if (!info?.isDirectory()) {
      throw new CommandFailure(
        `upload directory ${options.uploadDir} not found; pass --upload-dir DIR or --skip-uploads`,
      );
    }
  }
  const staging = join(dirname(out), `.${basename(out)}.partial-${randomBytes(6).toString('hex')}`);
  await mkdir(staging, { recursive: true, mode: 0o700 });
  try {
    const manifest = await writeBackup(options, staging);
    await writeNewFile(join(staging, MANIFEST_FILE), [
      Buffer.from(`${JSON.stringify(manifest.manifest, null, 2)}\n`),
    ]);
    await fsyncDir(staging);
    await rmdir(out).catch(() => undefined);
    await rename(staging, out);
    await fsyncDir(dirname(out));
    return { ...manifest.report, out };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

async function writeBackup(
  options: BackupOptions,
  staging: string,
): Promise<{ manifest: Manifest; report: Omit<BackupReport, 'out'> }> {
  const { db, progress } = options;
  const database = db.databaseName;
  const suffix = options.gzip ? '.gz' : '';
  const plans = await planCollections(db);
  if (plans.length === 0) {
    // The server creates its collections at boot: an empty database is a mistyped --db (or
    // MONGODB_DB), and a backup of it would look complete.
    throw new CommandFailure(
      `database ${database} has no collections; check --db (or MONGODB_DB), nothing written`,
    );
  }
  await mkdir(join(staging, database));

  const collections: CollectionEntry[] = [];
  const session = options.client.startSession();
  try {
    session.startTransaction({ readConcern: { level: 'snapshot' } });
    for (const plan of plans) {
      const dataPath = `${database}/${plan.name}.bson${suffix}`;
      let documents = 0;
      const cursor = db
        .collection(plan.name)
        .find({}, { session, raw: true, sort: { _id: 1 }, batchSize: 1000 });
      async function* raw(): AsyncGenerator<Buffer> {
        for await (const doc of cursor) {
          documents += 1;
          if (documents % 1000 === 0)
            progress.update(`backup ${plan.name}: ${documents} documents`);
          yield Buffer.from(doc as unknown as Uint8Array);
        }
      }
      const data = await writeNewFile(join(staging, dataPath), raw(), { gzip: options.gzip });
      const metadataPath = `${database}/${plan.name}.metadata.json${suffix}`;
      const metadata = await writeNewFile(join(staging, metadataPath), [metadataJson(plan)], {
        gzip: options.gzip,
      });
      collections.push({
        name: plan.name,
        documents,
        indexes: plan.indexes.length,
        data: { path: dataPath, ...data },
        metadata: { path: metadataPath, ...metadata },
      });
      progress.update(`backup ${plan.name}: ${documents} documents`);
      await options.afterCollection?.(plan.name);
    }
    await session.commitTransaction();
  } catch (error) {
    if (session.inTransaction()) await session.abortTransaction().catch(() => undefined);
    throw error;
  } finally {
    await session.endSession();
  }

  const uploads = options.uploadDir
    ? await copyUploads(options.uploadDir, staging, progress)
    : { files: [], skipped: [], vanished: [] };
  const uploadBytes = uploads.files.reduce((sum, f) => sum + f.bytes, 0);
  const manifest: Manifest = {
    format: 'invoice-admin-backup',
    version: 1,
    createdAt: options.now.toISOString(),
    database,
    gzip: options.gzip,
    consistency: 'snapshot-transaction',
    collections,
    uploads: { included: options.uploadDir !== null, files: uploads.files, bytes: uploadBytes },
  };
  const collectionBytes = collections.reduce((s, c) => s + c.data.bytes + c.metadata.bytes, 0);
  return {
    manifest,
    report: {
      database,
      gzip: options.gzip,
      collections: collections.map((c) => ({
        name: c.name,
        documents: c.documents,
        indexes: c.indexes,
        bytes: c.data.bytes + c.metadata.bytes,
      })),
      uploads: {
        files: uploads.files.length,
        bytes: uploadBytes,
        skipped: uploads.skipped,
        vanished: uploads.vanished,
      },
      bytes: collectionBytes + uploadBytes,
    },
  };
}

/**
 * Opens `relative` under `root` for reading only if it is still a regular file reached without
 * any symlink: the walk saw a file, but whoever can write the upload directory may have swapped
 * it (or a directory above it) for a link since. The handle closes when its stream ends.
 */
async function openRegularFile(
  root: string,
  relative: string,
): Promise<FileHandle | 'vanished' | 'not a regular file'> {
  const path = join(root, relative);
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'vanished';
    if (code === 'ELOOP') return 'not a regular file';
    throw error;
  }
  const regular =
    (await handle.stat()).isFile() && (await realpath(dirname(path))) === dirname(path);
  if (regular) return handle;
  await handle.close();
  return 'not a regular file';
}

/**
 * Copies the upload directory (dot-entries such as the server's `.tmp` excluded, and a volume's
 * `lost+found` at its root). A file deleted while we copy is reported as vanished; symlinks and
 * odd names are skipped and reported.
 */
async function copyUploads(
  uploadDir: string,
  staging: string,
  progress: Progress,
): Promise<{ files: FileEntry[]; skipped: string[]; vanished: string[] }> {
  const root = await realpath(uploadDir);
  const walked = await walkFiles(root, { skipDotEntries: true, skipAtRoot: isUploadRootExtra });
  const skipped = [...walked.skipped];
  const vanished = [...walked.vanished];
  const files: FileEntry[] = [];
  let done = 0;
  for (const file of walked.files) {
    done += 1;
    if (!isSafeRelativePath(file.path)) {
      skipped.push(file.path);
      continue;
    }
    const target = `${UPLOADS_DIR}/${file.path}`;
    const source = await openRegularFile(root, file.path);
    if (source === 'vanished') {
      vanished.push(file.path);
    } else if (source === 'not a regular file') {
      skipped.push(file.path);
    } else {
      const written = await mkdir(dirname(join(staging, target)), { recursive: true })
        .then(() => writeNewFile(join(staging, target), source.createReadStream()))
        .finally(() => source.close().catch(() => undefined));
      files.push({ path: target, ...written });
    }
    progress.update(`backup uploads: ${done}/${walked.files.length} files`);
  }
  return { files, skipped, vanished };
}
