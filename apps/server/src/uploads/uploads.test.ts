import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { createCaller, createContextInner, type AuthUser } from '@invoice/api';
import type { Role } from '@invoice/validators';
import { ObjectId } from 'mongodb';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/server.js';

const LIMIT = 64 * 1024;

// 1×1 PNG, padded with a tEXt-free trailer is not needed: file-type reads the signature.
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082',
  'hex',
);
const ELF = Buffer.concat([
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]),
  Buffer.alloc(200, 1),
]);
const MZ = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(62, 0), Buffer.alloc(200, 0x90)]);

function multipartBody(
  file: Buffer,
  filename: string,
  contentType: string,
): { body: Buffer; contentType: string } {
  const boundary = `----invoice${new ObjectId().toHexString()}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
      `Content-Type: ${contentType}\r\n\r\n`,
    'utf8',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    body: Buffer.concat([head, file, tail]),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

interface Org {
  orgId: string;
  invoiceId: string;
}

describe('attachment upload and download routes', () => {
  let s: TestServer;
  let accountant: { uid: string; idToken: string };
  let viewer: { uid: string; idToken: string };
  let outsider: { uid: string; idToken: string };
  let org: Org;
  let otherOrg: Org;

  async function addMember(orgId: string, uid: string, role: Role): Promise<void> {
    const now = new Date();
    await s.db.collections.memberships.insertOne({
      _id: new ObjectId(),
      orgId: new ObjectId(orgId),
      uid,
      email: `${uid}@example.test`,
      role,
      status: 'active',
      invitedBy: 'fixture',
      createdAt: now,
      updatedAt: now,
    });
  }

  /** An org and a draft invoice created in-process through the real procedures. */
  async function createOrg(owner: AuthUser): Promise<Org> {
    const caller = createCaller(
      createContextInner({ db: s.db, log: pino({ level: 'silent' }), user: owner }),
    );
    const created = await caller.organization.create({
      name: 'Acme Supplies',
      currency: 'EUR',
      timezone: 'Europe/Paris',
    });
    const now = new Date();
    const customerId = new ObjectId();
    await s.db.collections.customers.insertOne({
      _id: customerId,
      orgId: new ObjectId(created.id),
      name: 'Globex',
      nameLower: 'globex',
      email: 'billing@globex.test',
      address: { line1: '1 Main Street', city: 'Springfield', country: 'US' },
      taxId: null,
      currency: null,
      archivedAt: null,
      createdAt: now,
      updatedAt: now,
    });
    const invoice = await caller.invoice.create({
      orgId: created.id,
      customerId: customerId.toHexString(),
      lines: [{ description: 'Consulting day', quantity: 1, unitPrice: 5000, taxRates: [] }],
    });
    return { orgId: created.id, invoiceId: invoice.id };
  }

  function upload(
    target: Org,
    token: string | null,
    file: Buffer,
    filename = 'scan.png',
    declared = 'image/png',
  ) {
    const { body, contentType } = multipartBody(file, filename, declared);
    return s.app.inject({
      method: 'POST',
      url: `/v1/orgs/${target.orgId}/invoices/${target.invoiceId}/attachments`,
      headers: {
        'content-type': contentType,
        ...(token !== null ? { authorization: `Bearer ${token}` } : {}),
      },
      payload: body,
    });
  }

  function download(orgId: string, attachmentId: string, token: string) {
    return s.app.inject({
      method: 'GET',
      url: `/v1/orgs/${orgId}/attachments/${attachmentId}`,
      headers: { authorization: `Bearer ${token}` },
    });
  }

  /** Every file under UPLOAD_DIR, relative to it. */
  async function storedFiles(): Promise<string[]> {
    const entries = await readdir(s.config.UPLOAD_DIR, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name).slice(resolve(s.config.UPLOAD_DIR).length + 1))
      .sort();
  }

  /** Some cases need a real socket (aborts, early answers); inject cannot show them. */
  async function listeningPort(): Promise<number> {
    if (!s.app.server.listening) await s.app.listen({ port: 0, host: '127.0.0.1' });
    return (s.app.server.address() as AddressInfo).port;
  }

  async function tempFiles(): Promise<string[]> {
    return readdir(join(s.config.UPLOAD_DIR, '.tmp'));
  }

  beforeAll(async () => {
    s = await startTestServer('uploads', { UPLOAD_MAX_BYTES: String(LIMIT) });
    const [a, v, o] = await Promise.all([
      s.signIn('upload-accountant@example.test'),
      s.signIn('upload-viewer@example.test'),
      s.signIn('upload-outsider@example.test'),
    ]);
    accountant = a;
    viewer = v;
    outsider = o;
    const owner = {
      uid: `owner-${new ObjectId().toHexString()}`,
      email: null,
      emailVerified: true,
    };
    org = await createOrg(owner);
    await addMember(org.orgId, accountant.uid, 'accountant');
    await addMember(org.orgId, viewer.uid, 'viewer');
    otherOrg = await createOrg({ uid: outsider.uid, email: null, emailVerified: true });
  });
  afterAll(() => s.close());

  it('stores an upload under a generated id and serves identical bytes with safe headers', async () => {
    const res = await upload(org, accountant.idToken, PNG, 'Scan März.png');
    expect(res.statusCode).toBe(201);
    const meta = res.json<Record<string, unknown>>();
    const sha256 = createHash('sha256').update(PNG).digest('hex');
    expect(meta).toMatchObject({
      invoiceId: org.invoiceId,
      filename: 'Scan März.png',
      contentType: 'image/png',
      size: PNG.length,
      sha256,
    });
    const id = String(meta.id);
    expect(await storedFiles()).toContain(`${org.orgId}/${id}`);
    expect(await readFile(join(s.config.UPLOAD_DIR, org.orgId, id))).toEqual(PNG);
    const audit = await s.db.collections.auditEvents.findOne({ action: 'attachment.upload' });
    expect(audit?.entity.id.toHexString()).toBe(id);

    const got = await download(org.orgId, id, viewer.idToken);
    expect(got.statusCode).toBe(200);
    expect(got.rawPayload).toEqual(PNG);
    expect(got.headers['content-type']).toBe('image/png');
    expect(got.headers['content-length']).toBe(String(PNG.length));
    expect(got.headers['content-disposition']).toBe(
      `attachment; filename*=UTF-8''Scan%20M%C3%A4rz.png`,
    );
    expect(got.headers['x-content-type-options']).toBe('nosniff');
  });

  it('accepts UTF-8 CSV text by content and refuses text with NUL bytes', async () => {
    const csv = Buffer.from('date,amount\n2026-03-01,12.50\n', 'utf8');
    const ok = await upload(org, accountant.idToken, csv, 'export.csv', 'text/csv');
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ contentType: 'text/csv', size: csv.length });
    const nul = Buffer.from('a,b\n1,\u00002\n', 'utf8');
    expect((await upload(org, accountant.idToken, nul, 'x.csv', 'text/csv')).statusCode).toBe(415);
    const latin1 = Buffer.from([0x61, 0x2c, 0xe9, 0x0a]);
    expect((await upload(org, accountant.idToken, latin1, 'x.csv', 'text/csv')).statusCode).toBe(
      415,
    );
  });

  it('accepts a file of exactly the limit and answers 413 one byte over, leaving nothing behind', async () => {
    const before = await storedFiles();
    const atLimit = Buffer.alloc(LIMIT, 0x61);
    expect((await upload(org, accountant.idToken, atLimit, 'a.csv', 'text/csv')).statusCode).toBe(
      201,
    );
    const after = await storedFiles();
    const over = Buffer.alloc(LIMIT + 1, 0x61);
    const res = await upload(org, accountant.idToken, over, 'b.csv', 'text/csv');
    expect(res.statusCode).toBe(413);
    expect(await tempFiles()).toEqual([]);
    expect(await storedFiles()).toEqual(after);
    expect(after.length).toBe(before.length + 1);
  });

  it('refuses a type mismatch and executables whatever their name, with 415 and no file kept', async () => {
    const before = await storedFiles();
    const cases: [Buffer, string, string][] = [
      [PNG, 'scan.pdf', 'application/pdf'],
      [ELF, 'invoice.pdf', 'application/pdf'],
      [MZ, 'invoice.pdf', 'application/pdf'],
      [MZ, 'invoice.csv', 'text/csv'],
    ];
    for (const [bytes, name, declared] of cases) {
      const res = await upload(org, accountant.idToken, bytes, name, declared);
      expect(res.statusCode, name).toBe(415);
      expect(res.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    }
    expect(await tempFiles()).toEqual([]);
    expect(await storedFiles()).toEqual(before);
  });

  it('stores hostile file names under generated ids and writes nothing outside UPLOAD_DIR', async () => {
    const names: [string, string][] = [
      ['../../x', 'x'],
      ['..\\\\x', 'x'],
      ['.env', 'env'],
      ['a\u0000b.png', 'ab.png'],
    ];
    for (const [name, shown] of names) {
      const res = await upload(org, accountant.idToken, PNG, name);
      expect(res.statusCode, JSON.stringify(name)).toBe(201);
      const meta = res.json<{ id: string; filename: string }>();
      expect(meta.filename).toBe(shown);
      expect(existsSync(join(s.config.UPLOAD_DIR, org.orgId, meta.id))).toBe(true);
    }
    for (const file of await storedFiles()) {
      expect(file).toMatch(/^[0-9a-f]{24}\/[0-9a-f]{24}$/);
    }
    expect(existsSync(resolve(s.config.UPLOAD_DIR, '..', 'x'))).toBe(false);
    expect(existsSync(resolve(s.config.UPLOAD_DIR, '..', '..', 'x'))).toBe(false);
    expect(existsSync(resolve(s.config.UPLOAD_DIR, '..', '.env'))).toBe(false);
  });

  it('answers 401 without a token, 403 to a viewer and 404 to another org and for unknown ids', async () => {
    expect((await upload(org, null, PNG)).statusCode).toBe(401);
    expect((await upload(org, 'not-a-token', PNG)).statusCode).toBe(401);
    expect((await upload(org, viewer.idToken, PNG)).statusCode).toBe(403);
    expect((await upload(org, outsider.idToken, PNG)).statusCode).toBe(404);
    const unknownInvoice = { orgId: org.orgId, invoiceId: new ObjectId().toHexString() };
    expect((await upload(unknownInvoice, accountant.idToken, PNG)).statusCode).toBe(404);
    // The outsider's own invoice, addressed through org A, is not found either.
    const crossed = { orgId: org.orgId, invoiceId: otherOrg.invoiceId };
    expect((await upload(crossed, accountant.idToken, PNG)).statusCode).toBe(404);
    expect(
      (await upload({ orgId: 'zz', invoiceId: org.invoiceId }, accountant.idToken, PNG)).statusCode,
    ).toBe(400);

    const res = await upload(org, accountant.idToken, PNG);
    const id = res.json<{ id: string }>().id;
    expect((await download(org.orgId, id, outsider.idToken)).statusCode).toBe(404);
    expect((await download(otherOrg.orgId, id, outsider.idToken)).statusCode).toBe(404);
    expect(
      (await download(org.orgId, new ObjectId().toHexString(), viewer.idToken)).statusCode,
    ).toBe(404);
  });

  it('removes the temp file when the client aborts half-way', async () => {
    const port = await listeningPort();
    const { body, contentType } = multipartBody(
      Buffer.alloc(LIMIT - 100, 0x61),
      'big.csv',
      'text/csv',
    );
    const before = await storedFiles();
    let sawTempFile = false;
    await new Promise<void>((done) => {
      const req = request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: `/v1/orgs/${org.orgId}/invoices/${org.invoiceId}/attachments`,
        headers: {
          authorization: `Bearer ${accountant.idToken}`,
          'content-type': contentType,
          'content-length': body.length,
        },
      });
      req.on('error', () => undefined);
      req.write(body.subarray(0, body.length / 2));
      // Abort only once the server is writing the temp file, so the cleanup is what is tested.
      void (async () => {
        for (let i = 0; i < 100 && !sawTempFile; i++) {
          sawTempFile = (await tempFiles()).length > 0;
          if (!sawTempFile) await new Promise((r) => setTimeout(r, 20));
        }
        req.destroy();
        done();
      })();
    });
    expect(sawTempFile).toBe(true);
    for (let i = 0; i < 100 && (await tempFiles()).length > 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await tempFiles()).toEqual([]);
    expect(await storedFiles()).toEqual(before);
  });

  it('refuses a request with two files or none with 400 and keeps nothing', async () => {
    const before = await storedFiles();
    const boundary = 'twofiles';
    const part = (name: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\n` +
      `Content-Type: text/csv\r\n\r\na,b\n1,2\n\r\n`;
    for (const payload of [
      `${part('a.csv')}${part('b.csv')}--${boundary}--\r\n`,
      `--${boundary}--\r\n`,
    ]) {
      const res = await s.app.inject({
        method: 'POST',
        url: `/v1/orgs/${org.orgId}/invoices/${org.invoiceId}/attachments`,
        headers: {
          authorization: `Bearer ${accountant.idToken}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
        },
        payload,
      });
      expect(res.statusCode).toBe(400);
    }
    const json = await s.app.inject({
      method: 'POST',
      url: `/v1/orgs/${org.orgId}/invoices/${org.invoiceId}/attachments`,
      headers: {
        authorization: `Bearer ${accountant.idToken}`,
        'content-type': 'application/json',
      },
      payload: '{}',
    });
    expect(json.statusCode).toBe(400);
    expect(await tempFiles()).toEqual([]);
    expect(await storedFiles()).toEqual(before);
  });

  it('answers malformed multipart bodies with 400, never 500', async () => {
    const bodies: [string, string][] = [
      ['multipart/form-data', 'no boundary'],
      ['multipart/form-data; boundary=x', 'garbage without any boundary'],
      [
        'multipart/form-data; boundary=x',
        '--x\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n' +
          'Content-Type: text/csv\r\n\r\na,b\n1,2',
      ],
    ];
    for (const [contentType, payload] of bodies) {
      const res = await s.app.inject({
        method: 'POST',
        url: `/v1/orgs/${org.orgId}/invoices/${org.invoiceId}/attachments`,
        headers: { authorization: `Bearer ${accountant.idToken}`, 'content-type': contentType },
        payload,
      });
      expect(res.statusCode, payload).toBe(400);
    }
    expect(await tempFiles()).toEqual([]);
  });

  it('answers 413 over a real socket while the client is still sending', async () => {
    const port = await listeningPort();
    const { body, contentType } = multipartBody(
      Buffer.alloc(LIMIT * 4, 0x61),
      'big.csv',
      'text/csv',
    );
    const status = await new Promise<number>((done, fail) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: `/v1/orgs/${org.orgId}/invoices/${org.invoiceId}/attachments`,
          headers: {
            authorization: `Bearer ${accountant.idToken}`,
            'content-type': contentType,
            'content-length': body.length,
          },
        },
        (res) => {
          res.resume();
          done(res.statusCode ?? 0);
        },
      );
      req.on('error', fail);
      req.end(body);
    });
    expect(status).toBe(413);
    expect(await tempFiles()).toEqual([]);
  });

  it('removes the file when attachment.delete succeeds through tRPC', async () => {
    const res = await upload(org, accountant.idToken, PNG);
    const id = res.json<{ id: string }>().id;
    const path = join(s.config.UPLOAD_DIR, org.orgId, id);
    expect(existsSync(path)).toBe(true);
    const deleted = await s.app.inject({
      method: 'POST',
      url: '/trpc/attachment.delete',
      headers: {
        authorization: `Bearer ${accountant.idToken}`,
        'content-type': 'application/json',
      },
      payload: JSON.stringify({ json: { orgId: org.orgId, attachmentId: id } }),
    });
    expect(deleted.statusCode).toBe(200);
    expect(existsSync(path)).toBe(false);
    expect((await download(org.orgId, id, viewer.idToken)).statusCode).toBe(404);
  });
});
