import { z } from 'zod';
import { defineCommand, optionText, type CommandContext, type OptionSpec } from '../cli/command.js';
import { createBackup } from '../backup/create-backup.js';
import { restoreBackup } from '../backup/restore-backup.js';

function human(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** `--upload-dir DIR` or `--skip-uploads`, shared by backup and restore. */
function uploadOptions(dirHelp: string, skipHelp: string): Record<string, OptionSpec> {
  return {
    uploadDir: {
      type: 'string',
      valueName: 'DIR',
      description: `${dirHelp} (default: env UPLOAD_DIR, else $DATA_DIR/uploads)`,
    },
    skipUploads: { type: 'boolean', description: skipHelp },
  };
}

const uploadShape = {
  uploadDir: optionText().optional(),
  skipUploads: z.boolean().default(false),
};
function notBoth(o: { uploadDir?: string | undefined; skipUploads: boolean }): boolean {
  return !(o.skipUploads && o.uploadDir !== undefined);
}
const notBothMessage = {
  message: 'Give --upload-dir or --skip-uploads, not both',
  path: ['skipUploads'],
};

function uploadDirOf(
  args: { uploadDir?: string | undefined; skipUploads: boolean },
  ctx: CommandContext,
): string | null {
  return args.skipUploads ? null : (args.uploadDir ?? ctx.env.UPLOAD_DIR);
}

export const backupCommand = defineCommand({
  path: ['backup'],
  summary: 'Snapshot every collection and the upload directory into a new backup directory',
  details: [
    'Layout (mongodump directory format, so mongorestore can read it):',
    '  OUT/<db>/<collection>.bson            concatenated BSON documents (.bson.gz with --gzip)',
    '  OUT/<db>/<collection>.metadata.json   options, indexes, uuid (.metadata.json.gz with --gzip)',
    '  OUT/uploads/<orgId>/<fileId>          the attachment files',
    '  OUT/manifest.json                     counts, sizes and SHA-256 of every file',
    'The collections are read in one snapshot transaction: one point in time across collections.',
    'On MongoDB that transaction must finish within transactionLifetimeLimitSeconds (60 s default).',
    'With mongorestore, beside the live database (drop --gzip for a backup taken without it; it skips',
    '  uploads/ and manifest.json):',
    '  mongorestore --gzip --nsInclude "<db>.*" --nsFrom "<db>.*" --nsTo "<db>_restored.*" OUT',
  ].join('\n'),
  options: {
    out: {
      type: 'string',
      valueName: 'DIR',
      description: 'New backup directory (must not exist or be empty)',
    },
    ...uploadOptions('Upload directory to include', 'Back up the database only'),
    gzip: {
      type: 'boolean',
      description: 'Compress the .bson and .metadata.json files like mongodump --gzip',
    },
  },
  schema: z
    .object({ out: optionText(), gzip: z.boolean().default(false), ...uploadShape })
    .refine(notBoth, notBothMessage),
  async run(args, ctx) {
    const database = await ctx.database();
    const report = await createBackup({
      client: database.client,
      db: database.db,
      out: args.out,
      uploadDir: uploadDirOf(args, ctx),
      gzip: args.gzip,
      progress: ctx.progress,
      now: new Date(),
    });
    const documents = report.collections.reduce((s, c) => s + c.documents, 0);
    const text = [
      `backup of ${report.database} written to ${report.out}`,
      ...report.collections.map(
        (c) => `  ${c.name}: ${c.documents} documents, ${c.indexes} indexes`,
      ),
      `  uploads: ${report.uploads.files} files, ${human(report.uploads.bytes)}`,
      `total: ${report.collections.length} collections, ${documents} documents, ${human(report.bytes)}`,
    ];
    if (report.uploads.skipped.length > 0)
      text.push(`skipped (not regular files or odd names): ${report.uploads.skipped.join(', ')}`);
    if (report.uploads.vanished.length > 0)
      text.push(`vanished while copying: ${report.uploads.vanished.join(', ')}`);
    return { data: report, text };
  },
});

export const restoreCommand = defineCommand({
  path: ['restore'],
  summary: 'Verify a backup, then restore its collections, indexes and files',
  details: [
    'Every checksum is verified and every document parsed before anything is written; a mismatch,',
    'a missing or unexpected file, or a non-empty target (without --drop) refuses the restore.',
    'Collections are restored under staging names (restore-<token>.<name>), then the files are',
    'copied, then each staged collection is renamed over its target: a failure before the renames',
    'leaves the database unchanged. --drop replaces the backed-up collections and, once the',
    "backup's files are in place, removes the files the backup does not hold. A backup made with",
    '--skip-uploads leaves the upload directory alone.',
  ].join('\n'),
  options: {
    from: {
      type: 'string',
      valueName: 'DIR',
      description: 'Backup directory written by invoice-admin backup',
    },
    ...uploadOptions('Where to restore the files', 'Restore the database only'),
    drop: { type: 'boolean', description: 'Replace non-empty targets instead of refusing' },
  },
  schema: z
    .object({ from: optionText(), drop: z.boolean().default(false), ...uploadShape })
    .refine(notBoth, notBothMessage),
  async run(args, ctx) {
    const database = await ctx.database();
    const report = await restoreBackup({
      db: database.db,
      from: args.from,
      uploadDir: uploadDirOf(args, ctx),
      drop: args.drop,
      progress: ctx.progress,
    });
    const documents = report.collections.reduce((s, c) => s + c.documents, 0);
    const text = [
      `verified ${report.verifiedFiles} files of the ${report.createdAt} backup of ${report.sourceDatabase}`,
      ...(report.dropped.length ? [`replaced: ${report.dropped.join(', ')}`] : []),
      ...report.collections.map(
        (c) => `  ${c.name}: ${c.documents} documents, ${c.indexes} indexes`,
      ),
      report.uploads
        ? `  uploads: ${report.uploads.files} files, ${human(report.uploads.bytes)}${report.uploads.removed ? ` (${report.uploads.removed} entries not in the backup removed)` : ''}`
        : report.uploadsNotInBackup
          ? '  uploads: not in this backup (made with --skip-uploads); the upload directory was left as it was'
          : '  uploads: skipped',
      `restored ${report.collections.length} collections, ${documents} documents into ${report.database}`,
    ];
    return { data: report, text };
  },
});
