import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createDb } from '@invoice/db';
import { describe, expect, inject, it } from 'vitest';
import { emulatorSignIn } from '../src/dev/emulator-tokens.js';
import { startChildServer } from './child-server.js';
import {
  attachmentsPath,
  multipartBody,
  multipartFraming,
  orgWithAccountant,
  postOverSocket,
} from './uploads.js';

const MB = 1024 * 1024;
const FILE_BYTES = 100 * MB;
const CHUNK_BYTES = 64 * 1024;
/** The promise of issue 5: a streamed upload does not hold the file in memory. */
const MAX_RSS_GROWTH = 50 * MB;

/** Resident set size of a process, from the kernel (Linux). */
function rssOf(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match?.[1]) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/** CSV text, generated chunk by chunk; `onChunk` runs before each chunk is handed over. */
function csvStream(bytes: number, onChunk: (sent: number) => void) {
  const line = Buffer.from('2026-03-01,invoice payment,12.50\n');
  const chunk = Buffer.alloc(CHUNK_BYTES);
  for (let at = 0; at < CHUNK_BYTES; at += line.length) line.copy(chunk, at);
  const hash = createHash('sha256');
  let sent = 0;
  const stream = new Readable({
    read() {
      if (sent >= bytes) {
        this.push(null);
        return;
      }
      const piece = chunk.subarray(0, Math.min(CHUNK_BYTES, bytes - sent));
      onChunk(sent);
      sent += piece.length;
      hash.update(piece);
      this.push(piece);
    },
  });
  return { stream, sha256: () => hash.digest('hex') };
}

/**
 * Issue 5 acceptance: a 100 MB upload over a real socket completes while the server's RSS
 * grows by less than 50 MB. The server is its own process (`main.ts`), so the RSS is the
 * server's alone; it is sampled from /proc before every 64 KiB chunk the client sends.
 */
describe('100 MB streamed upload', () => {
  it('is stored with the server RSS growing by less than 50 MB', async () => {
    const emulatorHost = inject('firebaseAuthEmulatorHost');
    const server = await startChildServer('uploads-memory', {
      UPLOAD_MAX_BYTES: String(FILE_BYTES + MB),
    });
    const { port } = server;
    const uploadDir = join(server.dataDir, 'uploads');
    const db = createDb({ uri: inject('mongoUri'), dbName: server.dbName });
    try {
      const pid = server.child.pid!;
      const { org, accountant } = await orgWithAccountant(
        db,
        (email) => emulatorSignIn(emulatorHost, 'demo-invoices', email),
        'memory',
      );
      const headers = (contentType: string, length: number) => ({
        authorization: `Bearer ${accountant.idToken}`,
        'content-type': contentType,
        'content-length': length,
      });

      // Warm-up: the same code path once with 1 MB, so lazy compilation and pools are in place.
      const warm = multipartBody(Buffer.alloc(MB, 0x61), 'warm-up.csv', 'text/csv');
      const warmed = await postOverSocket(
        port,
        attachmentsPath(org),
        headers(warm.contentType, warm.body.length),
        warm.body,
      ).response;
      expect(warmed.status).toBe(201);

      const baseline = rssOf(pid);
      const samples: number[] = [];
      const { head, tail, contentType } = multipartFraming('ledger.csv', 'text/csv');
      const file = csvStream(FILE_BYTES, () => samples.push(rssOf(pid)));
      const body = Readable.from(
        (async function* () {
          yield head;
          yield* file.stream;
          yield tail;
        })(),
      );
      const res = await postOverSocket(
        port,
        attachmentsPath(org),
        headers(contentType, head.length + FILE_BYTES + tail.length),
        body,
      ).response;
      samples.push(rssOf(pid));

      expect(res.status).toBe(201);
      const meta = JSON.parse(res.body) as { id: string; size: number; sha256: string };
      expect(meta).toMatchObject({ size: FILE_BYTES, sha256: file.sha256() });
      expect((await stat(join(uploadDir, org.orgId, meta.id))).size).toBe(FILE_BYTES);

      const peak = Math.max(...samples);
      const growth = peak - baseline;
      process.stdout.write(
        `100 MB upload: server RSS baseline ${(baseline / MB).toFixed(1)} MB, ` +
          `peak ${(peak / MB).toFixed(1)} MB, growth ${(growth / MB).toFixed(1)} MB ` +
          `(${samples.length} samples, limit ${MAX_RSS_GROWTH / MB} MB)\n`,
      );
      expect(samples.length).toBe(FILE_BYTES / CHUNK_BYTES + 1);
      expect(growth).toBeLessThan(MAX_RSS_GROWTH);
    } finally {
      await db.db.dropDatabase().catch(() => undefined);
      await db.close();
      await server.cleanup();
    }
  }, 180_000);
});
