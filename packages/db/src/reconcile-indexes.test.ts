import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb } from '../test/database.js';
import { COLLECTIONS, INDEXES } from './collections/index.js';
import { inspectIndexes, reconcileIndexes } from './reconcile-indexes.js';

describe('reconcileIndexes', () => {
  const handle = openTestDb('reconcile');
  beforeAll(() => handle.db.dropDatabase());
  afterAll(() => handle.drop());

  it('creates every collection and declared index on an empty database, then reports no drift', async () => {
    const first = await reconcileIndexes(handle.db);
    expect(first.find((d) => d.collection === 'invoices')?.missing).toContain('org_number_unique');
    const after = await inspectIndexes(handle.db);
    for (const drift of after) {
      expect(drift).toEqual({ collection: drift.collection, missing: [], changed: [], extra: [] });
    }
    const names = (await handle.db.listCollections({}, { nameOnly: true }).toArray()).map(
      (c) => c.name,
    );
    expect(names.sort()).toEqual(Object.values(COLLECTIONS).sort());
    const invoiceIndexes = await handle.collections.invoices.listIndexes().toArray();
    expect(invoiceIndexes.map((i: { name?: unknown }) => String(i.name)).sort()).toEqual(
      ['_id_', ...INDEXES.invoices.map((d) => d.name)].sort(),
    );
  });

  it('is idempotent', async () => {
    await reconcileIndexes(handle.db);
    const again = await reconcileIndexes(handle.db);
    expect(again.every((d) => d.missing.length === 0)).toBe(true);
  });

  it('reports changed and extra indexes without touching them', async () => {
    await handle.collections.customers.dropIndex('org_name');
    await handle.collections.customers.createIndex(
      { orgId: 1, nameLower: -1 },
      { name: 'org_name' },
    );
    await handle.collections.customers.createIndex({ email: 1 }, { name: 'by_email' });
    const drift = (await inspectIndexes(handle.db)).find((d) => d.collection === 'customers');
    expect(drift).toEqual({
      collection: 'customers',
      missing: [],
      changed: ['org_name'],
      extra: ['by_email'],
    });
    await reconcileIndexes(handle.db);
    const still = await handle.collections.customers.listIndexes().toArray();
    expect(still.map((i: { name?: unknown }) => String(i.name))).toContain('by_email');
  });

  it('fails loudly when existing data violates a declared unique index', async () => {
    await handle.collections.counters.drop();
    await handle.db.collection('memberships').dropIndex('org_email_unique');
    const orgId = new ObjectId();
    const base = {
      orgId,
      uid: null,
      role: 'viewer' as const,
      status: 'pending' as const,
      invitedBy: 'x',
    };
    const now = new Date();
    await handle.collections.memberships.insertMany([
      {
        ...base,
        _id: new ObjectId(),
        email: 'a@b.c',
        createdAt: now,
        updatedAt: now,
      },
      {
        ...base,
        _id: new ObjectId(),
        email: 'a@b.c',
        createdAt: now,
        updatedAt: now,
      },
    ]);
    await expect(reconcileIndexes(handle.db)).rejects.toMatchObject({ code: 11000 });
  });
});
