import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { reconcileIndexes } from '@invoice/db';
import { startEmbeddedMongo, type EmbeddedMongo } from '@invoice/mongo-embedded';
import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './server.js';
import {
  attachmentsPath,
  eventually,
  filesUnder,
  injectUpload,
  listeningPort,
  metricSample,
  multipartFraming,
  orgWithAccountant,
  PNG,
  postOverSocket,
  tempFiles,
  type Member,
  type Org,
} from './uploads.js';

const GENERIC_500 = { statusCode: 500, code: 'INTERNAL_SERVER_ERROR', message: 'Internal error' };
const GENERIC_503 = {
  statusCode: 503,
  code: 'SERVICE_UNAVAILABLE',
  message: 'The service is temporarily unavailable',
};

/** Files, metadata and audit events: what a failed upload must leave as it found. */
async function uploadState(s: TestServer, org: Org) {
  return {
    files: await filesUnder(s.config.UPLOAD_DIR),
    temp: await tempFiles(s.config.UPLOAD_DIR),
    attachments: await s.db.collections.attachments.countDocuments({
      invoiceId: new ObjectId(org.invoiceId),
    }),
    audits: await s.db.collections.auditEvents.countDocuments({
      orgId: new ObjectId(org.orgId),
      action: 'attachment.upload',
    }),
  };
}

const dbFailures = (s: TestServer) =>
  metricSample(s.app, 'upload_failures_total', { reason: 'db' });

describe('upload when MongoDB refuses the metadata', () => {
  let s: TestServer;
  let org: Org;
  let accountant: Member;

  beforeAll(async () => {
    s = await startTestServer('uploads-db-refuses');
    // A real server-side refusal: the attachments collection validates file names.
    await s.db.db.dropCollection('attachments');
    await s.db.db.createCollection('attachments', {
      validator: { filename: { $ne: 'refused-by-db.png' } },
    });
    await reconcileIndexes(s.db.db);
    ({ org, accountant } = await orgWithAccountant(s.db, s.signIn, 'db-refuses'));
  });
  afterAll(() => s.close());

  it('answers a generic 500 and removes the stored file, keeping no metadata or audit', async () => {
    const before = await uploadState(s, org);
    const failures = await dbFailures(s);
    const res = await injectUpload(s.app, org, accountant.idToken, PNG, 'refused-by-db.png');
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual(GENERIC_500);
    expect(res.body).not.toMatch(/validation|attachments/i);
    expect(await uploadState(s, org)).toEqual(before);
    expect(await dbFailures(s)).toBe(failures + 1);

    const ok = await injectUpload(s.app, org, accountant.idToken, PNG, 'accepted.png');
    expect(ok.statusCode).toBe(201);
  });
});

describe('upload when MongoDB goes away mid-upload', () => {
  let dbPath: string;
  let mongo: EmbeddedMongo;
  let port: number;
  let s: TestServer;
  let org: Org;
  let accountant: Member;

  beforeAll(async () => {
    // Its own database server, so stopping it disturbs no other suite.
    dbPath = await mkdtemp(join(tmpdir(), 'invoice-uploads-db-down-'));
    mongo = await startEmbeddedMongo({ dbPath });
    port = mongo.port;
    s = await startTestServer('uploads-db-down', { MONGODB_URI: mongo.uri });
    ({ org, accountant } = await orgWithAccountant(s.db, s.signIn, 'db-down'));
  });
  afterAll(async () => {
    await s.close();
    await mongo.stop();
    await rm(dbPath, { recursive: true, force: true });
  });

  it('answers 503 with Retry-After and a generic body, keeps nothing, and recovers when MongoDB returns', async () => {
    const before = await uploadState(s, org);
    const failures = await dbFailures(s);
    const appPort = await listeningPort(s.app);
    const file = Buffer.alloc(64 * 1024, 0x61);
    const { head, tail, contentType } = multipartFraming('ledger.csv', 'text/csv');
    const body = new PassThrough();
    const post = postOverSocket(
      appPort,
      attachmentsPath(org),
      {
        authorization: `Bearer ${accountant.idToken}`,
        'content-type': contentType,
        'content-length': head.length + file.length + tail.length,
      },
      body,
    );
    body.write(Buffer.concat([head, file.subarray(0, file.length / 2)]));
    // Access checks are done (they read MongoDB) once the file is being written.
    expect(await eventually(async () => (await tempFiles(s.config.UPLOAD_DIR)).length > 0)).toBe(
      true,
    );
    await mongo.stop();
    body.end(Buffer.concat([file.subarray(file.length / 2), tail]));
    const res = await post.response;
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(JSON.parse(res.body)).toEqual(GENERIC_503);
    expect(await tempFiles(s.config.UPLOAD_DIR)).toEqual(before.temp);
    expect(await filesUnder(s.config.UPLOAD_DIR)).toEqual(before.files);
    expect(await dbFailures(s)).toBe(failures + 1);

    const live = await s.app.inject({ method: 'GET', url: '/health/live' });
    expect(live.statusCode).toBe(200);
    const ready = await s.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ checks: { mongo: { ok: false } } });

    // Same data directory and port: the app's existing client finds it again.
    mongo = await startEmbeddedMongo({ dbPath, port });
    expect(await uploadState(s, org)).toEqual(before);
    const next = await injectUpload(s.app, org, accountant.idToken, PNG);
    expect(next.statusCode).toBe(201);
  });
});
