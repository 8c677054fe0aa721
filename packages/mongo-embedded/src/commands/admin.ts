import os from 'node:os';
import { Long, UUID, type Document } from 'bson';
import { ErrorCode, MongoCommandError } from '../errors.js';
import { SessionManager } from '../sessions/session-manager.js';
import { MAX_BSON_OBJECT_SIZE } from '../wire/limits.js';
import { isDocument, optionalDocument } from './args.js';
import type { CommandContext } from './context.js';
import { MAX_WIRE_VERSION, SERVER_VERSION } from './handshake.js';

export function ping(): Document {
  return { ok: 1 };
}

export function buildInfo(): Document {
  const [major, minor, patch] = SERVER_VERSION.split('.').map(Number);
  return {
    version: SERVER_VERSION,
    gitVersion: 'mongo-embedded',
    modules: [],
    allocator: 'system',
    javascriptEngine: 'none',
    sysInfo: 'deprecated',
    versionArray: [major, minor, patch, 0],
    openssl: { running: 'disabled', compiled: 'disabled' },
    buildEnvironment: {
      distmod: 'mongo-embedded',
      target_arch: process.arch,
      target_os: process.platform,
    },
    bits: 64,
    debug: false,
    maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
    storageEngines: ['mongo-embedded'],
    ok: 1,
  };
}

export function hostInfo(): Document {
  return {
    system: {
      currentTime: new Date(),
      hostname: os.hostname(),
      cpuAddrSize: 64,
      memSizeMB: Long.fromNumber(Math.round(os.totalmem() / 1024 / 1024)),
      memLimitMB: Long.fromNumber(Math.round(os.totalmem() / 1024 / 1024)),
      numCores: os.cpus().length,
      cpuArch: process.arch,
      numaEnabled: false,
    },
    os: { type: os.type(), name: os.type(), version: os.release() },
    extra: { versionString: os.version(), kernelVersion: os.release() },
    ok: 1,
  };
}

/** Server parameters drivers and tools ask for; `*` returns them all. */
function serverParameters(): Document {
  return {
    featureCompatibilityVersion: { version: SERVER_VERSION.split('.').slice(0, 2).join('.') },
    transactionLifetimeLimitSeconds: 60,
    cursorTimeoutMillis: Long.fromNumber(600_000),
    logicalSessionRefreshMillis: 300_000,
    maxTransactionLockRequestTimeoutMillis: 5,
    authenticationMechanisms: [],
    quiet: false,
    logLevel: 0,
  };
}

export function getParameter(_ctx: CommandContext, command: Document): Document {
  const parameters = serverParameters();
  const requested: unknown = command.getParameter;
  if (requested === '*' || (isDocument(requested) && requested.allParameters === true)) {
    return { ...parameters, ok: 1 };
  }
  const reply: Document = {};
  for (const key of Object.keys(command)) {
    if (key === 'getParameter' || key.startsWith('$') || key === 'lsid' || key === 'comment')
      continue;
    if (key in parameters) reply[key] = parameters[key] as unknown;
  }
  if (Object.keys(reply).length === 0) {
    throw new MongoCommandError(ErrorCode.InvalidOptions, 'no option found to get');
  }
  return { ...reply, ok: 1 };
}

export function getCmdLineOpts(ctx: CommandContext): Document {
  const { server } = ctx;
  const parsed: Document = {
    net: { bindIp: server.bindHost, port: server.port() },
    replication: { replSet: server.setName },
  };
  if (server.dbPath !== undefined) parsed.storage = { dbPath: server.dbPath };
  return { argv: server.argv, parsed, ok: 1 };
}

export function whatsmyuri(ctx: CommandContext): Document {
  return { you: ctx.connection.remoteAddress, ok: 1 };
}

export function connectionStatus(_ctx: CommandContext, command: Document): Document {
  const reply: Document = {
    authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] },
    ok: 1,
  };
  if (command.showPrivileges === true)
    (reply.authInfo as Document).authenticatedUserPrivileges = [];
  return reply;
}

export function serverStatus(ctx: CommandContext): Document {
  const { server } = ctx;
  const uptimeMs = Date.now() - server.startedAt;
  const memory = process.memoryUsage();
  return {
    host: os.hostname(),
    version: SERVER_VERSION,
    process: 'mongo-embedded',
    pid: Long.fromNumber(process.pid),
    uptime: Math.floor(uptimeMs / 1000),
    uptimeMillis: Long.fromNumber(uptimeMs),
    uptimeEstimate: Long.fromNumber(Math.floor(uptimeMs / 1000)),
    localTime: new Date(),
    connections: {
      current: server.connections.current,
      available: 1_000_000 - server.connections.current,
      totalCreated: server.connections.totalCreated,
      active: server.connections.current,
    },
    opcounters: { ...server.opcounters },
    network: {
      ...server.network,
      physicalBytesIn: server.network.bytesIn,
      physicalBytesOut: server.network.bytesOut,
    },
    asserts: { regular: 0, warning: 0, msg: 0, user: 0, rollovers: 0 },
    mem: {
      bits: 64,
      resident: Math.round(memory.rss / 1024 / 1024),
      virtual: Math.round((memory.rss + memory.external) / 1024 / 1024),
      supported: true,
    },
    metrics: { cursor: { open: { total: Long.fromNumber(server.cursors.size) } } },
    logicalSessionRecordCache: { activeSessionsCount: server.sessions.size },
    repl: { setName: server.setName, isWritablePrimary: true, secondary: false },
    storageEngine: {
      name: 'mongo-embedded',
      supportsCommittedReads: true,
      persistent: server.dbPath !== undefined,
    },
    transactions: {},
    maxWireVersion: MAX_WIRE_VERSION,
    ok: 1,
  };
}

