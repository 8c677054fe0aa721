import { createAttachmentClient } from '@invoice/client';
import { describe, expect, it } from 'vitest';
import { startTestServer } from './server.js';
import { listeningPort, orgWithAccountant } from './uploads.js';

/**
 * app.close() (what SIGTERM's drain ends with) right after a file download. The download's
 * keep-alive connection was still finishing its answer when close began, turned idle a moment
 * later, and held close() until its 72 s keep-alive timeout, past the shutdown budget (this test
 * failed: close was still pending after 15 s). Idle connections are now closed until the server
 * has closed.
 */
describe('closing the server right after a download', () => {
  it('does not wait for the keep-alive timeout of the download connection', async () => {
    const s = await startTestServer('close-after-download', { RATE_LIMIT_PER_MINUTE: '1000000' });
    let closed = false;
    try {
      const url = `http://127.0.0.1:${await listeningPort(s.app)}/trpc`;
      const { org, accountant } = await orgWithAccountant(s.db, s.signIn, 'close-after-download');
      const attachments = createAttachmentClient({ url, getToken: () => accountant.idToken });
      // Not a whole number of the file stream's 64 KiB reads: its last read is short, and the
      // answer ends a moment after the client has every byte (whole multiples did not show it).
      const csv = Buffer.alloc(1024 * 1024 + 4096, 'a,b\n');
      const file = new File([csv], 'export.csv', { type: 'text/csv' });
      const stored = await attachments.uploadAttachment({ ...org, file });
      const downloaded = await attachments.downloadAttachment({ ...org, attachmentId: stored.id });
      expect(downloaded.size).toBe(csv.length);

      const outcome = await Promise.race([
        s.app.close().then(() => 'closed'),
        new Promise((resolve) => setTimeout(resolve, 15_000, 'still closing after 15 s')),
      ]);
      closed = outcome === 'closed';
      expect(outcome).toBe('closed');
    } finally {
      // s.close() closes the app too; after a failed race that waits out the keep-alive timeout.
      if (closed) await s.close();
    }
  }, 60_000);
});
