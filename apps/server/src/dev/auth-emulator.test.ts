import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startAuthEmulator } from './auth-emulator.js';

describe('startAuthEmulator', () => {
  let blocker: Server | undefined;
  const held: Socket[] = [];
  afterAll(async () => {
    for (const socket of held) socket.destroy();
    await new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve()));
  });

  // CI once failed with only "did not answer ... in time": the reason was in firebase-tools'
  // output, which nobody kept. The error now carries its last lines. With the port held by a
  // socket that accepts and never answers, the wait used to hang past its deadline (an
  // unbounded fetch): this test timed out before each probe got its own timeout.
  it("fails with firebase-tools' own reason when the emulator cannot start", async () => {
    // Accepts and never answers (the probes' connections are destroyed at the end).
    blocker = createServer((socket) => held.push(socket));
    const port = await new Promise<number>((resolve) =>
      blocker!.listen(0, '127.0.0.1', () => {
        const address = blocker!.address();
        resolve(typeof address === 'object' && address ? address.port : 0);
      }),
    );
    const failure = await startAuthEmulator({
      projectId: 'demo-port-taken',
      port,
      timeoutMs: 30_000,
    }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    const message = (failure as Error).message;
    expect(message).toMatch(/^Firebase Auth emulator (exited with code \d+|did not answer)/);
    expect(message).toContain('its last output:');
    // firebase-tools' own words: "Port N is not open on 127.0.0.1, could not start ...".
    expect(message).toContain(`Port ${port} is not open`);
  }, 60_000);
});
