import { z } from 'zod';
import { dbNameSchema } from '../env.js';

export const MANIFEST_FILE = 'manifest.json';
export const UPLOADS_DIR = 'uploads';
/** A manifest lists every file; past this it is not one we wrote. */
export const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;

/** Collection names we write as file names: MongoDB's usual ones, nothing that walks paths. */
export const collectionNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,119}$/, 'Must be a plain collection name')
  .refine((name) => !name.startsWith('system.'), 'System collections are not backed up');

const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,254}$/;

/** True for a relative path of plain segments: no `..`, no absolute path, no odd characters. */
export function isSafeRelativePath(path: string): boolean {
  if (path.length === 0 || path.length > 1024) return false;
  return path.split('/').every((segment) => SEGMENT.test(segment) && !/^\.+$/.test(segment));
}

export const relativePathSchema = z
  .string()
  .refine(isSafeRelativePath, 'Must be a relative path of plain segments (no "..", no "/" start)');

export const fileEntrySchema = z.strictObject({
  path: relativePathSchema,
  bytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'Must be a lowercase hex SHA-256'),
});
export type FileEntry = z.infer<typeof fileEntrySchema>;

export const collectionEntrySchema = z.strictObject({
  name: collectionNameSchema,
  documents: z.number().int().min(0),
  indexes: z.number().int().min(0),
  data: fileEntrySchema,
  metadata: fileEntrySchema,
});
export type CollectionEntry = z.infer<typeof collectionEntrySchema>;

export const manifestSchema = z
  .strictObject({
    format: z.literal('invoice-admin-backup'),
    version: z.literal(1),
    createdAt: z.iso.datetime(),
    database: dbNameSchema,
    gzip: z.boolean(),
    /** How the collections were read: one snapshot transaction. */
    consistency: z.literal('snapshot-transaction'),
    collections: z.array(collectionEntrySchema).max(10_000),
    uploads: z.strictObject({
      /**
       * False for a database-only backup (`--skip-uploads`): it says nothing about the files, so a
       * restore leaves the upload directory alone. Manifests written before this field existed
       * read as true (their file list is taken as the whole upload directory, as before).
       */
      included: z.boolean().default(true),
      files: z.array(fileEntrySchema).max(5_000_000),
      bytes: z.number().int().min(0),
    }),
  })
  .superRefine((manifest, ctx) => {
    const suffix = manifest.gzip ? '.gz' : '';
    const seen = new Set<string>();
    manifest.collections.forEach((c, i) => {
      const base = `${manifest.database}/${c.name}`;
      if (c.data.path !== `${base}.bson${suffix}`) {
        ctx.addIssue({
          code: 'custom',
          path: ['collections', i, 'data', 'path'],
          message: `Must be ${base}.bson${suffix}`,
        });
      }
      if (c.metadata.path !== `${base}.metadata.json${suffix}`) {
        ctx.addIssue({
          code: 'custom',
          path: ['collections', i, 'metadata', 'path'],
          message: `Must be ${base}.metadata.json${suffix}`,
        });
      }
      if (seen.has(c.name)) {
        ctx.addIssue({ code: 'custom', path: ['collections', i, 'name'], message: 'Listed twice' });
      }
      seen.add(c.name);
    });
    if (!manifest.uploads.included && manifest.uploads.files.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['uploads', 'files'],
        message: 'Must be empty when uploads are not included',
      });
    }
    const files = new Set<string>();
    manifest.uploads.files.forEach((f, i) => {
      if (!f.path.startsWith(`${UPLOADS_DIR}/`) || files.has(f.path)) {
        ctx.addIssue({
          code: 'custom',
          path: ['uploads', 'files', i, 'path'],
          message: `Must be a unique path under ${UPLOADS_DIR}/`,
        });
      }
      files.add(f.path);
    });
    const total = manifest.uploads.files.reduce((sum, f) => sum + f.bytes, 0);
    if (total !== manifest.uploads.bytes) {
      ctx.addIssue({
        code: 'custom',
        path: ['uploads', 'bytes'],
        message: 'Does not match the listed files',
      });
    }
  });
export type Manifest = z.infer<typeof manifestSchema>;

/** Every file the manifest vouches for (collection data, metadata, uploads). */
export function manifestFiles(manifest: Manifest): FileEntry[] {
  return [...manifest.collections.flatMap((c) => [c.data, c.metadata]), ...manifest.uploads.files];
}

/**
 * mongodump's `<collection>.metadata.json`: canonical Extended JSON of `{ options, indexes, uuid,
 * collectionName, type }`, options omitted when empty, uuid as 32 hex digits.
 */
export const dumpMetadataSchema = z.looseObject({
  options: z.record(z.string(), z.unknown()).optional(),
  indexes: z
    .array(
      z.looseObject({
        key: z.record(z.string(), z.unknown()),
        name: z.string().min(1).max(1024),
      }),
    )
    .max(64),
  uuid: z
    .string()
    .regex(/^[0-9a-f]{32}$/)
    .optional(),
  collectionName: collectionNameSchema,
  type: z.literal('collection').optional(),
});
export type DumpMetadata = z.infer<typeof dumpMetadataSchema>;
