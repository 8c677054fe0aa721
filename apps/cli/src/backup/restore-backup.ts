import { randomBytes } from 'node:crypto';
import { lstat, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BSON, type Db, type Document } from 'mongodb';
import { CommandFailure } from '../cli/command.js';
import type { Progress } from '../cli/progress.js';
import { decodeExact, splitBsonDocuments } from './bson-stream.js';
import {
  isEmptyDir,
  isUploadRootExtra,
  measureFile,
  readContent,
  readSmallContent,
  walkFiles,
} from './files.js';
import {
  foreignUploadEntries,
  removeUnrestored,
  restoreUploads,
  type RestoredUploads,
  type UploadsReport,
} from './restore-uploads.js';
import {
  dumpMetadataSchema,
  MANIFEST_FILE,
  manifestFiles,
  manifestSchema,
  MAX_MANIFEST_BYTES,
  type DumpMetadata,
  type Manifest,
} from './manifest.js';

export interface RestoreOptions {
  db: Db;
  from: string;
  /** Where the files go (the server's UPLOAD_DIR), or null to restore the database only. */
  uploadDir: string | null;
  /**
   * Replace non-empty targets: the backed-up collections, and the upload directory's files the
   * backup does not hold (removed last, once the database is swapped in).
   */
  drop: boolean;
  progress: Progress;
}

