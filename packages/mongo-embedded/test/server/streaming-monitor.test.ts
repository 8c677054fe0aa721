import { MongoClient, type ServerHeartbeatSucceededEvent } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../src/index.js';

// Regression: the driver's streaming monitor sends an awaitable hello with exhaustAllowed and
// requires every reply on that stream to carry moreToCome. Without it, the first streamed
// heartbeat (heartbeatFrequencyMS after connecting) failed with "Server ended moreToCome
// unexpectedly" and the driver cleared the pool, failing in-flight operations.
describe('streaming SDAM monitoring', () => {
  let server: EmbeddedMongo;
  beforeAll(async () => {
    server = await startEmbeddedMongo();
  });
  afterAll(() => server.stop());

  it('keeps heartbeats succeeding over an awaitable, exhausted hello stream', async () => {
    const client = new MongoClient(server.uri, {
      heartbeatFrequencyMS: 500,
      serverMonitoringMode: 'stream',
    });
    const failures: string[] = [];
    const awaited: boolean[] = [];
    client.on('serverHeartbeatFailed', (event) => failures.push(event.failure.message));
    client.on('serverHeartbeatSucceeded', (event: ServerHeartbeatSucceededEvent) =>
      awaited.push(event.awaited),
    );
    let cleared = 0;
    client.on('connectionPoolCleared', () => cleared++);
    await client.connect();
    try {
      // Keep working across several heartbeat periods.
      for (let i = 0; i < 8; i++) {
        await client.db('monitor').command({ ping: 1 });
        await new Promise((resolve) => setTimeout(resolve, 400));
      }
      expect(failures).toEqual([]);
      expect(cleared).toBe(0);
      expect(awaited).toContain(true);
    } finally {
      await client.close();
    }
  });
});
