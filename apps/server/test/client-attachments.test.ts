import { createHash } from 'node:crypto';
import {
  AttachmentError,
  createAttachmentClient,
  createInvoiceClient,
  isAttachmentError,
  type AttachmentErrorCode,
} from '@invoice/client';
import { rejection } from '@invoice/vitest-config/rejection';
import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './server.js';
import {
  addMember,
  createOrg,
  filesUnder,
  listeningPort,
  MZ,
  orgWithAccountant,
  PNG,
  type Member,
  type Org,
} from './uploads.js';

/**
 * @invoice/client's attachment helpers (createAttachmentClient: uploadAttachment,
 * downloadAttachment) against the real server over a real socket, with real Auth-emulator
 * tokens: a stored file comes back byte for byte, and every refusal of the upload and download
 * routes reaches the caller as an AttachmentError with the route's HTTP status and code.
 */

const LIMIT = 64 * 1024;

/** A small, well-formed one-page PDF (correct xref offsets), with a binary comment line. */
function smallPdf(text: string): Buffer {
  const content = `BT /F1 12 Tf 20 50 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R ' +
      '/Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let pdf = '%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(pdf.length);
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = pdf.length;
  pdf +=
    `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n` +
    offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('') +
    `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  // latin1: one byte a character, so the offsets above are byte offsets.
  return Buffer.from(pdf, 'latin1');
}

/** The AttachmentError a call rejects with. */
const attachmentRejection = (call: Promise<unknown>): Promise<AttachmentError> =>
  rejection(call, isAttachmentError);

/** What a refusal carries, for one comparison. */
function refusal(error: AttachmentError) {
  return { status: error.status, code: error.code, serverCode: error.serverCode };
}

function refused(status: number, code: AttachmentErrorCode) {
  return { status, code, serverCode: code };
}

