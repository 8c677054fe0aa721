import type { Document, ObjectId } from 'bson';
import type { CursorManager } from '../cursors/cursor-manager.js';
import type { ClusterClock } from '../sessions/cluster-clock.js';
import type { ServerSession, SessionManager } from '../sessions/session-manager.js';
import type { StorageEngine, TransactionHandle } from '../storage/contract.js';
import type { Logger } from './logger.js';

export interface OpCounters {
  insert: number;
  query: number;
  update: number;
  delete: number;
  getmore: number;
  command: number;
}

/** Everything a command may need that outlives one connection. */
export interface ServerContext {
  readonly storage: StorageEngine;
  readonly cursors: CursorManager;
  readonly sessions: SessionManager;
  readonly clock: ClusterClock;
  readonly log: Logger;
  readonly startedAt: number;
  readonly processId: ObjectId;
  readonly electionId: ObjectId;
  readonly setName: string;
  readonly port: () => number;
  readonly bindHost: string;
  /** Host name advertised in `hello.hosts`, when configured; else the address the client reached. */
  readonly advertisedHost: string | undefined;
  readonly dbPath: string | undefined;
  readonly argv: string[];
  readonly connections: { current: number; totalCreated: number };
  readonly opcounters: OpCounters;
  /** serverStatus.network: bytes read and written by every connection, and messages handled. */
  readonly network: { bytesIn: number; bytesOut: number; numRequests: number };
  /** Resolves when the server stops; awaitable hellos wait on it. */
  readonly stopping: Promise<void>;
}

export interface ConnectionInfo {
  readonly id: number;
  readonly remoteAddress: string;
  readonly localAddress: string;
  readonly localPort: number;
  /** Aborted when this connection closes or the server stops (an awaitable hello's wait ends). */
  readonly closing: AbortSignal;
  clientMetadata: Document | undefined;
}

/** What one command runs with. */
export interface CommandContext {
  readonly server: ServerContext;
  readonly connection: ConnectionInfo;
  readonly db: string;
  readonly session: ServerSession | undefined;
  /** Set when the command runs inside a multi-document transaction. */
  readonly txn: TransactionHandle | undefined;
}

export type CommandHandler = (
  ctx: CommandContext,
  command: Document,
) => Promise<Document> | Document;
