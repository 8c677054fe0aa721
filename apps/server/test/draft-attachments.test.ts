import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ObjectId } from 'mongodb';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from './server.js';
import {
  createOrgOverHttp,
  draftInvoiceOverHttp,
  must,
  trpc,
  TRPC_TRANSPORTS,
} from './security/http.js';
import {
  attachmentsPath,
  filesUnder,
  injectUpload,
  multipartFraming,
  PNG,
  tempFiles,
} from './uploads.js';

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

  it('refuse an upload that was streaming while its draft was deleted, leaving nothing behind', async () => {
    const draft = await draftInvoiceOverHttp(s, token, orgId);
    const { head, tail, contentType } = multipartFraming('scan.png', 'image/png');
    const body = new PassThrough();
    body.write(Buffer.concat([head, PNG.subarray(0, 16)]));
    const upload = s.app.inject({
      method: 'POST',
      url: attachmentsPath({ orgId, invoiceId: draft.invoiceId }),
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
      payload: body,
    });
    // The invoice check passed and the file is streaming to its temp file.
    await vi.waitFor(async () => expect(await tempFiles(s.config.UPLOAD_DIR)).toHaveLength(1), {
      timeout: 10_000,
    });
    await must(s, 'mutation', 'invoice.deleteDraft', { orgId, invoiceId: draft.invoiceId }, token);
    body.end(Buffer.concat([PNG.subarray(16), tail]));
    const answered = await upload;
    // Before the fix: 201, an attachment of a deleted invoice, its file kept forever.
    expect({
      status: answered.statusCode,
      metadata: await s.db.collections.attachments.countDocuments({
        invoiceId: new ObjectId(draft.invoiceId),
      }),
      files: await filesUnder(join(s.config.UPLOAD_DIR, orgId)),
      temp: await tempFiles(s.config.UPLOAD_DIR),
    }).toEqual({ status: 404, metadata: 0, files: [], temp: [] });
  });

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
