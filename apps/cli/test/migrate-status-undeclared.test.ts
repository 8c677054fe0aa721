import { reconcileIndexes } from '@invoice/db';
import { testDatabaseName } from '@invoice/vitest-config/database-name';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { cli, json } from './cli-io.js';
import { testDatabases } from './databases.js';

/**
 * bad-deploy-rollback.md, diagnosis: "Did the release include a migration? `invoice-admin db
 * migrate status` lists what is applied." A migration recorded by a newer release (the one being
 * rolled back) is one the previous build's CLI does not declare; it used to show only the
 * declared ones ("0 migrations, 0 pending" for a database a migration had changed).
 */
const { open: database, envFor, dropAll } = testDatabases(inject('mongoUri'));
const db = database(testDatabaseName('cli-migrate-status'));
const env = envFor(db.db.databaseName);

beforeAll(() => reconcileIndexes(db.db));
afterAll(dropAll);

it('lists a migration recorded as applied even when this build does not declare it', async () => {
  const appliedAt = new Date('2026-11-20T10:00:00.000Z');
  // What `db migrate up` of the newer release recorded before the rollback.
  await db.collections.migrations.insertOne({
    _id: '0001',
    name: 'invoices-backfill-currency',
    appliedAt,
  });
  const text = await cli(['db', 'migrate', 'status'], { env });
  expect(text.code).toBe(0);
  expect(text.out).toBe(
    [
      '0001 invoices-backfill-currency: applied 2026-11-20T10:00:00.000Z (not in this build: applied by another release)',
      '1 migrations, 0 pending, 1 not in this build',
    ].join('\n'),
  );
  const asJson = await cli(['db', 'migrate', 'status', '--json'], { env });
  expect(json(asJson)).toEqual({
    migrations: [
      {
        version: '0001',
        name: 'invoices-backfill-currency',
        appliedAt: appliedAt.toISOString(),
        declared: false,
      },
    ],
    pending: 0,
    undeclared: 1,
  });
});
