import { type Binary, type Document } from 'bson';
import type { StorageEngine, TransactionHandle } from '../storage/contract.js';

export type TransactionState = 'none' | 'inProgress' | 'committed' | 'aborted';

/** Server-side state of one logical session (keyed by the hex of `lsid.id`). */
export interface ServerSession {
  readonly key: string;
  lastUsed: number;
  /** Highest txnNumber seen on this session; -1 before any. */
  txnNumber: bigint;
  txnState: TransactionState;
  txn: TransactionHandle | undefined;
  txnStartedAt: number;
  /**
   * Retryable writes: the reply (or the in-flight execution) for each txnNumber, so a
   * retry of the same (lsid, txnNumber) replays instead of writing twice.
   */
  readonly retryReplies: Map<bigint, Promise<Document>>;
  /** Settles when the command holding the session checks it back in; undefined when free. */
  checkedOut: Promise<void> | undefined;
}

/** MongoDB's defaults: logicalSessionTimeoutMinutes 30, transactionLifetimeLimitSeconds 60. */
export const SESSION_TIMEOUT_MS = 30 * 60 * 1000;
export const TRANSACTION_LIFETIME_MS = 60 * 1000;
/** Retryable-write replies kept per session; the driver only ever retries the latest. */
const MAX_RETRY_REPLIES = 16;

export class SessionManager {
  private readonly sessions = new Map<string, ServerSession>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly storage: StorageEngine,
    private readonly onSessionsEnded: (keys: Set<string>) => void,
    private readonly limits = {
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      transactionLifetimeMs: TRANSACTION_LIFETIME_MS,
    },
  ) {
    this.timer = setInterval(() => this.reap(), 5000);
    this.timer.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  static keyOf(lsid: unknown): string | undefined {
    if (lsid === null || typeof lsid !== 'object') return undefined;
    const id = (lsid as { id?: unknown }).id;
    if (id === undefined || id === null || typeof id !== 'object') return undefined;
    const binary = id as Binary;
    return typeof binary.toString === 'function' ? binary.toString('hex') : undefined;
  }

  acquire(key: string): ServerSession {
    let session = this.sessions.get(key);
    if (!session) {
      session = {
        key,
        lastUsed: Date.now(),
        txnNumber: -1n,
        txnState: 'none',
        txn: undefined,
        txnStartedAt: 0,
        retryReplies: new Map(),
        checkedOut: undefined,
      };
      this.sessions.set(key, session);
    }
    session.lastUsed = Date.now();
    return session;
  }

  rememberRetryReply(session: ServerSession, txnNumber: bigint, reply: Promise<Document>): void {
    session.retryReplies.set(txnNumber, reply);
    if (session.retryReplies.size > MAX_RETRY_REPLIES) {
      const oldest = session.retryReplies.keys().next().value;
      if (oldest !== undefined) session.retryReplies.delete(oldest);
    }
  }

  /** Aborts the session's open transaction, if any. */
  abortTransaction(session: ServerSession): void {
    if (session.txnState === 'inProgress' && session.txn) {
      this.storage.abortTransaction(session.txn);
    }
    if (session.txnState === 'inProgress') session.txnState = 'aborted';
    session.txn = undefined;
  }

  keys(): string[] {
    return [...this.sessions.keys()];
  }

  end(keys: Iterable<string>): void {
    const ended = new Set<string>();
    for (const key of keys) {
      const session = this.sessions.get(key);
      if (!session) continue;
      this.abortTransaction(session);
      this.sessions.delete(key);
      ended.add(key);
    }
    if (ended.size > 0) this.onSessionsEnded(ended);
  }

  reap(now = Date.now()): void {
    const expired: string[] = [];
    for (const session of this.sessions.values()) {
      if (
        session.txnState === 'inProgress' &&
        now - session.txnStartedAt > this.limits.transactionLifetimeMs
      ) {
        this.abortTransaction(session);
      }
      if (now - session.lastUsed > this.limits.sessionTimeoutMs) expired.push(session.key);
    }
    this.end(expired);
  }

  close(): void {
    clearInterval(this.timer);
    this.end([...this.sessions.keys()]);
  }
}

/**
 * Runs one command with its session checked out, as MongoDB does: a command on a session that
 * another connection's command holds waits until that one is done, so commands on one session
 * never interleave. Without it, a commitTransaction awaiting the journal on one connection could
 * finish by marking "committed" over the next transaction another connection had just started
 * on the same lsid, whose commit was then acknowledged though its writes never were committed.
 */
export async function withSessionCheckedOut<T>(
  session: ServerSession,
  run: () => Promise<T>,
): Promise<T> {
  while (session.checkedOut !== undefined) await session.checkedOut;
  let checkIn!: () => void;
  session.checkedOut = new Promise<void>((resolve) => (checkIn = resolve));
  try {
    return await run();
  } finally {
    session.checkedOut = undefined;
    checkIn();
  }
}