export interface RestoreReport {
  from: string;
  sourceDatabase: string;
  database: string;
  createdAt: string;
  verifiedFiles: number;
  /** Collections that existed in the target and were replaced by the backup's. */
  dropped: string[];
  collections: { name: string; documents: number; indexes: number }[];
  /** Null when not restored: `--skip-uploads`, or a database-only backup. */
  uploads: UploadsReport | null;
  /** The backup was made with `--skip-uploads`: the upload directory was left as it was. */
  uploadsNotInBackup: boolean;
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
  // Sizes first, from the walk: a file of the wrong size is refused without reading it.
  const sizes = new Map(walked.files.map((f) => [f.path, f.bytes]));
  for (const entry of listed) {
    if (sizes.get(entry.path) !== entry.bytes) {
      refuse(`size mismatch for ${entry.path}`, { path: entry.path });
    }
  }
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
      refuse(`${entry.data.path}: ${causeOf(error)}`);
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

/** Creates `into` with the backup's options, inserts the documents and builds the indexes. */
async function restoreCollection(
  db: Db,
  into: string,
  from: string,
  gzip: boolean,
  entry: Manifest['collections'][number],
  meta: DumpMetadata,
  progress: Progress,
): Promise<{ documents: number; indexes: number }> {
  await db.createCollection(into, meta.options ?? {});
  const collection = db.collection(into);
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
  if (specs.length > 0) await db.command({ createIndexes: into, indexes: specs });
  return { documents, indexes: specs.length + 1 };
}

/** Drops collections, ignoring failures (a clean-up on the way out of a failed restore). */
async function dropQuietly(db: Db, names: readonly string[]): Promise<void> {
  for (const name of names)
    await db
      .collection(name)
      .drop()
      .catch(() => undefined);
}

function causeOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Every backed-up collection, restored under a staging name beside its target (documents and
 * indexes). Returns the staging names; on any failure drops what it staged and reports that the
 * database is unchanged.
 */
async function stageCollections(
  db: Db,
  from: string,
  manifest: Manifest,
  metadata: ReadonlyMap<string, DumpMetadata>,
  progress: Progress,
): Promise<{ staged: Map<string, string>; collections: RestoreReport['collections'] }> {
  const token = randomBytes(4).toString('hex');
  const staged = new Map<string, string>();
  const collections: RestoreReport['collections'] = [];
  for (const entry of manifest.collections) {
    const into = `restore-${token}.${entry.name}`;
    staged.set(entry.name, into);
    try {
      const restored = await restoreCollection(
        db,
        into,
        from,
        manifest.gzip,
        entry,
        metadata.get(entry.name)!,
        progress,
      );
      collections.push({ name: entry.name, ...restored });
    } catch (error) {
      await dropQuietly(db, [...staged.values()]);
      throw new CommandFailure(
        `restore failed, the database is unchanged: collection ${entry.name}: ${causeOf(error)}`,
        { failedAt: entry.name },
      );
    }
  }
  return { staged, collections };
}

/**
 * Renames each staged collection over its target (`dropTarget`: MongoDB drops the old one in the
 * same command). Only a failure here (the database going away mid-way) leaves a mix; the error
 * names what was replaced and where the rest waits.
 */
async function swapIn(db: Db, staged: ReadonlyMap<string, string>): Promise<void> {
  const replaced: string[] = [];
  for (const [name, into] of staged) {
    try {
      await db.renameCollection(into, name, { dropTarget: true });
    } catch (error) {
      const waiting = [...staged].filter(([n]) => !replaced.includes(n)).map(([, s]) => s);
      throw new CommandFailure(
        `restore failed part-way while swapping the restored collections in: ${causeOf(error)}. ` +
          `Replaced: ${replaced.join(', ') || 'none'}; still staged (restored, not swapped in): ` +
          `${waiting.join(', ')}. Rerun the restore with --drop.`,
        { replaced, staged: waiting },
      );
    }
    replaced.push(name);
  }
}

/**
 * Restores a backup made by `createBackup` (or a mongodump directory with our manifest):
 * verifies every checksum and parses every document first, refuses non-empty targets unless
 * `drop`, then restores each collection under a staging name (documents exactly as stored,
 * indexes recreated), copies the files, and only then renames the staged collections over their
 * targets. A failure before that last step leaves the database as it was; the upload directory
 * keeps every file it had (files the backup holds may already be in place).
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
      { nonEmpty: occupied },
    );
  }
  // A database-only backup says nothing about the files: the upload directory stays as it is.
  const uploadDir = manifest.uploads.included ? options.uploadDir : null;
  if (
    uploadDir !== null &&
    manifest.uploads.files.length > 0 &&
    !options.drop &&
    !(await isEmptyDir(uploadDir, isUploadRootExtra))
  ) {
    refuse(`upload directory ${uploadDir} is not empty; pass --drop to replace`);
  }
  if (uploadDir !== null && options.drop) {
    const foreign = await foreignUploadEntries(uploadDir);
    if (foreign.length > 0) {
      refuse(
        `${uploadDir} does not look like an upload directory (it holds ${foreign.join(', ')}, ` +
          'which --drop would delete); check --upload-dir',
        { foreign },
      );
    }
  }

  // Backed-up collections that exist are replaced: with --drop, or when empty (a server that
  // booted on the empty database created them with its indexes); the backup's options and
  // indexes replace theirs.
  const existing = new Set(
    (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name),
  );
  const dropped = manifest.collections.map((c) => c.name).filter((name) => existing.has(name));
  const { staged, collections } = await stageCollections(db, from, manifest, metadata, progress);
  let copied: RestoredUploads | null = null;
  if (uploadDir !== null) {
    try {
      copied = await restoreUploads(from, manifest, uploadDir, progress);
    } catch (error) {
      await dropQuietly(db, [...staged.values()]);
      throw new CommandFailure(
        `restore failed while copying files, the database is unchanged: ${causeOf(error)}`,
        error instanceof CommandFailure ? error.data : {},
      );
    }
  }
  await swapIn(db, staged);
  let uploads: UploadsReport | null = null;
  if (uploadDir !== null && copied !== null) {
    uploads = options.drop
      ? await removeUnrestored(uploadDir, copied)
      : { files: copied.files, bytes: copied.bytes, removed: 0 };
  }
  return {
    from,
    sourceDatabase: manifest.database,
    database: db.databaseName,
    createdAt: manifest.createdAt,
    verifiedFiles,
    dropped,
    collections,
    uploads,
    uploadsNotInBackup: !manifest.uploads.included,
  };
}
