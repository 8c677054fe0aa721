import net from 'node:net';
import { ObjectId } from 'bson';
import type { ServerContext } from './commands/context.js';
import { type Logger, silentLogger } from './commands/logger.js';
import { CursorManager } from './cursors/cursor-manager.js';
import { ClusterClock } from './sessions/cluster-clock.js';
import { SessionManager } from './sessions/session-manager.js';
import type { StorageEngine } from './storage/contract.js';
import { Connection } from './wire/connection.js';
import { createFileDurability } from './durability/index.js';
import { createStorageEngine } from './storage/index.js';

export type { Logger } from './commands/logger.js';

export interface MongoServerOptions {
  storage: StorageEngine;
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Required to bind anything but a loopback address: the server has no authentication. */
  allowRemote?: boolean;
  /** Replica set name shown in hello (default rs0). */
  replSetName?: string;
  /** Host name for `hello.hosts`; default: the address each client connected to. */
  advertisedHost?: string;
  dbPath?: string;
  log?: Logger;
  argv?: string[];
}

export interface MongoServer {
  readonly uri: string;
  readonly port: number;
  readonly host: string;
  /** Stops accepting, closes every connection and the storage (checkpoint in dbPath mode). */
  stop(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
}

/** Starts the wire-protocol server on an already opened storage engine. */
export async function startMongoServer(options: MongoServerOptions): Promise<MongoServer> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host) && options.allowRemote !== true) {
    throw new Error(
      `refusing to bind ${host}: mongo-embedded has no authentication; pass allowRemote: true to listen beyond loopback`,
    );
  }
  const log = options.log ?? silentLogger;
  let resolveStopping!: () => void;
  const stopping = new Promise<void>((resolve) => {
    resolveStopping = resolve;
  });
  const cursors = new CursorManager();
  const sessions = new SessionManager(options.storage, (keys) => cursors.killForSessions(keys));
  const netServer = net.createServer();
  let boundPort = 0;
  const context: ServerContext = {
    storage: options.storage,
    cursors,
    sessions,
    clock: new ClusterClock(),
    log,
    startedAt: Date.now(),
    processId: new ObjectId(),
    electionId: new ObjectId('7fffffff0000000000000001'),
    setName: options.replSetName ?? 'rs0',
    port: () => boundPort,
    bindHost: host,
    advertisedHost: options.advertisedHost,
    dbPath: options.dbPath,
    argv: options.argv ?? [],
    connections: { current: 0, totalCreated: 0 },
    opcounters: { insert: 0, query: 0, update: 0, delete: 0, getmore: 0, command: 0 },
    network: { bytesIn: 0, bytesOut: 0, numRequests: 0 },
    stopping,
  };
  const connections = new Set<Connection>();
  let nextConnectionId = 1;
  netServer.on('connection', (socket) => {
    const connection = new Connection(socket, context, nextConnectionId++);
    connections.add(connection);
    context.connections.current++;
    context.connections.totalCreated++;
    socket.on('close', () => {
      connections.delete(connection);
      context.connections.current--;
    });
  });
  netServer.on('error', (error) => log.error({ err: error }, 'server error'));

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    netServer.once('error', onError);
    netServer.listen(options.port ?? 0, host, () => {
      netServer.off('error', onError);
      resolve();
    });
  });
  const address = netServer.address();
  boundPort = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const uriHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const uri = `mongodb://${uriHost}:${boundPort}/`;
  log.info({ uri }, 'mongo-embedded listening');

  let stopped: Promise<void> | undefined;
  return {
    uri,
    port: boundPort,
    host,
    stop() {
      stopped ??= (async () => {
        resolveStopping();
        const closing = new Promise<void>((resolve) => netServer.close(() => resolve()));
        for (const connection of connections) connection.destroy();
        await closing;
        sessions.close();
        cursors.close();
        await options.storage.close();
        log.info({}, 'mongo-embedded stopped');
      })();
      return stopped;
    },
  };
}

export interface EmbeddedMongoOptions {
  /** Data directory: journal + checkpoints. Without it the data lives in memory only. */
  dbPath?: string;
  port?: number;
  host?: string;
  allowRemote?: boolean;
  replSetName?: string;
  advertisedHost?: string;
  log?: Logger;
  argv?: string[];
}

export interface EmbeddedMongo {
  readonly uri: string;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Opens the storage (recovering `dbPath` when given) and starts the server. The
 * returned `uri` works with default driver options (sessions, retryable writes,
 * transactions).
 */
export async function startEmbeddedMongo(
  options: EmbeddedMongoOptions = {},
): Promise<EmbeddedMongo> {
  const log = options.log ?? silentLogger;
  const durability =
    options.dbPath === undefined
      ? undefined
      : await createFileDurability({ dbPath: options.dbPath, logger: log });
  let storage: StorageEngine;
  try {
    storage = await createStorageEngine(durability ? { durability } : {});
  } catch (error) {
    await durability?.close();
    throw error;
  }
  const serverOptions: MongoServerOptions = { storage, log };
  if (options.port !== undefined) serverOptions.port = options.port;
  if (options.host !== undefined) serverOptions.host = options.host;
  if (options.allowRemote !== undefined) serverOptions.allowRemote = options.allowRemote;
  if (options.replSetName !== undefined) serverOptions.replSetName = options.replSetName;
  if (options.advertisedHost !== undefined) serverOptions.advertisedHost = options.advertisedHost;
  if (options.dbPath !== undefined) serverOptions.dbPath = options.dbPath;
  if (options.argv !== undefined) serverOptions.argv = options.argv;
  try {
    const server = await startMongoServer(serverOptions);
    return { uri: server.uri, port: server.port, stop: () => server.stop() };
  } catch (error) {
    await storage.close();
    throw error;
  }
}
