import { reconcileIndexes } from '@invoice/db';
import { testDatabaseName } from '@invoice/vitest-config/database-name';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { cli, json } from './cli-io.js';
import { testDatabases } from './databases.js';

/**
 * `db indexes --dry-run` is the gate after a restore and the latency runbook's check for a
 * missing index. A declared index that exists but is hidden (`hidden: true`, e.g. left over from
 * trying out a drop with `collection.hideIndex()`) is ignored by the query planner: for every
 * query it is as good as missing, so it must be reported as drift, not "indexes in sync".
 */
const { open: database, envFor, dropAll } = testDatabases(inject('mongoUri'));
const db = database(testDatabaseName('cli-hidden-index'));
const env = envFor(db.db.databaseName);

beforeAll(() => reconcileIndexes(db.db));
afterAll(dropAll);

it('reports a declared index that is hidden from the planner as changed (exit 1 with --dry-run)', async () => {
  const customers = db.db.collection('customers');
  await customers.dropIndex('org_name');
  // Same name, same key: only hidden. What `db.customers.hideIndex('org_name')` leaves behind.
  await customers.createIndex(
    { orgId: 1, nameLower: 1, _id: 1 },
    { name: 'org_name', hidden: true },
  );
  expect(
    ((await customers.listIndexes().toArray()) as { name: string }[]).find(
      (i) => i.name === 'org_name',
    ),
  ).toMatchObject({ hidden: true });

  const dry = await cli(['db', 'indexes', '--dry-run', '--json'], { env });
  expect(json(dry)).toMatchObject({ inSync: false, changed: ['customers.org_name'] });
  expect(dry.code).toBe(1);
  const text = await cli(['db', 'indexes', '--dry-run'], { env });
  expect(text.out).toContain('changed (not touched): customers.org_name');
  expect(text.out).toContain('drift found');
});
