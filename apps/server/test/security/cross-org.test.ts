import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../server.js';
import {
  bearer,
  createOrgOverHttp,
  listRoutes,
  openInvoiceOverHttp,
  routedProcedures,
  trpc,
} from './http.js';

/**
 * SECURITY.md "Cross-org access (BOLA)" at the HTTP layer: a signed-in owner of org A who
 * addresses org B — every org-scoped procedure of the router and every org route of Fastify's
 * route table, with B's real ids — gets NOT_FOUND, exactly what a made-up org gets, and B's
 * documents stay byte for byte the same. (Ids of B under A's orgId, field by field, are
 * covered in-process by packages/api/test/tenancy.test.ts through the same router.)
 */

describe('cross-org access over HTTP', () => {
  let s: TestServer;
  let a: string;
  let b: string;
  let orgB: string;
  let invoiceB: string;

  beforeAll(async () => {
    s = await startTestServer('cross-org', { RATE_LIMIT_PER_MINUTE: '1000000' });
    a = (await s.signIn('bola-a@example.test')).idToken;
    b = (await s.signIn('bola-b@example.test')).idToken;
    await createOrgOverHttp(s, a, 'Org A');
    orgB = await createOrgOverHttp(s, b, 'Org B');
    ({ invoiceId: invoiceB } = await openInvoiceOverHttp(s, b, orgB));
  });
  afterAll(() => s.close());

  async function snapshotOfB(): Promise<Record<string, unknown[]>> {
    const oid = new ObjectId(orgB);
    const result: Record<string, unknown[]> = {};
    for (const { name } of await s.db.db.listCollections({}, { nameOnly: true }).toArray()) {
      result[name] = await s.db.db
        .collection(name)
        .find({ $or: [{ orgId: oid }, { _id: oid }] })
        .sort({ _id: 1 })
        .toArray();
    }
    return result;
  }

  it('answers NOT_FOUND to every org-scoped procedure and route addressed to another org', async () => {
    const before = await snapshotOfB();
    const orgScoped = routedProcedures().filter(
      (p) => p.access !== 'public' && p.access !== 'signedIn',
    );
    expect(orgScoped.length).toBeGreaterThan(20);
    const problems: string[] = [];
    for (const p of orgScoped) {
      for (const orgId of [orgB, new ObjectId().toHexString()]) {
        const input = { orgId, invoiceId: invoiceB, customerId: invoiceB };
        const answer = await trpc(s.app, p.kind, p.path, input, a);
        if (answer.code !== 'NOT_FOUND')
          problems.push(`${p.path} ${orgId === orgB ? 'B' : 'made-up'}: ${answer.code}`);
        const bare = await trpc(s.app, p.kind, p.path, { orgId }, a);
        if (bare.code !== 'NOT_FOUND')
          problems.push(`${p.path} ${orgId === orgB ? 'B' : 'made-up'} (orgId only): ${bare.code}`);
      }
    }
    const orgRoutes = listRoutes(s.app).filter(
      (r) => r.url.includes(':orgId') && r.method !== 'OPTIONS',
    );
    expect(orgRoutes.length).toBeGreaterThan(0);
    for (const route of orgRoutes) {
      const url = route.url.replace(/:(\w+)/g, (_m, name: string) =>
        name === 'orgId' ? orgB : invoiceB,
      );
      const res = await s.app.inject({
        method: route.method as 'GET' | 'POST' | 'HEAD',
        url,
        headers: {
          ...bearer(a),
          ...(route.method === 'POST' ? { 'content-type': 'multipart/form-data; boundary=x' } : {}),
        },
        ...(route.method === 'POST' ? { payload: '--x--\r\n' } : {}),
      });
      if (res.statusCode !== 404) problems.push(`${route.method} ${route.url}: ${res.statusCode}`);
    }
    expect(problems).toEqual([]);
    expect(await snapshotOfB()).toEqual(before);
    // B itself still sees its invoice: the refusals were about the caller.
    const own = await trpc(s.app, 'query', 'invoice.byId', { orgId: orgB, invoiceId: invoiceB }, b);
    expect(own.code).toBe('OK');
  });
});
