import { BSONError, type Document } from 'bson';
import { ErrorCode, MongoCommandError } from '../errors.js';
import { translateMingoError } from '../query/mingo-errors.js';
import {
  SessionManager,
  withSessionCheckedOut,
  type ServerSession,
} from '../sessions/session-manager.js';
import type { TransactionHandle } from '../storage/contract.js';
import { toBigInt, validateDatabaseName } from './args.js';
import type { CommandHandler, ConnectionInfo, ServerContext } from './context.js';
import { commandHandlers } from './registry.js';

/** Commands that may carry a txnNumber without autocommit:false (retryable writes). */
const RETRYABLE_WRITES = new Set(['insert', 'update', 'delete', 'findAndModify', 'findandmodify']);
/** Commands allowed inside a multi-document transaction (MongoDB 7.0). */
const TRANSACTION_COMMANDS = new Set([
  'find',
  'getMore',
  'killCursors',
  'insert',
  'update',
  'delete',
  'findAndModify',
  'findandmodify',
  'aggregate',
  'distinct',
  'create',
  'createIndexes',
  'commitTransaction',
  'abortTransaction',
  'bulkWrite',
  'hello',
  'isMaster',
  'ismaster',
  'ping',
  'buildInfo',
  'buildinfo',
]);
const OWN_OPCOUNTER = new Set(['find', 'getMore', 'insert', 'update', 'delete']);
const NO_SESSION_COMMANDS = new Set(['hello', 'isMaster', 'ismaster']);

/**
 * Runs one command document and returns the reply document (never throws: failures
 * become `{ ok: 0, ... }` in MongoDB's shape). Handles sessions, retryable-write
 * replay and the transaction state machine around the command's own handler.
 */
export async function runCommand(
  server: ServerContext,
  connection: ConnectionInfo,
  command: Document,
): Promise<Document> {
  let reply: Document;
  try {
    reply = await dispatch(server, connection, command);
  } catch (error) {
    reply = errorReply(server, error);
  }
  reply.$clusterTime = server.clock.clusterTimeDocument();
  reply.operationTime = server.clock.now();
  return reply;
}

export function errorReply(server: ServerContext, error: unknown): Document {
  if (error instanceof MongoCommandError) return error.toReply();
  if (error instanceof BSONError) {
    return new MongoCommandError(ErrorCode.BadValue, error.message).toReply();
  }
  if (error instanceof Error) {
    // mingo reports bad operators and expressions as plain Errors: those are the client's fault.
    server.log.debug({ err: error }, 'command failed');
    return translateMingoError(error).toReply();
  }
  return new MongoCommandError(ErrorCode.InternalError, String(error)).toReply();
}

async function dispatch(
  server: ServerContext,
  connection: ConnectionInfo,
  command: Document,
): Promise<Document> {
  const name = firstKey(command);
  if (name === undefined) {
    throw new MongoCommandError(ErrorCode.FailedToParse, 'Empty command document');
  }
  const handler: CommandHandler | undefined = commandHandlers.get(name);
  if (!handler) {
    throw new MongoCommandError(ErrorCode.CommandNotFound, `no such command: '${name}'`);
  }
  const db: unknown = command.$db;
  if (typeof db !== 'string') {
    throw new MongoCommandError(40571, 'OP_MSG requests require a $db argument');
  }
  validateDatabaseName(db);
  // serverStatus counts CRUD under their own opcounters and everything else as `command`.
  if (!OWN_OPCOUNTER.has(name)) server.opcounters.command++;

  const sessionKey = NO_SESSION_COMMANDS.has(name) ? undefined : SessionManager.keyOf(command.lsid);
  if (sessionKey === undefined) {
    if (command.txnNumber !== undefined) {
      throw new MongoCommandError(
        ErrorCode.IllegalOperation,
        'Transaction numbers are only allowed on commands with a session id',
      );
    }
    return handler({ server, connection, db, session: undefined, txn: undefined }, command);
  }
  const session = server.sessions.acquire(sessionKey);
  return withSessionCheckedOut(session, () =>
    runInSession(server, connection, db, session, name, handler, command),
  );
}

async function runInSession(
  server: ServerContext,
  connection: ConnectionInfo,
  db: string,
  session: ServerSession,
  name: string,
  handler: CommandHandler,
  command: Document,
): Promise<Document> {
  const txnNumber = command.txnNumber === undefined ? undefined : toBigInt(command.txnNumber);
  if (command.txnNumber !== undefined && txnNumber === undefined) {
    throw new MongoCommandError(ErrorCode.TypeMismatch, 'txnNumber must be a 64-bit integer');
  }
  if (txnNumber === undefined) {
    if (command.autocommit !== undefined || command.startTransaction !== undefined) {
      throw new MongoCommandError(
        ErrorCode.InvalidOptions,
        "'autocommit' and 'startTransaction' require a txnNumber",
      );
    }
    return handler({ server, connection, db, session, txn: undefined }, command);
  }
  if (command.autocommit === false) {
    return runInTransaction(server, connection, db, session, txnNumber, name, handler, command);
  }
  if (command.autocommit !== undefined) {
    throw new MongoCommandError(ErrorCode.InvalidOptions, "'autocommit' may only be false");
  }
  return runRetryableWrite(server, connection, db, session, txnNumber, name, handler, command);
}

