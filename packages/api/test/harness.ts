import { TRPCError } from '@trpc/server';
import { createDb, reconcileIndexes, type Database } from '@invoice/db';
import { testDatabaseName } from '@invoice/vitest-config/database-name';
import { ObjectId, type CommandStartedEvent } from 'mongodb';
import pino from 'pino';
import { inject } from 'vitest';
import { createCaller, createContextInner, type AuthUser, type Clock } from '../src/index.js';

/**
 * Test harness for the router: a real database per suite (embedded MongoDB-compatible
 * server, or MONGODB_URI), real indexes, and in-process callers per user.
 */
export interface Harness {
  db: Database;
  clock: MutableClock;
  caller(user: AuthUser | null): ReturnType<typeof createCaller>;
  close(): Promise<void>;
}

export interface MutableClock extends Clock {
  set(instant: Date | string): void;
}

export function mutableClock(start: Date | string = '2026-03-15T10:00:00Z'): MutableClock {
  let current = new Date(start);
  return { now: () => new Date(current), set: (instant) => void (current = new Date(instant)) };
}

const silent = pino({ level: 'silent' });

/**
 * `shareWith` opens a second client on an existing harness's database (same clock), like a
 * second server process; closing it leaves the database to its owner.
 */
export async function createHarness(suite: string, shareWith?: Harness): Promise<Harness> {
  const dbName = shareWith ? shareWith.db.db.databaseName : testDatabaseName(suite);
  const db = createDb({ uri: inject('mongoUri'), dbName });
  await reconcileIndexes(db.db);
  const clock = shareWith?.clock ?? mutableClock();
  return {
    db,
    clock,
    caller: (user) =>
      createCaller(createContextInner({ db, log: silent, user, clock, requestId: 'test' })),
    close: async () => {
      if (!shareWith) await db.db.dropDatabase();
      await db.close();
    },
  };
}

let userCounter = 0;

/** A distinct signed-in user with a verified email unless told otherwise. */
export function makeUser(name = 'user', overrides: Partial<AuthUser> = {}): AuthUser {
  userCounter += 1;
  const uid = `${name}${userCounter}${new ObjectId().toHexString().slice(-6)}`;
  return { uid, email: `${uid}@example.test`, emailVerified: true, ...overrides };
}

/** The tRPC error code a call ends with, or 'OK'; anything that is not a TRPCError rethrows. */
export async function errorCodeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'OK';
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
}

/** A second client on a harness's database that records every command it sends. */
export interface MonitoredClient {
  /** Callers through the monitored client, on the harness's clock. */
  caller(user: AuthUser): ReturnType<typeof createCaller>;
  /** Commands sent since the last `reset()`, in order. */
  commands: CommandStartedEvent[];
  /** `commandName:target` of each command sent since the last `reset()`, e.g. `find:invoices`. */
  sent(): string[];
  reset(): void;
  close(): Promise<void>;
}

export function monitoredClient(h: Harness): MonitoredClient {
  const db = createDb({
    uri: inject('mongoUri'),
    dbName: h.db.db.databaseName,
    monitorCommands: true,
  });
  const commands: CommandStartedEvent[] = [];
  db.client.on('commandStarted', (event) => commands.push(event));
  return {
    caller: (user) =>
      createCaller(
        createContextInner({ db, log: silent, user, clock: h.clock, requestId: 'test' }),
      ),
    commands,
    sent: () => commands.map((c) => `${c.commandName}:${String(c.command[c.commandName])}`),
    reset: () => void (commands.length = 0),
    close: () => db.close(),
  };
}