describe('@invoice/client attachment helpers against the real server', () => {
  let s: TestServer;
  let url: string;
  let accountant: Member;
  let viewer: Member;
  let outsider: Member;
  let org: Org;
  let otherOrg: Org;

  const as = (member: Member | null, token = member?.idToken) =>
    createAttachmentClient({ url, ...(token === undefined ? {} : { getToken: () => token }) });

  beforeAll(async () => {
    s = await startTestServer('client-attachments', {
      UPLOAD_MAX_BYTES: String(LIMIT),
      RATE_LIMIT_PER_MINUTE: '1000000',
    });
    url = `http://127.0.0.1:${await listeningPort(s.app)}/trpc`;
    ({ org, accountant } = await orgWithAccountant(s.db, s.signIn, 'client-att'));
    [viewer, outsider] = await Promise.all([
      s.signIn('client-att-viewer@example.test'),
      s.signIn('client-att-outsider@example.test'),
    ]);
    await addMember(s.db, org.orgId, viewer.uid, 'viewer');
    otherOrg = await createOrg(s.db, { uid: outsider.uid, email: null, emailVerified: true });
  });
  afterAll(() => s.close());

  // The server cut names at 200 code points; the stored-name schema (and the client's check of
  // the answer) counts 255 UTF-16 units, two per emoji. A name of 134 emoji code points was
  // stored, then the client refused the 201 as UNEXPECTED_RESPONSE, every retry replayed it,
  // and attachment.list failed its output check (failed before).
  it('stores a long name of emoji and answers it within the stored-name bounds', async () => {
    const file = new File([smallPdf('Emoji')], `${'😀'.repeat(130)}.pdf`, {
      type: 'application/pdf',
    });
    const stored = await as(accountant).uploadAttachment({ ...org, file });
    // Cut at 200 units (the .pdf went with the cut), then named for its type.
    expect(stored.filename).toBe(`${'😀'.repeat(100)}.pdf`);
    expect(stored.filename.length).toBeLessThanOrEqual(255);
    const api = createInvoiceClient({ url, getToken: () => viewer.idToken });
    const listed = await api.attachment.list.query({ ...org });
    expect(listed.items.find((item) => item.id === stored.id)?.filename).toBe(stored.filename);
  });

  it('uploads a real PDF and downloads it byte-identical, with its name and type', async () => {
    const pdf = smallPdf('Invoice INV-2026-00001');
    const file = new File([pdf], 'Facture été 2026.pdf', { type: 'application/pdf' });
    const stored = await as(accountant).uploadAttachment({ ...org, file });
    expect(stored).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/) as unknown,
      invoiceId: org.invoiceId,
      filename: 'Facture été 2026.pdf',
      contentType: 'application/pdf',
      size: pdf.length,
      sha256: createHash('sha256').update(pdf).digest('hex'),
      createdAt: expect.any(Date) as unknown,
    });
    expect(await filesUnder(s.config.UPLOAD_DIR)).toContain(`${org.orgId}/${stored.id}`);

    // The same attachment as the typed tRPC client lists it.
    const api = createInvoiceClient({ url, getToken: () => viewer.idToken });
    const listed = await api.attachment.list.query({ ...org });
    expect(listed.items.find((item) => item.id === stored.id)).toMatchObject({
      ...stored,
      orgId: org.orgId,
      uploadedBy: accountant.uid,
    });

    const got = await as(viewer).downloadAttachment({
      orgId: org.orgId,
      attachmentId: stored.id,
    });
    expect(got.filename).toBe('Facture été 2026.pdf');
    expect(got.contentType).toBe('application/pdf');
    expect(got.size).toBe(pdf.length);
    expect(Buffer.from(await got.blob.arrayBuffer()).equals(pdf)).toBe(true);
  });

  it('declares the type of a Blob without one through contentType', async () => {
    const pdf = smallPdf('Bytes only');
    const blob = new Blob([pdf]);
    const stored = await as(accountant).uploadAttachment({
      ...org,
      file: blob,
      filename: 'bytes.pdf',
      contentType: 'application/pdf',
    });
    expect([stored.contentType, stored.size, stored.filename]).toEqual([
      'application/pdf',
      pdf.length,
      'bytes.pdf',
    ]);
    // Without it the part is declared application/octet-stream, which the bytes contradict.
    const error = await attachmentRejection(
      as(accountant).uploadAttachment({ ...org, file: blob, filename: 'bytes.pdf' }),
    );
    expect(refusal(error)).toEqual(refused(415, 'UNSUPPORTED_MEDIA_TYPE'));
  });

  it('surfaces every refusal of the upload route as an AttachmentError with status and code', async () => {
    const before = await filesUnder(s.config.UPLOAD_DIR);
    const pdf = new File([smallPdf('x')], 'x.pdf', { type: 'application/pdf' });
    const cases: [string, () => Promise<unknown>, ReturnType<typeof refused>, RegExp][] = [
      [
        'PNG bytes declared as PDF',
        () =>
          as(accountant).uploadAttachment({
            ...org,
            file: new File([PNG], 'scan.pdf', { type: 'application/pdf' }),
          }),
        refused(415, 'UNSUPPORTED_MEDIA_TYPE'),
        /image\/png but was declared as application\/pdf/,
      ],
      [
        'an executable named .pdf',
        () =>
          as(accountant).uploadAttachment({
            ...org,
            file: new File([MZ], 'invoice.pdf', { type: 'application/pdf' }),
          }),
        refused(415, 'UNSUPPORTED_MEDIA_TYPE'),
        /not accepted|Accepted types/,
      ],
      [
        'one byte over UPLOAD_MAX_BYTES',
        () =>
          as(accountant).uploadAttachment({
            ...org,
            file: new File([Buffer.alloc(LIMIT + 1, 0x61)], 'big.csv', { type: 'text/csv' }),
          }),
        refused(413, 'PAYLOAD_TOO_LARGE'),
        /larger than the upload limit/,
      ],
      [
        'a viewer (role too low)',
        () => as(viewer).uploadAttachment({ ...org, file: pdf }),
        refused(403, 'FORBIDDEN'),
        /accountant/,
      ],
      [
        'a signed-in user of another org (not a member: no existence leak)',
        () => as(outsider).uploadAttachment({ ...org, file: pdf }),
        refused(404, 'NOT_FOUND'),
        /Organization not found/,
      ],
      [
        "another org's invoice through this org",
        () =>
          as(accountant).uploadAttachment({
            orgId: org.orgId,
            invoiceId: otherOrg.invoiceId,
            file: pdf,
          }),
        refused(404, 'NOT_FOUND'),
        /Invoice not found/,
      ],
      [
        'signed out (no token)',
        () => as(null).uploadAttachment({ ...org, file: pdf }),
        refused(401, 'UNAUTHORIZED'),
        /Missing or invalid authentication token/,
      ],
      [
        'a garbage token',
        () => as(null, 'not-a-token').uploadAttachment({ ...org, file: pdf }),
        refused(401, 'UNAUTHORIZED'),
        /Missing or invalid authentication token/,
      ],
      [
        'an empty file',
        () =>
          as(accountant).uploadAttachment({
            ...org,
            file: new File([], 'empty.csv', { type: 'text/csv' }),
          }),
        refused(400, 'BAD_REQUEST'),
        /empty/,
      ],
    ];
    for (const [name, call, expected, message] of cases) {
      const error = await attachmentRejection(call());
      expect(error, name).toBeInstanceOf(AttachmentError);
      expect(refusal(error), name).toEqual(expected);
      expect(error.message, name).toMatch(message);
      expect(error.requestId, name).toEqual(expect.any(String));
    }
    expect(await filesUnder(s.config.UPLOAD_DIR)).toEqual(before);
  });

  it('surfaces a missing, foreign or deleted attachment as NOT_FOUND and a signed-out download as UNAUTHORIZED', async () => {
    const file = new File([smallPdf('to delete')], 'gone.pdf', { type: 'application/pdf' });
    const stored = await as(accountant).uploadAttachment({ ...org, file });

    const missing = await attachmentRejection(
      as(viewer).downloadAttachment({
        orgId: org.orgId,
        attachmentId: new ObjectId().toHexString(),
      }),
    );
    expect(refusal(missing)).toEqual(refused(404, 'NOT_FOUND'));
    expect(missing.message).toBe('Attachment not found');

    // Org A's attachment asked for by a member of org B, through either org: not found.
    for (const orgId of [org.orgId, otherOrg.orgId]) {
      const foreign = await attachmentRejection(
        as(outsider).downloadAttachment({ orgId, attachmentId: stored.id }),
      );
      expect(refusal(foreign), orgId).toEqual(refused(404, 'NOT_FOUND'));
    }

    const signedOut = await attachmentRejection(
      as(null).downloadAttachment({ orgId: org.orgId, attachmentId: stored.id }),
    );
    expect(refusal(signedOut)).toEqual(refused(401, 'UNAUTHORIZED'));

    // Deleting is the tRPC procedure; the download then answers 404.
    const api = createInvoiceClient({ url, getToken: () => accountant.idToken });
    await api.attachment.delete.mutate({ orgId: org.orgId, attachmentId: stored.id });
    const deleted = await attachmentRejection(
      as(viewer).downloadAttachment({ orgId: org.orgId, attachmentId: stored.id }),
    );
    expect(refusal(deleted)).toEqual(refused(404, 'NOT_FOUND'));
  });

  it('an unroutable base URL is a typed NOT_FOUND without a server code, not a success', async () => {
    const wrong = createAttachmentClient({
      url,
      baseUrl: url.replace(/\/trpc$/, '/nowhere'),
      getToken: () => viewer.idToken,
    });
    const error = await attachmentRejection(
      wrong.downloadAttachment({ orgId: org.orgId, attachmentId: new ObjectId().toHexString() }),
    );
    expect(refusal(error)).toEqual({ status: 404, code: 'NOT_FOUND', serverCode: null });
  });
});
