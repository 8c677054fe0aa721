import { rm } from 'node:fs/promises';
import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './server.js';
import { mountSmallVolume, type SmallVolume } from './small-volume.js';
import {
  filesUnder,
  injectUpload,
  metricSample,
  orgWithAccountant,
  PNG,
  tempFiles,
  type Member,
  type Org,
} from './uploads.js';

const VOLUME = 1024 * 1024;

/**
 * SECURITY.md "Disk full" and the operations fault drill: uploads onto a genuinely full
 * filesystem (a 1 MiB tmpfs as UPLOAD_DIR) answer 507, leave nothing behind, store no
 * metadata, and the process keeps serving.
 */
describe('uploads onto a full filesystem', () => {
  let volume: SmallVolume;
  let s: TestServer;
  let org: Org;
  let accountant: Member;

  const attachmentCount = () =>
    s.db.collections.attachments.countDocuments({ invoiceId: new ObjectId(org.invoiceId) });
  const uploadAuditCount = () =>
    s.db.collections.auditEvents.countDocuments({ action: 'attachment.upload' });
  const enospcFailures = () => metricSample(s.app, 'upload_failures_total', { reason: 'enospc' });
  const status = async (url: string) => (await s.app.inject({ method: 'GET', url })).statusCode;

  /** The state nothing may change: files on the volume, metadata, audit, temp files. */
  const snapshot = async () => ({
    files: await filesUnder(volume.dir),
    temp: await tempFiles(volume.dir),
    attachments: await attachmentCount(),
    audits: await uploadAuditCount(),
  });

  beforeAll(async () => {
    volume = await mountSmallVolume(VOLUME);
    s = await startTestServer('uploads-disk-full', {
      UPLOAD_DIR: volume.dir,
      UPLOAD_MAX_BYTES: String(8 * VOLUME),
      MIN_FREE_DISK_BYTES: '1',
    });
    ({ org, accountant } = await orgWithAccountant(s.db, s.signIn, 'disk-full'));
  });
  afterAll(async () => {
    await s?.close();
    await volume?.unmount();
  });

  it('answers 507 when the file outgrows the volume mid-stream, removes the partial file, then stores the next upload', async () => {
    const before = await snapshot();
    const enospc = await enospcFailures();
    const big = Buffer.alloc(2 * VOLUME, 0x61);
    const res = await injectUpload(s.app, org, accountant.idToken, big, 'big.csv', 'text/csv');
    expect(res.statusCode).toBe(507);
    expect(res.json()).toEqual({
      statusCode: 507,
      code: 'INSUFFICIENT_STORAGE',
      message: 'The upload volume is full',
    });
    expect(await snapshot()).toEqual(before);
    expect(await enospcFailures()).toBe(enospc + 1);
    expect(await status('/health/live')).toBe(200);

    // Only possible if the ~1 MiB partial temp file really went: the volume holds 1 MiB.
    const next = await injectUpload(s.app, org, accountant.idToken, PNG);
    expect(next.statusCode).toBe(201);
    expect(await attachmentCount()).toBe(before.attachments + 1);
  });

  it('answers a repeat of a keyed upload stored before the volume filled up with the first answer, keeping nothing', async () => {
    const keyed = { 'idempotency-key': 'stored-before-full' };
    const upload = (file: Buffer, filename = 'scan.png') =>
      injectUpload(s.app, org, accountant.idToken, file, filename, 'image/png', keyed);
    const first = await upload(PNG);
    expect(first.statusCode).toBe(201);
    const filler = volume.fill('filler');
    try {
      const before = await snapshot();
      // The client whose answer was lost retries: before, the repeat was written to the full
      // volume first (507) and only then compared with the key's first upload.
      const again = await upload(PNG);
      expect(again.statusCode).toBe(201);
      expect(again.json()).toEqual(first.json());
      // The key's other rules hold on this path too: another file is CONFLICT, an oversized
      // one is refused by the upload limit, and nothing is kept either way.
      const other = await upload(Buffer.concat([PNG, Buffer.from('other bytes')]));
      expect(other.statusCode).toBe(409);
      expect(other.json()).toMatchObject({ code: 'CONFLICT' });
      const oversized = await upload(Buffer.concat([PNG, Buffer.alloc(8 * VOLUME + 1)]));
      expect(oversized.statusCode).toBe(413);
      expect(await snapshot()).toEqual(before);
      expect(await status('/health/live')).toBe(200);
    } finally {
      await rm(filler);
    }
  });

  it('answers 507 on an already full volume, readiness says why, and recovers when space returns', async () => {
    const filler = volume.fill('filler');
    try {
      const before = await snapshot();
      const res = await injectUpload(s.app, org, accountant.idToken, PNG);
      expect(res.statusCode).toBe(507);
      expect(await snapshot()).toEqual(before);

      const ready = await s.app.inject({ method: 'GET', url: '/health/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ checks: { disk: { ok: false } } });
      expect(await status('/health/live')).toBe(200);
    } finally {
      await rm(filler);
    }
    expect(await status('/health/ready')).toBe(200);
    expect((await injectUpload(s.app, org, accountant.idToken, PNG)).statusCode).toBe(201);
  });
});
