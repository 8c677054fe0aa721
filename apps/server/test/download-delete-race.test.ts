import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './server.js';
import { createOrgOverHttp, openInvoiceOverHttp, trpc } from './security/http.js';
import { injectUpload } from './uploads.js';

/**
 * DOMAIN.md: "A 5xx means a bug or an outage, never bad input." A download that overlaps
 * attachment.delete must end as the whole file or 404, never 500. The download route once
 * stat'ed the file and opened it only when the reply was sent: a delete landing between the two
 * made the open fail with ENOENT after the reply carried the file's content-type, and the JSON
 * error under `application/pdf` became Fastify's own 500 (FST_ERR_REP_INVALID_PAYLOAD_TYPE). It
 * now opens the file first. Timing-dependent: the old code failed within a few rounds.
 */
describe('download racing attachment.delete', () => {
  let s: TestServer;
  let token: string;
  let orgId: string;
  let invoiceId: string;
  beforeAll(async () => {
    // Many requests from one user: out of the rate limit's way.
    s = await startTestServer('download-delete-race', { RATE_LIMIT_PER_MINUTE: '1000000' });
    token = (await s.signIn('download-delete-race@example.test')).idToken;
    orgId = await createOrgOverHttp(s, token);
    ({ invoiceId } = await openInvoiceOverHttp(s, token, orgId));
  });
  afterAll(() => s.close());

  it('never answers 5xx to a download that overlaps the delete', async () => {
    const head = Buffer.from('%PDF-1.4\n', 'latin1');
    const file = Buffer.concat([head, Buffer.alloc(1024 - head.length, 0x41)]);
    const statuses: Record<string, number> = {};
    const bodies = new Set<string>();
    const deadline = Date.now() + 15_000;
    let rounds = 0;
    while (Date.now() < deadline && !statuses['500']) {
      rounds += 1;
      const up = await injectUpload(
        s.app,
        { orgId, invoiceId },
        token,
        file,
        'a.pdf',
        'application/pdf',
      );
      expect(up.statusCode).toBe(201);
      const id = up.json<{ id: string }>().id;
      const url = `/v1/orgs/${orgId}/attachments/${id}`;
      const headers = { authorization: `Bearer ${token}` };
      // A steady stream of downloads, so one is between its stat and its open when the file goes.
      let stop = false;
      const downloader = async () => {
        while (!stop) {
          const d = await s.app.inject({ method: 'GET', url, headers });
          statuses[d.statusCode] = (statuses[d.statusCode] ?? 0) + 1;
          if (d.statusCode >= 500) bodies.add(d.body);
          if (d.statusCode !== 200) return;
        }
      };
      const workers = Array.from({ length: 32 }, downloader);
      try {
        await new Promise((r) => setTimeout(r, 5));
        const deleted = await trpc(
          s.app,
          'mutation',
          'attachment.delete',
          { orgId, attachmentId: id },
          token,
        );
        expect(deleted.code).toBe('OK');
      } finally {
        stop = true;
        await Promise.all(workers);
      }
    }
    expect(rounds).toBeGreaterThan(0);
    expect(Object.keys(statuses).filter((k) => k !== '200' && k !== '404')).toEqual([]);
    expect(bodies).toEqual(new Set());
  }, 60_000);
});