async function runRetryableWrite(
  server: ServerContext,
  connection: ConnectionInfo,
  db: string,
  session: ServerSession,
  txnNumber: bigint,
  name: string,
  handler: CommandHandler,
  command: Document,
): Promise<Document> {
  if (!RETRYABLE_WRITES.has(name)) {
    return handler({ server, connection, db, session, txn: undefined }, command);
  }
  if (txnNumber < session.txnNumber) {
    throw transactionTooOld(txnNumber, session.txnNumber);
  }
  const previous = session.retryReplies.get(txnNumber);
  if (previous) {
    // A retry of a write we already executed (or are executing): replay its reply.
    const reply = await previous;
    return { ...reply };
  }
  if (txnNumber > session.txnNumber) {
    server.sessions.abortTransaction(session);
    session.txnNumber = txnNumber;
    session.txnState = 'none';
  }
  const execution = Promise.resolve(
    handler({ server, connection, db, session, txn: undefined }, command),
  );
  const remembered = execution.then(
    (reply) => reply,
    (error: unknown) => {
      // A failed command wrote nothing: let a retry execute it again.
      session.retryReplies.delete(txnNumber);
      throw error;
    },
  );
  remembered.catch(() => undefined);
  server.sessions.rememberRetryReply(session, txnNumber, remembered);
  const reply = await execution;
  if (reply.ok !== 1 && reply.ok !== true) session.retryReplies.delete(txnNumber);
  return { ...reply };
}

async function runInTransaction(
  server: ServerContext,
  connection: ConnectionInfo,
  db: string,
  session: ServerSession,
  txnNumber: bigint,
  name: string,
  handler: CommandHandler,
  command: Document,
): Promise<Document> {
  if (!TRANSACTION_COMMANDS.has(name)) {
    throw new MongoCommandError(
      ErrorCode.OperationNotSupportedInTransaction,
      `Cannot run '${name}' in a multi-document transaction.`,
    );
  }
  if (txnNumber < session.txnNumber) throw transactionTooOld(txnNumber, session.txnNumber);

  if (command.startTransaction === true) {
    if (txnNumber === session.txnNumber && session.txnState !== 'none') {
      throw new MongoCommandError(
        ErrorCode.ConflictingOperationInProgress,
        `Cannot start transaction ${txnNumber} on session because a newer transaction has already started or this one was already used`,
      );
    }
    if (name === 'commitTransaction' || name === 'abortTransaction') {
      throw new MongoCommandError(
        ErrorCode.NoSuchTransaction,
        `Transaction ${txnNumber} has not been started`,
        {
          labels: ['TransientTransactionError'],
        },
      );
    }
    server.sessions.abortTransaction(session);
    session.txnNumber = txnNumber;
    session.txn = server.storage.beginTransaction(`${session.key}:${txnNumber}`);
    session.txnState = 'inProgress';
    session.txnStartedAt = Date.now();
  } else if (command.startTransaction !== undefined) {
    throw new MongoCommandError(ErrorCode.InvalidOptions, 'startTransaction may only be true');
  } else if (txnNumber > session.txnNumber || session.txnState === 'none') {
    throw noSuchTransaction(txnNumber, 'has not been started');
  }

  switch (session.txnState) {
    case 'aborted':
      throw noSuchTransaction(txnNumber, 'has been aborted');
    case 'committed':
      if (name === 'commitTransaction') return { ok: 1 };
      throw new MongoCommandError(
        ErrorCode.TransactionCommitted,
        `Transaction with { txnNumber: ${txnNumber} } has been committed.`,
      );
    case 'inProgress':
      break;
  }
  const txn = session.txn as TransactionHandle;
  if (name === 'commitTransaction') {
    try {
      await server.storage.commitTransaction(txn);
    } catch (error) {
      session.txnState = 'aborted';
      session.txn = undefined;
      throw error;
    }
    session.txnState = 'committed';
    session.txn = undefined;
    server.clock.tick();
    return { ok: 1 };
  }
  if (name === 'abortTransaction') {
    server.sessions.abortTransaction(session);
    return { ok: 1 };
  }
  let reply: Document;
  try {
    reply = await handler({ server, connection, db, session, txn }, command);
  } catch (error) {
    // Any failed statement aborts the whole transaction, as in MongoDB.
    server.sessions.abortTransaction(session);
    if (
      error instanceof MongoCommandError &&
      error.code === ErrorCode.WriteConflict &&
      !error.errorLabels.includes('TransientTransactionError')
    ) {
      error.errorLabels.push('TransientTransactionError');
    }
    throw error;
  }
  if (Array.isArray(reply.writeErrors) && reply.writeErrors.length > 0) {
    server.sessions.abortTransaction(session);
  }
  return reply;
}

function noSuchTransaction(txnNumber: bigint, what: string): MongoCommandError {
  return new MongoCommandError(
    ErrorCode.NoSuchTransaction,
    `Transaction with { txnNumber: ${txnNumber} } ${what}.`,
    {
      labels: ['TransientTransactionError'],
    },
  );
}

function transactionTooOld(txnNumber: bigint, current: bigint): MongoCommandError {
  return new MongoCommandError(
    ErrorCode.TransactionTooOld,
    `Cannot start transaction ${txnNumber} on session because a newer transaction ${current} has already started`,
  );
}

function firstKey(command: Document): string | undefined {
  for (const key in command) return key;
  return undefined;
}
