import { readdir, rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './server.js';
import { injectUpload, orgWithAccountant, PNG, tempFiles } from './uploads.js';
import { tempDir } from '../src/uploads/disk-store.js';

/**
 * Uploads are written to UPLOAD_DIR/.tmp, which the uploads plugin creates once, at boot
 * (src/uploads/plugin.ts). Readiness promises "the upload directory is writable" but probes the
 * directory itself, never `.tmp`. When `.tmp` is gone after boot (the shared upload volume
 * mounted or re-created after the process started, a clean-up that removed the directory), every
 * upload answers 500 INTERNAL_SERVER_ERROR (counted `reason="internal"`) while /health/ready
 * keeps answering 200, so the balancer keeps sending uploads to an instance that cannot store
 * one. Either the upload recreates its temp directory, or readiness reports the instance not ready.
 *
 * Now each upload makes .tmp again if missing, and readiness probes inside .tmp. (This test failed before.)
 */

describe('upload temp directory removed after boot', () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer('upload-tmp');
  });
  afterAll(() => s.close());

  it('stores the next upload, or readiness says the instance cannot', async () => {
    const { org, accountant } = await orgWithAccountant(s.db, s.signIn, 'tmp-gone');
    expect((await injectUpload(s.app, org, accountant.idToken, PNG)).statusCode).toBe(201);

    await rm(tempDir(s.config.UPLOAD_DIR), { recursive: true, force: true });

    const upload = await injectUpload(s.app, org, accountant.idToken, PNG);
    const ready = await s.app.inject({ method: 'GET', url: '/health/ready' });
    if (upload.statusCode === 201) {
      expect(await tempFiles(s.config.UPLOAD_DIR)).toEqual([]);
      expect(await readdir(s.config.UPLOAD_DIR)).toContain('.tmp');
    } else {
      expect(ready.statusCode, `upload answered ${upload.statusCode} ${upload.body}`).toBe(503);
    }
  });
});
