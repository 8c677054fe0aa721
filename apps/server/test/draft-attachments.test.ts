import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './server.js';
import {
  createOrgOverHttp,
  draftInvoiceOverHttp,
  must,
  trpc,
  TRPC_TRANSPORTS,
} from './security/http.js';
import { injectUpload, PNG } from './uploads.js';

/**
 * DOMAIN.md: drafts "may be edited freely and deleted"; attachments are uploaded to an invoice
 * (`POST /v1/orgs/:orgId/invoices/:invoiceId/attachments`, which accepts drafts) and are listed
 * per invoice (`attachment.list`). invoice.deleteDraft once removed the invoice only: its
 * attachments stayed in MongoDB and on disk, still downloadable by id, while attachment.list
 * of that invoice answered NOT_FOUND, so no client could find or delete them. Now they go
 * with the draft, audited.
 */
describe.each(TRPC_TRANSPORTS)('attachments of a deleted draft (%s)', (name, env) => {
  const tag = name.replace(/\W/g, '');
  let s: TestServer;
  let token: string;
  let orgId: string;
  beforeAll(async () => {
    s = await startTestServer(`draft-att-${tag}`, env);
    token = (await s.signIn(`draft-att-${tag}@example.test`)).idToken;
    orgId = await createOrgOverHttp(s, token);
  });
  afterAll(() => s.close());

  it('go with the draft: no longer downloadable, no file left on the volume', async () => {
    const draft = await draftInvoiceOverHttp(s, token, orgId);
    const uploaded = await injectUpload(s.app, { orgId, invoiceId: draft.invoiceId }, token, PNG);
    expect(uploaded.statusCode).toBe(201);
    const attachmentId = uploaded.json<{ id: string }>().id;
    const file = join(s.config.UPLOAD_DIR, orgId, attachmentId);
    expect(existsSync(file)).toBe(true);

    await must(s, 'mutation', 'invoice.deleteDraft', { orgId, invoiceId: draft.invoiceId }, token);
    const listed = await trpc(
      s.app,
      'query',
      'attachment.list',
      { orgId, invoiceId: draft.invoiceId },
      token,
    );
    expect(listed.code).toBe('NOT_FOUND');

    const download = await s.app.inject({
      method: 'GET',
      url: `/v1/orgs/${orgId}/attachments/${attachmentId}`,
      headers: { authorization: `Bearer ${token}` },
    });
    expect({
      download: download.statusCode,
      fileOnDisk: existsSync(file),
      metadata: await s.db.collections.attachments.countDocuments({
        invoiceId: new ObjectId(draft.invoiceId),
      }),
    }).toEqual({ download: 404, fileOnDisk: false, metadata: 0 });
  });
});
