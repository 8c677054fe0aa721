import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { BSON, type Db, type Document } from 'mongodb';
import { CommandFailure } from '../cli/command.js';
import type { Progress } from '../cli/progress.js';
import { decodeExact, splitBsonDocuments } from './bson-stream.js';
import {
  isEmptyDir,
  measureFile,
  readContent,
  readSmallContent,
  walkFiles,
  writeNewFile,
} from './files.js';
import {
  dumpMetadataSchema,
  MANIFEST_FILE,
  manifestFiles,
  manifestSchema,
  MAX_MANIFEST_BYTES,
  UPLOADS_DIR,
  type DumpMetadata,
  type Manifest,
} from './manifest.js';

export interface RestoreOptions {
  db: Db;
  from: string;
  /** Where the files go (the server's UPLOAD_DIR), or null to restore the database only. */
  uploadDir: string | null;
  /** Replace non-empty targets: drop the backed-up collections, empty the upload directory. */
  drop: boolean;
  progress: Progress;
}

export interface RestoreReport {
  from: string;
  sourceDatabase: string;
  database: string;
  createdAt: string;
  verifiedFiles: number;
  dropped: string[];
  collections: { name: string; documents: number; indexes: number }[];
  uploads: { files: number; bytes: number; removedBefore: number } | null;
}

/** Metadata files are small JSON; documents are capped by the BSON splitter. */
const MAX_METADATA_BYTES = 16 * 1024 * 1024;
const INSERT_BATCH_DOCUMENTS = 1000;
const INSERT_BATCH_BYTES = 8 * 1024 * 1024;

function refuse(message: string, data: Record<string, unknown> = {}): never {
  throw new CommandFailure(`restore refused, nothing written: ${message}`, data);
}

async function readManifest(from: string): Promise<Manifest> {
  const path = join(from, MANIFEST_FILE);
  const info = await lstat(path).catch(() => null);
  if (!info) refuse(`${path} not found (not a backup directory made by invoice-admin backup)`);
  if (!info.isFile()) refuse(`${path} is not a regular file`);
  if (info.size > MAX_MANIFEST_BYTES) refuse(`${path} is larger than ${MAX_MANIFEST_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    refuse(`${path} is not valid JSON`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    refuse(`${path} is not a valid manifest (${issues.join('; ')})`);
  }
  return parsed.data;
}

/** Every file present is listed, every listed file is present, sizes and SHA-256 match. */
async function verifyFiles(from: string, manifest: Manifest, progress: Progress): Promise<number> {
  const listed = manifestFiles(manifest);
  const walked = await walkFiles(from, { skipDotEntries: false });
  if (walked.skipped.length > 0) {
    refuse(`${walked.skipped[0]} is not a regular file (symlinks are never followed)`);
  }
  const present = new Set(walked.files.map((f) => f.path).filter((p) => p !== MANIFEST_FILE));
  const expected = new Set(listed.map((f) => f.path));
  for (const path of present) if (!expected.has(path)) refuse(`unexpected file ${path}`);
  for (const path of expected) if (!present.has(path)) refuse(`missing file ${path}`);
  let done = 0;
  for (const entry of listed) {
    const actual = await measureFile(join(from, entry.path));
    if (actual.bytes !== entry.bytes || actual.sha256 !== entry.sha256) {
      refuse(`checksum mismatch for ${entry.path}`, { path: entry.path });
    }
    done += 1;
    progress.update(`verify: ${done}/${listed.length} files`);
  }
  return listed.length;
}

/** Parses every metadata file and every BSON document before anything is written. */
async function validateContent(
  from: string,
  manifest: Manifest,
  progress: Progress,
): Promise<Map<string, DumpMetadata>> {
  const metadata = new Map<string, DumpMetadata>();
  for (const entry of manifest.collections) {
    const text = await readSmallContent(
      join(from, entry.metadata.path),
      manifest.gzip,
      MAX_METADATA_BYTES,
    ).catch((error: unknown) => refuse(`${entry.metadata.path}: ${String(error)}`));
    let meta: DumpMetadata;
    try {
      meta = dumpMetadataSchema.parse(BSON.EJSON.parse(text.toString('utf8'), { relaxed: false }));
    } catch {
      refuse(`${entry.metadata.path} is not mongodump metadata`);
    }
    if (meta.collectionName !== entry.name) {
      refuse(`${entry.metadata.path} names collection ${meta.collectionName}, not ${entry.name}`);
    }
    metadata.set(entry.name, meta);
    let documents = 0;
    try {
      for await (const raw of splitBsonDocuments(
        readContent(join(from, entry.data.path), manifest.gzip),
      )) {
        decodeExact(raw);
        documents += 1;
        if (documents % 1000 === 0) progress.update(`check ${entry.name}: ${documents} documents`);
      }
    } catch (error) {
      refuse(`${entry.data.path}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (documents !== entry.documents) {
      refuse(
        `${entry.data.path} holds ${documents} documents, the manifest says ${entry.documents}`,
      );
    }
  }
  return metadata;
}

async function nonEmptyCollections(db: Db): Promise<string[]> {
  const names = (await db.listCollections({}, { nameOnly: true }).toArray())
    .map((c) => c.name)
    .filter((name) => !name.startsWith('system.'));
  const found: string[] = [];
  for (const name of names) {
    if ((await db.collection(name).findOne({}, { projection: { _id: 1 } })) !== null) {
      found.push(name);
    }
  }
  return found.sort();
}