export function listDatabases(ctx: CommandContext, command: Document): Document {
  if (ctx.db !== 'admin') {
    throw new MongoCommandError(
      ErrorCode.Unauthorized,
      'listDatabases may only be run against the admin database.',
    );
  }
  const nameOnly = command.nameOnly === true;
  const filter = optionalDocument(command, 'filter');
  let databases = ctx.server.storage.listDatabases().map((db) => ({
    name: db.name,
    sizeOnDisk: db.sizeOnDisk,
    empty: db.empty,
  }));
  if (filter && typeof filter.name === 'string') {
    const name = filter.name;
    databases = databases.filter((db) => db.name === name);
  }
  if (nameOnly) return { databases: databases.map((db) => ({ name: db.name })), ok: 1 };
  const totalSize = databases.reduce((sum, db) => sum + db.sizeOnDisk, 0);
  return { databases, totalSize, totalSizeMb: Math.floor(totalSize / 1024 / 1024), ok: 1 };
}

export function dbStats(ctx: CommandContext, command: Document): Document {
  const scale = typeof command.scale === 'number' && command.scale > 0 ? command.scale : 1;
  const collections = ctx.server.storage.listCollections(ctx.db);
  let objects = 0;
  let dataSize = 0;
  let indexes = 0;
  let indexSize = 0;
  for (const info of collections) {
    const stats = ctx.server.storage.stats({ db: ctx.db, coll: info.name });
    objects += stats.count;
    dataSize += stats.size;
    indexes += stats.nindexes;
    indexSize += Object.values(stats.indexSizes).reduce((a, b) => a + b, 0);
  }
  return {
    db: ctx.db,
    collections: collections.length,
    views: 0,
    objects,
    avgObjSize: objects === 0 ? 0 : dataSize / objects,
    dataSize: dataSize / scale,
    storageSize: dataSize / scale,
    indexes,
    indexSize: indexSize / scale,
    totalSize: (dataSize + indexSize) / scale,
    scaleFactor: scale,
    fsUsedSize: 0,
    fsTotalSize: 0,
    ok: 1,
  };
}

export function collStats(ctx: CommandContext, command: Document): Document {
  const coll: unknown = command.collStats;
  if (typeof coll !== 'string')
    throw new MongoCommandError(ErrorCode.InvalidNamespace, 'collStats needs a collection name');
  const ns = { db: ctx.db, coll };
  if (!ctx.server.storage.getCollection(ns)) {
    throw new MongoCommandError(
      ErrorCode.NamespaceNotFound,
      `Collection [${ctx.db}.${coll}] not found.`,
    );
  }
  const scale = typeof command.scale === 'number' && command.scale > 0 ? command.scale : 1;
  const stats = ctx.server.storage.stats(ns);
  const totalIndexSize = Object.values(stats.indexSizes).reduce((a, b) => a + b, 0);
  const indexSizes: Document = {};
  for (const [name, size] of Object.entries(stats.indexSizes)) indexSizes[name] = size / scale;
  return {
    ns: `${ctx.db}.${coll}`,
    size: stats.size / scale,
    count: stats.count,
    avgObjSize: stats.avgObjSize,
    storageSize: stats.size / scale,
    nindexes: stats.nindexes,
    totalIndexSize: totalIndexSize / scale,
    totalSize: (stats.size + totalIndexSize) / scale,
    indexSizes,
    scaleFactor: scale,
    capped: false,
    ok: 1,
  };
}

function sessionKeys(command: Document, field: string): string[] {
  const value: unknown = command[field];
  if (!Array.isArray(value)) return [];
  const keys: string[] = [];
  for (const lsid of value) {
    const key = SessionManager.keyOf(lsid);
    if (key !== undefined) keys.push(key);
  }
  return keys;
}

export function endSessions(ctx: CommandContext, command: Document): Document {
  ctx.server.sessions.end(sessionKeys(command, 'endSessions'));
  return { ok: 1 };
}

export function killSessions(ctx: CommandContext, command: Document): Document {
  const keys = sessionKeys(command, 'killSessions');
  // An empty list kills every session (there is no authentication to scope it to a user).
  ctx.server.sessions.end(keys.length > 0 ? keys : ctx.server.sessions.keys());
  return { ok: 1 };
}

export function refreshSessions(ctx: CommandContext, command: Document): Document {
  for (const key of sessionKeys(command, 'refreshSessions')) ctx.server.sessions.acquire(key);
  return { ok: 1 };
}

export function startSession(ctx: CommandContext): Document {
  const id = new UUID();
  ctx.server.sessions.acquire(id.toHexString(false));
  return { id: { id }, timeoutMinutes: 30, ok: 1 };
}

export function getLog(_ctx: CommandContext, command: Document): Document {
  if (command.getLog === '*') return { names: ['global', 'startupWarnings'], ok: 1 };
  return { totalLinesWritten: 0, log: [], ok: 1 };
}

export function replSetGetStatus(ctx: CommandContext): Document {
  const now = ctx.server.clock.now();
  return {
    set: ctx.server.setName,
    date: new Date(),
    myState: 1,
    term: Long.ONE,
    members: [
      {
        _id: 0,
        name: `${ctx.server.advertisedHost ?? ctx.connection.localAddress}:${ctx.connection.localPort}`,
        health: 1,
        state: 1,
        stateStr: 'PRIMARY',
        uptime: Math.floor((Date.now() - ctx.server.startedAt) / 1000),
        optime: { ts: now, t: Long.ONE },
        self: true,
      },
    ],
    ok: 1,
  };
}

export function features(): Document {
  return { oidMachine: 0, ok: 1 };
}
