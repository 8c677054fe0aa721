import { afterAll, describe, expect, it } from 'vitest';
import { openTestDb } from '../test/database.js';
import { migrateUp, migrationStatus, type Migration } from './migrations.js';

describe('migrations', () => {
  const handle = openTestDb('migrations');
  afterAll(() => handle.drop());

  const ran: string[] = [];
  const migrations: Migration[] = [
    {
      version: '0002',
      name: 'second',
      up: async (db) =>
        void ran.push('0002', String(await db.collection('things').countDocuments())),
    },
    {
      version: '0001',
      name: 'first',
      up: async (db) => void (await db.collection('things').insertOne({ a: 1 }), ran.push('0001')),
    },
  ];

  it('reports pending migrations, applies them in version order once, then reports them applied', async () => {
    expect((await migrationStatus(handle.db, migrations)).map((s) => s.appliedAt)).toEqual([
      null,
      null,
    ]);
    expect(await migrateUp(handle.db, migrations)).toEqual(['0001', '0002']);
    expect(ran).toEqual(['0001', '0002', '1']);
    expect(await migrateUp(handle.db, migrations)).toEqual([]);
    const status = await migrationStatus(handle.db, migrations);
    expect(status.every((s) => s.appliedAt instanceof Date)).toBe(true);
  });

  it('refuses duplicate versions', async () => {
    const dup: Migration[] = [
      { version: '0009', name: 'a', up: () => Promise.resolve() },
      { version: '0009', name: 'b', up: () => Promise.resolve() },
    ];
    await expect(migrateUp(handle.db, dup)).rejects.toThrow(/duplicate migration version 0009/);
  });

  it('does not record a migration that failed', async () => {
    const failing: Migration[] = [
      { version: '0010', name: 'boom', up: () => Promise.reject(new Error('boom')) },
    ];
    await expect(migrateUp(handle.db, failing)).rejects.toThrow('boom');
    const status = await migrationStatus(handle.db, failing);
    expect(status.find((s) => s.version === '0010')).toMatchObject({ appliedAt: null });
  });

  it('lists applied migrations this build does not declare, in version order', async () => {
    // The runs above applied 0001 and 0002; a build declaring only 0002 (and 0003) still shows 0001.
    const status = await migrationStatus(handle.db, [
      { version: '0003', name: 'third', up: () => Promise.resolve() },
      { version: '0002', name: 'second', up: () => Promise.resolve() },
    ]);
    expect(status.map((s) => [s.version, s.declared, s.appliedAt !== null])).toEqual([
      ['0001', false, true],
      ['0002', true, true],
      ['0003', true, false],
    ]);
  });
});
