import { createHash } from 'node:crypto';
import { createInvoiceClient, type InvoiceClient } from '@invoice/client';
import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { EmulatorUser } from '../src/dev/emulator-tokens.js';
import { startTestServer, type TestServer } from './server.js';

/**
 * End to end over real HTTP: the app listening on a port, `@invoice/client` (httpBatchLink +
 * superjson) and plain fetch for the upload routes, real Firebase Auth emulator tokens, the
 * embedded MongoDB-compatible server (or MONGODB_URI). Two users, each with their own org.
 */

/** The tRPC code a client call fails with, or 'OK'. */
async function codeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'OK';
  } catch (error) {
    return z.object({ data: z.object({ code: z.string() }) }).parse(error).data.code;
  }
}

/** A small but real PDF: the magic-byte check must recognize it. */
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n' +
    '2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n' +
    'trailer << /Root 1 0 R >>\n%%EOF\n',
);

const uploadResponse = z.object({
  id: z.string(),
  invoiceId: z.string(),
  filename: z.string(),
  contentType: z.string(),
  size: z.number(),
  sha256: z.string(),
});

describe('end to end over HTTP with @invoice/client and emulator tokens', () => {
  let s: TestServer;
  let base: string;
  let alice: EmulatorUser;
  let bob: EmulatorUser;
  let asAlice: InvoiceClient;
  let asBob: InvoiceClient;

  const clientFor = (user: EmulatorUser | null) =>
    createInvoiceClient({ url: `${base}/trpc`, getToken: () => user?.idToken ?? null });

  function upload(orgId: string, invoiceId: string, token: string | null, file: Buffer) {
    const form = new FormData();
    form.append('file', new Blob([file], { type: 'application/pdf' }), 'March invoice.pdf');
    return fetch(`${base}/v1/orgs/${orgId}/invoices/${invoiceId}/attachments`, {
      method: 'POST',
      headers: token ? { authorization: `Bearer ${token}` } : {},
      body: form,
    });
  }

  function download(orgId: string, attachmentId: string, token: string) {
    return fetch(`${base}/v1/orgs/${orgId}/attachments/${attachmentId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
  }

  beforeAll(async () => {
    s = await startTestServer('e2e');
    base = await s.app.listen({ host: '127.0.0.1', port: 0 });
    const suffix = new ObjectId().toHexString().slice(-8);
    [alice, bob] = await Promise.all([
      s.signIn(`e2e-alice-${suffix}@example.test`),
      s.signIn(`e2e-bob-${suffix}@example.test`),
    ]);
    asAlice = clientFor(alice);
    asBob = clientFor(bob);
  });
  afterAll(() => s.close());

  it('runs the invoicing flow for two users and keeps them apart', async () => {
    // Signed out: nothing but 401.
    expect(await codeOf(clientFor(null).organization.list.query())).toBe('UNAUTHORIZED');

    // Each user creates an organization and becomes its owner.
    const [orgA, orgB] = await Promise.all([
      asAlice.organization.create.mutate({
        name: 'Alice Design',
        currency: 'EUR',
        timezone: 'UTC',
      }),
      asBob.organization.create.mutate({ name: 'Bob Builders', currency: 'USD', timezone: 'UTC' }),
    ]);
    expect((await asAlice.organization.list.query()).map((o) => [o.id, o.role])).toEqual([
      [orgA.id, 'owner'],
    ]);
    expect((await asBob.organization.list.query()).map((o) => o.id)).toEqual([orgB.id]);

    // Customers and a draft with exact money: 2 × 100.00 at 20 % tax.
    const customer = await asAlice.customer.create.mutate({
      orgId: orgA.id,
      name: 'Acme SARL',
      email: 'billing@acme.example',
    });
    const draft = await asAlice.invoice.create.mutate({
      orgId: orgA.id,
      customerId: customer.id,
      lines: [{ description: 'Logo design', quantity: 2, unitPrice: 10_000, taxRates: [2000] }],
    });
    expect(draft).toMatchObject({
      status: 'draft',
      number: null,
      subtotal: 20_000,
      taxTotal: 4_000,
      total: 24_000,
      amountDue: 24_000,
    });
    const bobCustomer = await asBob.customer.create.mutate({ orgId: orgB.id, name: 'Bob Client' });
    const bobDraft = await asBob.invoice.create.mutate({
      orgId: orgB.id,
      customerId: bobCustomer.id,
      lines: [{ description: 'Bricks', quantity: 100, unitPrice: 50 }],
    });

    // Issue, then pay in two parts.
    const issued = await asAlice.invoice.issue.mutate({ orgId: orgA.id, invoiceId: draft.id });
    expect(issued.status).toBe('open');
    expect(issued.number).toMatch(/^INV-\d{4}-00001$/);
    await asAlice.payment.record.mutate({
      orgId: orgA.id,
      invoiceId: draft.id,
      amount: 4_000,
      date: issued.issueDate ?? '',
      method: 'card',
    });
    expect(await asAlice.invoice.byId.query({ orgId: orgA.id, invoiceId: draft.id })).toMatchObject(
      {
        status: 'open',
        amountPaid: 4_000,
        amountDue: 20_000,
      },
    );
    await asAlice.payment.record.mutate({
      orgId: orgA.id,
      invoiceId: draft.id,
      amount: 20_000,
      date: issued.issueDate ?? '',
      method: 'bank_transfer',
      reference: 'SEPA 42',
    });

    // Upload an attachment (multipart, streamed) and download it byte for byte.
    const uploaded = await upload(orgA.id, draft.id, alice.idToken, PDF);
    expect(uploaded.status).toBe(201);
    const attachment = uploadResponse.parse(await uploaded.json());
    expect(attachment).toMatchObject({
      invoiceId: draft.id,
      contentType: 'application/pdf',
      size: PDF.length,
      sha256: createHash('sha256').update(PDF).digest('hex'),
    });
    const file = await download(orgA.id, attachment.id, alice.idToken);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/pdf');
    expect(file.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(file.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await file.arrayBuffer()).equals(PDF)).toBe(true);

    // List and report, batched into one HTTP request by the client.
    const [paid, attachments, report] = await Promise.all([
      asAlice.invoice.list.query({ orgId: orgA.id, status: 'paid' }),
      asAlice.attachment.list.query({ orgId: orgA.id, invoiceId: draft.id }),
      asAlice.report.summary.query({ orgId: orgA.id }),
    ]);
    expect(paid.items.map((i) => [i.id, i.status, i.amountDue])).toEqual([[draft.id, 'paid', 0]]);
    expect(attachments.items.map((a) => a.id)).toEqual([attachment.id]);
    expect(report.currencies).toHaveLength(1);
    expect(report.currencies[0]).toMatchObject({
      currency: 'EUR',
      invoiced: 24_000,
      paid: 24_000,
      outstanding: 0,
      overdue: 0,
    });

    // Isolation: Bob sees none of Alice's documents, by her org id or through his own.
    expect(await codeOf(asBob.invoice.byId.query({ orgId: orgA.id, invoiceId: draft.id }))).toBe(
      'NOT_FOUND',
    );
    expect(await codeOf(asBob.invoice.byId.query({ orgId: orgB.id, invoiceId: draft.id }))).toBe(
      'NOT_FOUND',
    );
    expect(await codeOf(asBob.invoice.list.query({ orgId: orgA.id }))).toBe('NOT_FOUND');
    expect(await codeOf(asBob.report.summary.query({ orgId: orgA.id }))).toBe('NOT_FOUND');
    expect(await codeOf(asBob.attachment.list.query({ orgId: orgB.id, invoiceId: draft.id }))).toBe(
      'NOT_FOUND',
    );
    expect(
      await codeOf(
        asBob.payment.record.mutate({
          orgId: orgB.id,
          invoiceId: draft.id,
          amount: 1,
          date: issued.issueDate ?? '',
          method: 'cash',
        }),
      ),
    ).toBe('NOT_FOUND');
    expect((await download(orgA.id, attachment.id, bob.idToken)).status).toBe(404);
    expect((await download(orgB.id, attachment.id, bob.idToken)).status).toBe(404);
    expect((await upload(orgA.id, draft.id, bob.idToken, PDF)).status).toBe(404);
    expect((await upload(orgB.id, draft.id, bob.idToken, PDF)).status).toBe(404);
    expect((await upload(orgA.id, draft.id, null, PDF)).status).toBe(401);
    // ...and Alice none of Bob's.
    expect(
      await codeOf(asAlice.invoice.byId.query({ orgId: orgA.id, invoiceId: bobDraft.id })),
    ).toBe('NOT_FOUND');
    const bobList = await asBob.invoice.list.query({ orgId: orgB.id });
    expect(bobList.items.map((i) => i.id)).toEqual([bobDraft.id]);

    // Alice's data is unchanged by Bob's attempts.
    expect(await asAlice.invoice.byId.query({ orgId: orgA.id, invoiceId: draft.id })).toMatchObject(
      {
        status: 'paid',
        amountPaid: 24_000,
      },
    );
    expect(
      (await asAlice.attachment.list.query({ orgId: orgA.id, invoiceId: draft.id })).items,
    ).toHaveLength(1);
  });
});
