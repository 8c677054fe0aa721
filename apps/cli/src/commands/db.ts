import { inspectIndexes, migrateUp, migrationStatus, reconcileIndexes } from '@invoice/db';
import { z } from 'zod';
import { defineCommand, EXIT } from '../cli/command.js';

export const dbIndexesCommand = defineCommand({
  path: ['db', 'indexes'],
  summary:
    'Create every declared index that is missing and report drift (changed or extra indexes)',
  details: [
    'Changed and extra indexes are reported, never dropped or rebuilt: that stays an operator decision.',
    'With --dry-run the exit code is the check: 0 when the indexes match the declared ones,',
    '1 when any index is missing, changed or extra (the drift is printed, and is in --json).',
    'Without --dry-run, creating the missing indexes exits 0 even if changed or extra remain.',
  ].join('\n'),
  options: {
    dryRun: {
      type: 'boolean',
      description: 'Only report drift; create nothing; exit 1 when there is drift',
    },
  },
  schema: z.object({ dryRun: z.boolean().default(false) }),
  async run({ dryRun }, ctx) {
    const { db } = await ctx.database();
    const drift = dryRun ? await inspectIndexes(db) : await reconcileIndexes(db);
    const created = dryRun
      ? []
      : drift.flatMap((d) => d.missing.map((m) => `${d.collection}.${m}`));
    const missing = dryRun
      ? drift.flatMap((d) => d.missing.map((m) => `${d.collection}.${m}`))
      : [];
    const changed = drift.flatMap((d) => d.changed.map((m) => `${d.collection}.${m}`));
    const extra = drift.flatMap((d) => d.extra.map((m) => `${d.collection}.${m}`));
    /** After a reconcile only changed and extra indexes can remain. */
    const inSync = missing.length + changed.length + extra.length === 0;
    const text = [
      dryRun
        ? `missing: ${missing.length ? missing.join(', ') : 'none'}`
        : `created: ${created.length ? created.join(', ') : 'none'}`,
      `changed (not touched): ${changed.length ? changed.join(', ') : 'none'}`,
      `extra (not dropped): ${extra.length ? extra.join(', ') : 'none'}`,
      inSync ? 'indexes in sync' : 'drift found',
    ];
    return {
      data: { dryRun, inSync, created, missing, changed, extra, collections: drift },
      text,
      exitCode: dryRun && !inSync ? EXIT.failure : EXIT.ok,
    };
  },
});

export const dbMigrateStatusCommand = defineCommand({
  path: ['db', 'migrate', 'status'],
  summary: 'List the migrations and when each was applied',
  options: {},
  schema: z.object({}),
  async run(_args, ctx) {
    const { db } = await ctx.database();
    const status = await migrationStatus(db);
    const pending = status.filter((m) => m.appliedAt === null).length;
    const undeclared = status.filter((m) => !m.declared).length;
    const text = status.map(
      (m) =>
        `${m.version} ${m.name}: ${m.appliedAt ? `applied ${m.appliedAt.toISOString()}` : 'pending'}${m.declared ? '' : ' (not in this build: applied by another release)'}`,
    );
    text.push(
      `${status.length} migrations, ${pending} pending${undeclared ? `, ${undeclared} not in this build` : ''}`,
    );
    return { data: { migrations: status, pending, undeclared }, text };
  },
});

export const dbMigrateUpCommand = defineCommand({
  path: ['db', 'migrate', 'up'],
  summary: 'Apply pending migrations in version order',
  options: {},
  schema: z.object({}),
  async run(_args, ctx) {
    const { db } = await ctx.database();
    const applied = await migrateUp(db);
    return {
      data: { applied },
      text: [applied.length ? `applied: ${applied.join(', ')}` : 'nothing to apply'],
    };
  },
});
