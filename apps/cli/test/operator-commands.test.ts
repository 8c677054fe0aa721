import { createCaller, createContextInner } from '@invoice/api';
import { createDb, type Database } from '@invoice/db';
import { testDatabaseName } from '@invoice/vitest-config/database-name';
import { ObjectId } from 'mongodb';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { cli, json } from './cli-io.js';

let db: Database;
let env: Record<string, string>;
const owner = { uid: 'owner-cli', email: 'owner@example.test', emailVerified: true };
let orgId: string;

beforeAll(async () => {
  db = createDb({ uri: inject('mongoUri'), dbName: testDatabaseName('cli-operator') });
  env = { MONGODB_URI: inject('mongoUri'), MONGODB_DB: db.db.databaseName };
  const indexes = await cli(['db', 'indexes', '--json'], { env });
  expect(indexes.code).toBe(0);
  const caller = createCaller(
    createContextInner({ db, log: pino({ level: 'silent' }), user: owner }),
  );
  const org = await caller.organization.create({
    name: 'Acme CLI',
    currency: 'EUR',
    timezone: 'UTC',
  });
  orgId = org.id;
});

afterAll(async () => {
  await db.db.dropDatabase();
  await db.close();
});

describe('member grant and revoke', () => {
  it('invite, change and remove through the router, audited as operator:<os user>', async () => {
    const invite = await cli(
      [
        'member',
        'grant',
        '--org',
        orgId,
        '--email',
        'Ann@Example.test',
        '--role',
        'admin',
        '--json',
      ],
      { env, operatorName: 'alice' },
    );
    expect(invite.code).toBe(0);
    expect(json(invite)).toMatchObject({
      action: 'invited',
      membership: { email: 'ann@example.test', role: 'admin', status: 'pending' },
    });
    const same = await cli(
      ['member', 'grant', '--org', orgId, '--email', 'ann@example.test', '--role', 'admin'],
      { env, operatorName: 'alice' },
    );
    expect(same.out).toContain('unchanged');
    const demote = await cli(
      ['member', 'grant', '--org', orgId, '--email', 'ann@example.test', '--role', 'viewer'],
      { env, operatorName: 'alice' },
    );
    expect(demote.code).toBe(0);
    expect(demote.out).toContain('updated: ann@example.test is viewer (pending)');
    const revoke = await cli(['member', 'revoke', '--org', orgId, '--email', 'ann@example.test'], {
      env,
      operatorName: 'alice',
    });
    expect(revoke.code).toBe(0);

    const events = await db.collections.auditEvents
      .find({ orgId: new ObjectId(orgId), action: /^member\./ })
      .sort({ _id: 1 })
      .toArray();
    expect(events.map((e) => [e.action, e.actor.uid])).toEqual([
      ['member.add', 'operator:alice'],
      ['member.updateRole', 'operator:alice'],
      ['member.remove', 'operator:alice'],
    ]);
    expect(new Set(events.map((e) => e.requestId)).size).toBe(3);
    expect(events.every((e) => /^cli-[0-9a-f-]{36}$/.test(e.requestId ?? ''))).toBe(true);
  });

  it('describes --email per command: grant invites, revoke never does', async () => {
    const grant = await cli(['member', 'grant', '--help']);
    expect(grant.out).toContain('Member email (invited if not a member yet)');
    const revoke = await cli(['member', 'revoke', '--help']);
    expect(revoke.code).toBe(0);
    expect(revoke.out).toContain('Email of a member or pending invite');
    expect(revoke.out).not.toContain('invited');
  });

  it('keeps the domain rules and reports refusals as failures (exit 1)', async () => {
    const lastOwner = await cli(['member', 'revoke', '--org', orgId, '--user', owner.uid], { env });
    expect(lastOwner.code).toBe(1);
    expect(lastOwner.err).toContain('PRECONDITION_FAILED');
    const unknownOrg = await cli(
      [
        'member',
        'grant',
        '--org',
        new ObjectId().toHexString(),
        '--email',
        'a@b.co',
        '--role',
        'viewer',
      ],
      { env },
    );
    expect(unknownOrg.code).toBe(1);
    expect(unknownOrg.err).toContain('NOT_FOUND');
    const unknownUser = await cli(
      ['member', 'grant', '--org', orgId, '--user', 'ghost', '--role', 'viewer'],
      { env },
    );
    expect(unknownUser.code).toBe(1);
    expect(unknownUser.err).toContain('no member with uid ghost');
    expect(await db.collections.memberships.countDocuments({ orgId: new ObjectId(orgId) })).toBe(1);
  });
});

