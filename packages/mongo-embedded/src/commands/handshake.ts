import { Long, type Document } from 'bson';
import {
  MAX_BSON_OBJECT_SIZE,
  MAX_MESSAGE_SIZE_BYTES,
  MAX_WRITE_BATCH_SIZE,
} from '../wire/limits.js';
import { isDocument, optionalInteger } from './args.js';
import type { CommandContext } from './context.js';

/** MongoDB 7.0. */
export const MAX_WIRE_VERSION = 21;
export const SERVER_VERSION = '7.0.14';

/**
 * `hello` / `isMaster`: a single-node replica set whose only member is primary, so
 * drivers enable sessions, retryable writes and transactions with default options.
 * An awaitable hello (topologyVersion + maxAwaitTimeMS, sent by streaming monitors)
 * waits until the timeout, since our topology never changes.
 */
export async function hello(
  ctx: CommandContext,
  command: Document,
  legacy: boolean,
): Promise<Document> {
  const { server, connection } = ctx;
  if (isDocument(command.client) && connection.clientMetadata === undefined) {
    connection.clientMetadata = command.client;
  }
  const maxAwaitTimeMS = optionalInteger(command, 'maxAwaitTimeMS');
  const topologyVersion: unknown = command.topologyVersion;
  if (
    maxAwaitTimeMS !== undefined &&
    isDocument(topologyVersion) &&
    String(topologyVersion.processId) === server.processId.toHexString()
  ) {
    await waitFor(maxAwaitTimeMS, connection.closing);
  }
  const host = advertisedHost(ctx);
  const now = server.clock.now();
  const nowDate = new Date();
  const reply: Document = {};
  if (command.helloOk === true) reply.helloOk = true;
  if (legacy) reply.ismaster = true;
  else reply.isWritablePrimary = true;
  Object.assign(reply, {
    topologyVersion: { processId: server.processId, counter: Long.ZERO },
    hosts: [host],
    setName: server.setName,
    setVersion: 1,
    secondary: false,
    primary: host,
    me: host,
    electionId: server.electionId,
    lastWrite: {
      opTime: { ts: now, t: Long.ONE },
      lastWriteDate: nowDate,
      majorityOpTime: { ts: now, t: Long.ONE },
      majorityWriteDate: nowDate,
    },
    maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
    maxMessageSizeBytes: MAX_MESSAGE_SIZE_BYTES,
    maxWriteBatchSize: MAX_WRITE_BATCH_SIZE,
    localTime: nowDate,
    logicalSessionTimeoutMinutes: 30,
    connectionId: connection.id,
    minWireVersion: 0,
    maxWireVersion: MAX_WIRE_VERSION,
    readOnly: false,
    ok: 1,
  });
  return reply;
}

/**
 * The member's name as clients should address it: the configured host, else the
 * address this client reached us on (so `hosts` always contains a name that works
 * for the client that asked, whether it dialled 127.0.0.1 or ::1).
 */
function advertisedHost(ctx: CommandContext): string {
  const { server, connection } = ctx;
  let host = server.advertisedHost ?? connection.localAddress;
  if (host.startsWith('::ffff:')) host = host.slice(7);
  if (host.includes(':')) host = `[${host}]`;
  return `${host}:${connection.localPort}`;
}

/**
 * Waits `ms`, or less if `cancel` aborts. The abort listener goes away with the timer: a
 * monitoring connection waits every ~10 s for days, and nothing may pile up per wait.
 */
function waitFor(ms: number, cancel: AbortSignal): Promise<void> {
  if (cancel.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      cancel.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    cancel.addEventListener('abort', done, { once: true });
  });
}
