import { readdir } from 'node:fs/promises';
import { request, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { createCaller, createContextInner, type AuthUser } from '@invoice/api';
import type { Database } from '@invoice/db';
import type { Role } from '@invoice/validators';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { ObjectId } from 'mongodb';
import pino from 'pino';
import type { TestServer } from './server.js';

/** A 1×1 PNG: file-type recognises it by its signature. */
export const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082',
  'hex',
);
export const ELF = Buffer.concat([
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]),
  Buffer.alloc(200, 1),
]);
export const MZ = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(62, 0), Buffer.alloc(200, 0x90)]);

export interface Org {
  orgId: string;
  invoiceId: string;
}

export interface Member {
  uid: string;
  idToken: string;
}

/** The multipart framing around one file part; the body is `head`, the file bytes, `tail`. */
/** One file part's framing; pass another framing's `boundary` to frame a further part of it. */
export function multipartFraming(
  filename: string,
  contentType: string,
  boundary = `----invoice${new ObjectId().toHexString()}`,
) {
  return {
    boundary,
    head: Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
        `Content-Type: ${contentType}\r\n\r\n`,
      'utf8',
    ),
    tail: Buffer.from(`\r\n--${boundary}--\r\n`),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

export function multipartBody(
  file: Buffer,
  filename: string,
  contentType: string,
): { body: Buffer; contentType: string } {
  const { head, tail, contentType: type } = multipartFraming(filename, contentType);
  return { body: Buffer.concat([head, file, tail]), contentType: type };
}

export function attachmentsPath(target: Org): string {
  return `/v1/orgs/${target.orgId}/invoices/${target.invoiceId}/attachments`;
}

export async function addMember(
  db: Database,
  orgId: string,
  uid: string,
  role: Role,
): Promise<void> {
  const now = new Date();
  await db.collections.memberships.insertOne({
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
export async function createOrg(db: Database, owner: AuthUser): Promise<Org> {
  const caller = createCaller(
    createContextInner({ db, log: pino({ level: 'silent' }), user: owner }),
  );
  const created = await caller.organization.create({
    name: 'Acme Supplies',
    currency: 'EUR',
    timezone: 'Europe/Paris',
  });
  const now = new Date();
  const customerId = new ObjectId();
  await db.collections.customers.insertOne({
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

/** A fresh org (owned by a fixture uid) where `accountant` may upload; `prefix` names the user. */
export async function orgWithAccountant(
  db: Database,
  signIn: TestServer['signIn'],
  prefix: string,
): Promise<{ org: Org; accountant: Member }> {
  const accountant = await signIn(`${prefix}-accountant@example.test`);
  const org = await createOrg(db, {
    uid: `owner-${new ObjectId().toHexString()}`,
    email: null,
    emailVerified: true,
  });
  await addMember(db, org.orgId, accountant.uid, 'accountant');
  return { org, accountant };
}

/** Uploads one file through inject (`headers` adds to the request's own, e.g. an Idempotency-Key). */
export function injectUpload(
  app: FastifyInstance,
  target: Org,
  token: string | null,
  file: Buffer,
  filename = 'scan.png',
  declared = 'image/png',
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  const { body, contentType } = multipartBody(file, filename, declared);
  return app.inject({
    method: 'POST',
    url: attachmentsPath(target),
    headers: {
      ...headers,
      'content-type': contentType,
      ...(token !== null ? { authorization: `Bearer ${token}` } : {}),
    },
    payload: body,
  });
}

/** Every file under `dir`, relative to it, sorted. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(resolve(dir).length + 1))
    .sort();
}

/** Files being received (UPLOAD_DIR/.tmp). */
export function tempFiles(uploadDir: string): Promise<string[]> {
  return readdir(join(uploadDir, '.tmp'));
}

/** Some cases need a real socket (aborts, early answers, memory); inject cannot show them. */
export async function listeningPort(app: FastifyInstance): Promise<number> {
  if (!app.server.listening) await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as AddressInfo).port;
}

export interface SocketResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface SocketPost {
  /** Resolves with the answer once complete (rejects on a socket error). */
  response: Promise<SocketResponse>;
  /** Destroys the socket (an abort). */
  destroy(): void;
}

/**
 * POSTs over a real socket: `body` is a Buffer sent at once, or a stream piped as it comes
 * (a PassThrough lets the caller send part of it). `destroy` aborts at any point.
 */
export function postOverSocket(
  port: number,
  path: string,
  headers: OutgoingHttpHeaders,
  body: Buffer | Readable,
): SocketPost {
  const req = request({ host: '127.0.0.1', port, method: 'POST', path, headers });
  const response = new Promise<SocketResponse>((done, fail) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        done({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', fail);
    });
    req.on('error', fail);
  });
  if (Buffer.isBuffer(body)) req.end(body);
  else body.pipe(req);
  return { response, destroy: () => req.destroy() };
}

/** Polls `check` every 20 ms, up to `tries` times; true as soon as it holds. */
export async function eventually(check: () => Promise<boolean>, tries = 250): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

/**
 * One sample of GET /metrics (Prometheus text): the value of `name` with exactly `labels`, or 0
 * when the series is absent.
 */
export async function metricSample(
  app: FastifyInstance,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  if (res.statusCode !== 200) throw new Error(`/metrics answered ${res.statusCode}`);
  const wanted = Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .sort()
    .join(',');
  for (const line of res.body.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const have = (match[2] ?? '').split(',').filter(Boolean).sort().join(',');
    if (have === wanted) return Number(match[3]);
  }
  return 0;
}