describe('org list, demo seed, db indexes, db migrate', () => {
  it('lists every organization with members and owners', async () => {
    const r = await cli(['org', 'list', '--json'], { env });
    expect(r.code).toBe(0);
    expect(json<{ organizations: unknown[] }>(r).organizations).toContainEqual(
      expect.objectContaining({ id: orgId, name: 'Acme CLI', owners: [owner.email] }),
    );
    const text = await cli(['org', 'list', '--limit', '1'], { env });
    expect(text.out).toContain(`${orgId}  Acme CLI  EUR`);
    expect(text.out).toContain('1 organization');
  });

  it('seeds the demo organization once per owner', async () => {
    const args = ['demo', 'seed', '--uid', 'demo-user', '--email', 'demo@example.test', '--json'];
    const first = await cli(args, { env });
    expect(first.code).toBe(0);
    const created = json<{ orgId: string; created: boolean; invoices: number }>(first);
    expect(created).toMatchObject({ created: true });
    expect(created.invoices).toBeGreaterThan(0);
    const again = json<{ orgId: string; created: boolean }>(await cli(args, { env }));
    expect(again).toEqual({ orgId: created.orgId, created: false, customers: 0, invoices: 0 });
  });

  it('reports index drift without changing it (exit 1), and reconciles missing indexes (exit 0)', async () => {
    await db.collections.customers.dropIndexes();
    await db.db.collection('customers').createIndex({ note: 1 }, { name: 'operator_extra' });
    const dry = await cli(['db', 'indexes', '--dry-run', '--json'], { env });
    expect(dry.code).toBe(1);
    expect(dry.err).toBe('');
    const report = json<{ inSync: boolean; missing: string[]; extra: string[]; created: string[] }>(
      dry,
    );
    expect(report.inSync).toBe(false);
    expect(report.missing.length).toBeGreaterThan(0);
    expect(report.missing.every((m) => m.startsWith('customers.'))).toBe(true);
    expect(report.extra).toEqual(['customers.operator_extra']);
    expect(report.created).toEqual([]);
    const names = async () =>
      ((await db.collections.customers.listIndexes().toArray()) as { name: string }[]).map(
        (i) => i.name,
      );
    expect(await names()).toEqual(['_id_', 'operator_extra']);
    const dryText = await cli(['db', 'indexes', '--dry-run'], { env });
    expect(dryText.code).toBe(1);
    expect(dryText.out).toContain('extra (not dropped): customers.operator_extra');
    expect(dryText.out).toContain('drift found');

    const fix = await cli(['db', 'indexes', '--json'], { env });
    expect(fix.code).toBe(0);
    expect(json<{ created: string[] }>(fix).created).toEqual(report.missing);
    expect((await names()).length).toBe(report.missing.length + 2);
    // The extra index is still there: still drift, still exit 1, nothing missing any more.
    const extraOnly = await cli(['db', 'indexes', '--dry-run', '--json'], { env });
    expect(extraOnly.code).toBe(1);
    const after = json<{ inSync: boolean; missing: string[]; extra: string[] }>(extraOnly);
    expect(after).toMatchObject({
      inSync: false,
      missing: [],
      extra: ['customers.operator_extra'],
    });

    await db.db.collection('customers').dropIndex('operator_extra');
    const clean = await cli(['db', 'indexes', '--dry-run', '--json'], { env });
    expect(clean.code).toBe(0);
    expect(json(clean)).toMatchObject({ inSync: true, missing: [], changed: [], extra: [] });
    const cleanText = await cli(['db', 'indexes', '--dry-run'], { env });
    expect(cleanText.code).toBe(0);
    expect(cleanText.out).toContain('indexes in sync');
  });

  it('reports a declared index with other options as changed drift (exit 1 with --dry-run)', async () => {
    const declared = (await db.collections.customers.listIndexes().toArray()) as {
      name: string;
      key: Record<string, number>;
      unique?: boolean;
    }[];
    const target = declared.find((i) => i.name !== '_id_');
    expect(target).toBeDefined();
    const { name, key, unique } = target!;
    await db.db.collection('customers').dropIndex(name);
    // Same name and key, different uniqueness: what a hand-made index on a live system looks like.
    // (The declared customer keys end with _id, so a unique variant builds on any data.)
    await db.db.collection('customers').createIndex(key, { name, unique: !unique });
    try {
      const dry = await cli(['db', 'indexes', '--dry-run', '--json'], { env });
      expect(dry.code).toBe(1);
      expect(json(dry)).toMatchObject({
        inSync: false,
        missing: [],
        changed: [`customers.${name}`],
      });
      // Reconciling never rebuilds a changed index, and that is not a failure.
      const fix = await cli(['db', 'indexes', '--json'], { env });
      expect(fix.code).toBe(0);
      expect(json(fix)).toMatchObject({ created: [], changed: [`customers.${name}`] });
    } finally {
      await db.db.collection('customers').dropIndex(name);
      expect((await cli(['db', 'indexes'], { env })).code).toBe(0);
    }
    expect((await cli(['db', 'indexes', '--dry-run'], { env })).code).toBe(0);
  });

  it('documents the --dry-run exit code in its help', async () => {
    const help = await cli(['db', 'indexes', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('exit 1 when there is drift');
    expect(help.out).toContain('1 when any index is missing, changed or extra');
  });

  it('shows migration status and applies pending migrations', async () => {
    const status = await cli(['db', 'migrate', 'status', '--json'], { env });
    expect(status.code).toBe(0);
    const parsed = json<{ migrations: { appliedAt: string | null }[]; pending: number }>(status);
    expect(parsed.pending).toBe(parsed.migrations.filter((m) => m.appliedAt === null).length);
    const up = await cli(['db', 'migrate', 'up', '--json'], { env });
    expect(up.code).toBe(0);
    expect(json<{ applied: string[] }>(up).applied).toHaveLength(parsed.pending);
    const after = json<{ pending: number }>(
      await cli(['db', 'migrate', 'status', '--json'], { env }),
    );
    expect(after.pending).toBe(0);
  });
});