/** The index options mongorestore passes on: everything listIndexes gave except `v` and `ns`. */
function indexSpec(index: DumpMetadata['indexes'][number]): Document {
  const { v: _v, ns: _ns, ...spec } = index as Document;
  return spec;
}

async function restoreCollection(
  db: Db,
  from: string,
  gzip: boolean,
  entry: Manifest['collections'][number],
  meta: DumpMetadata,
  progress: Progress,
): Promise<{ documents: number; indexes: number }> {
  await db.createCollection(entry.name, meta.options ?? {});
  const collection = db.collection(entry.name);
  let batch: Document[] = [];
  let batchBytes = 0;
  let documents = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await collection.insertMany(batch, { ordered: true, bypassDocumentValidation: true });
    documents += batch.length;
    progress.update(`restore ${entry.name}: ${documents}/${entry.documents} documents`);
    batch = [];
    batchBytes = 0;
  };
  for await (const raw of splitBsonDocuments(readContent(join(from, entry.data.path), gzip))) {
    batch.push(decodeExact(raw));
    batchBytes += raw.length;
    if (batch.length >= INSERT_BATCH_DOCUMENTS || batchBytes >= INSERT_BATCH_BYTES) await flush();
  }
  await flush();
  const specs = meta.indexes.filter((index) => index.name !== '_id_').map(indexSpec);
  if (specs.length > 0) await db.command({ createIndexes: entry.name, indexes: specs });
  return { documents, indexes: specs.length + 1 };
}

/** Copies each file through a temp name in its final directory, re-checking its SHA-256. */
async function restoreUploads(
  from: string,
  manifest: Manifest,
  uploadDir: string,
  drop: boolean,
  progress: Progress,
): Promise<{ files: number; bytes: number; removedBefore: number }> {
  let removedBefore = 0;
  await mkdir(uploadDir, { recursive: true });
  if (drop) {
    for (const name of await readdir(uploadDir)) {
      if (name.startsWith('.')) continue;
      await rm(join(uploadDir, name), { recursive: true, force: true });
      removedBefore += 1;
    }
  }
  let done = 0;
  for (const entry of manifest.uploads.files) {
    const relative = entry.path.slice(UPLOADS_DIR.length + 1);
    const target = join(uploadDir, relative);
    await mkdir(dirname(target), { recursive: true });
    const temp = join(
      dirname(target),
      `.${basename(target)}.restore-${randomBytes(6).toString('hex')}`,
    );
    const written = await writeNewFile(temp, createReadStream(join(from, entry.path)));
    if (written.sha256 !== entry.sha256) {
      await rm(temp, { force: true });
      throw new CommandFailure(`${entry.path} changed during the restore; rerun it`);
    }
    await rename(temp, target);
    done += 1;
    progress.update(`restore uploads: ${done}/${manifest.uploads.files.length} files`);
  }
  return { files: done, bytes: manifest.uploads.bytes, removedBefore };
}

/**
 * Restores a backup made by `createBackup` (or a mongodump directory with our manifest):
 * verifies every checksum and parses every document first, refuses non-empty targets unless
 * `drop`, then inserts the documents exactly as stored, recreates the indexes and copies the
 * files. Nothing is written until every check has passed.
 */
export async function restoreBackup(options: RestoreOptions): Promise<RestoreReport> {
  const { db, progress } = options;
  const from = resolve(options.from);
  const manifest = await readManifest(from);
  const verifiedFiles = await verifyFiles(from, manifest, progress);
  const metadata = await validateContent(from, manifest, progress);

  const occupied = await nonEmptyCollections(db);
  if (occupied.length > 0 && !options.drop) {
    refuse(
      `database ${db.databaseName} is not empty (${occupied.join(', ')}); pass --drop to replace`,
      {
        nonEmpty: occupied,
      },
    );
  }
  const restoreFiles = options.uploadDir !== null;
  if (
    restoreFiles &&
    manifest.uploads.files.length > 0 &&
    !options.drop &&
    !(await isEmptyDir(options.uploadDir!, true))
  ) {
    refuse(`upload directory ${options.uploadDir} is not empty; pass --drop to replace`);
  }

  // Backed-up collections that exist are dropped first: with --drop, or when empty (a server that
  // booted on the empty database created them with its indexes); the backup's options and
  // indexes replace theirs.
  const dropped: string[] = [];
  const existing = new Set(
    (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name),
  );
  for (const entry of manifest.collections) {
    if (!existing.has(entry.name)) continue;
    await db.collection(entry.name).drop();
    dropped.push(entry.name);
  }
  const collections: RestoreReport['collections'] = [];
  for (const entry of manifest.collections) {
    const restored = await restoreCollection(
      db,
      from,
      manifest.gzip,
      entry,
      metadata.get(entry.name)!,
      progress,
    );
    collections.push({ name: entry.name, ...restored });
  }
  const uploads = restoreFiles
    ? await restoreUploads(from, manifest, options.uploadDir!, options.drop, progress)
    : null;
  return {
    from,
    sourceDatabase: manifest.database,
    database: db.databaseName,
    createdAt: manifest.createdAt,
    verifiedFiles,
    dropped,
    collections,
    uploads,
  };
}
