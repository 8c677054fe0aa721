import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../server.js';
import {
  addMemberOverHttp,
  bearer,
  createOrgOverHttp,
  must,
  openInvoiceOverHttp,
  trpc,
} from './http.js';
import { injectUpload, PNG } from '../uploads.js';

/**
 * SECURITY.md "Removed member": access comes from the membership in MongoDB, read on every
 * request, never from token claims. Once an owner removes a member, that member's very next
 * request with the same, still valid ID token gets NOT_FOUND (as for an org that does not
 * exist) on every procedure and route of the org; a demotion takes effect the same way.
 */

/** A PNG uploaded to the invoice, as the member whose token this is. */
function pngUpload(s: TestServer, token: string, orgId: string, invoiceId: string) {
  return injectUpload(s.app, { orgId, invoiceId }, token, PNG);
}

describe('removed member over HTTP', () => {
  let s: TestServer;
  let owner: string;
  let orgId: string;
  let invoiceId: string;

  beforeAll(async () => {
    s = await startTestServer('removed-member', { RATE_LIMIT_PER_MINUTE: '1000000' });
    owner = (await s.signIn('removal-owner@example.test')).idToken;
    orgId = await createOrgOverHttp(s, owner);
    ({ invoiceId } = await openInvoiceOverHttp(s, owner, orgId));
  });
  afterAll(() => s.close());

  it('refuses every org request of a removed member on the next request, same token', async () => {
    const member = await s.signIn('removal-accountant@example.test');
    await addMemberOverHttp(s, owner, orgId, member, 'accountant');
    const token = member.idToken;

    // Before: a working accountant (reads, writes, uploads, downloads).
    await must(s, 'query', 'customer.list', { orgId }, token);
    await must(s, 'mutation', 'customer.create', { orgId, name: 'Before removal' }, token);
    const uploaded = await pngUpload(s, token, orgId, invoiceId);
    expect(uploaded.statusCode).toBe(201);
    const attachmentId = uploaded.json<{ id: string }>().id;
    const download = `/v1/orgs/${orgId}/attachments/${attachmentId}`;
    expect((await s.app.inject({ url: download, headers: bearer(token) })).statusCode).toBe(200);

    await must(s, 'mutation', 'member.remove', { orgId, userId: member.uid }, owner);

    const customersBefore = await s.db.collections.customers.countDocuments({});
    const calls: [string, 'query' | 'mutation', unknown][] = [
      ['organization.byId', 'query', { orgId }],
      ['customer.list', 'query', { orgId }],
      ['invoice.byId', 'query', { orgId, invoiceId }],
      ['invoice.list', 'query', { orgId }],
      ['member.list', 'query', { orgId }],
      ['audit.list', 'query', { orgId }],
      ['customer.create', 'mutation', { orgId, name: 'After removal' }],
      ['member.add', 'mutation', { orgId, email: member.email, role: 'owner' }],
      ['invoice.void', 'mutation', { orgId, invoiceId }],
    ];
    for (const [path, kind, input] of calls) {
      const answer = await trpc(s.app, kind, path, input, token);
      expect([answer.status, answer.code], path).toEqual([404, 'NOT_FOUND']);
    }
    expect((await s.app.inject({ url: download, headers: bearer(token) })).statusCode).toBe(404);
    expect((await pngUpload(s, token, orgId, invoiceId)).statusCode).toBe(404);

    // Nothing they tried happened, and the org is gone from their list.
    expect(await s.db.collections.customers.countDocuments({})).toBe(customersBefore);
    const invoice = await must<{ status: string }>(
      s,
      'query',
      'invoice.byId',
      { orgId, invoiceId },
      owner,
    );
    expect(invoice.status).toBe('open');
    expect(await must(s, 'query', 'organization.list', undefined, token)).toEqual([]);
    // Signing in again binds nothing: the membership is gone, not pending.
    const again = await s.signIn('removal-accountant@example.test');
    expect((await trpc(s.app, 'query', 'customer.list', { orgId }, again.idToken)).code).toBe(
      'NOT_FOUND',
    );
  });

  it('lets a removed admin neither re-add themselves nor remove others', async () => {
    const admin = await s.signIn('removal-admin@example.test');
    const other = await s.signIn('removal-viewer@example.test');
    await addMemberOverHttp(s, owner, orgId, admin, 'admin');
    await addMemberOverHttp(s, owner, orgId, other, 'viewer');
    await must(s, 'mutation', 'member.remove', { orgId, userId: admin.uid }, owner);
    const readd = await trpc(
      s.app,
      'mutation',
      'member.add',
      { orgId, email: 'removal-admin-again@example.test', role: 'admin' },
      admin.idToken,
    );
    expect(readd.code).toBe('NOT_FOUND');
    const remove = await trpc(
      s.app,
      'mutation',
      'member.remove',
      { orgId, userId: other.uid },
      admin.idToken,
    );
    expect(remove.code).toBe('NOT_FOUND');
    const members = await must<{ email: string }[]>(s, 'query', 'member.list', { orgId }, owner);
    expect(members.map((m) => m.email)).toContain('removal-viewer@example.test');
    expect(members.map((m) => m.email)).not.toContain('removal-admin-again@example.test');
  });

  it('applies a demotion on the next request, same token', async () => {
    const member = await s.signIn('demoted-accountant@example.test');
    await addMemberOverHttp(s, owner, orgId, member, 'accountant');
    await must(
      s,
      'mutation',
      'customer.create',
      { orgId, name: 'Before demotion' },
      member.idToken,
    );
    await must(
      s,
      'mutation',
      'member.updateRole',
      { orgId, userId: member.uid, role: 'viewer' },
      owner,
    );
    const write = await trpc(
      s.app,
      'mutation',
      'customer.create',
      { orgId, name: 'After demotion' },
      member.idToken,
    );
    expect([write.status, write.code]).toEqual([403, 'FORBIDDEN']);
    expect((await pngUpload(s, member.idToken, orgId, invoiceId)).statusCode).toBe(403);
    await must(s, 'query', 'customer.list', { orgId }, member.idToken);
  });
});
