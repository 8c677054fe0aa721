import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDevSession, writeDevSession, type DevSession } from './dev-session.js';

/**
 * `pnpm id-token` reads dev-session.json. It was cast, not checked: a truncated or edited file
 * became an emulator host of `undefined` or a URL built from whatever the file held. Now a file
 * that is not what `pnpm start` writes is refused with its path and the first problem.
 */
describe('readDevSession', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'invoice-dev-session-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const session: DevSession = {
    apiUrl: 'http://127.0.0.1:3000',
    authEmulatorHost: '127.0.0.1:9099',
    projectId: 'demo-invoices',
    mongoUri: 'mongodb://127.0.0.1:27017/',
    uploadDir: '/tmp/uploads',
    pid: process.pid,
  };

  it('reads back what writeDevSession wrote', async () => {
    await writeDevSession(dir, session);
    await expect(readDevSession(dir)).resolves.toEqual(session);
  });

  it('refuses a file that is not JSON, or not a session, naming the file and the problem', async () => {
    const cases: [string, RegExp][] = [
      ['{"apiUrl": "http://127.0.0.1:3000", "authEm', /\(not JSON\)/],
      ['[]', /\(the file: /],
      [
        JSON.stringify({ ...session, authEmulatorHost: 'evil.example/x?y=' }),
        /authEmulatorHost: Must be host:port/,
      ],
      [JSON.stringify({ ...session, authEmulatorHost: undefined }), /authEmulatorHost: /],
      [JSON.stringify({ ...session, apiUrl: 'javascript:alert(1)' }), /apiUrl: /],
      [
        JSON.stringify({ ...session, projectId: '../../x' }),
        /projectId: Must be a Firebase project id/,
      ],
      [JSON.stringify({ ...session, pid: '1' }), /pid: /],
      [JSON.stringify({ ...session, __proto__: { polluted: true }, extra: 1 }), /extra/],
      ['x'.repeat(100_000), /\(not JSON\)/],
    ];
    for (const [text, problem] of cases) {
      await writeFile(join(dir, 'dev-session.json'), text);
      const error = await readDevSession(dir).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error, text.slice(0, 60)).toBeInstanceOf(Error);
      const message = (error as Error).message;
      expect(message).toContain(join(dir, 'dev-session.json'));
      expect(message).toMatch(problem);
      expect(message).toMatch(/Start the server again with "pnpm start"\.$/);
    }
  });
});
