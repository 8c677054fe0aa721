import { createServer } from 'node:net';
import { TRPCError } from '@trpc/server';
import { createDb } from '@invoice/db';
import { MongoClient, MongoNetworkError, MongoServerError } from 'mongodb';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createCaller, createContextInner } from '../index.js';
import { isDatabaseUnavailable, toTRPCError } from './map-errors.js';

/** A loopback port nothing listens on (bound, then released). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The error the official driver really throws when no server answers. */
async function serverSelectionError(): Promise<unknown> {
  const client = new MongoClient(`mongodb://127.0.0.1:${await deadPort()}/`, {
    serverSelectionTimeoutMS: 200,
  });
  try {
    await client.db('x').command({ ping: 1 });
    throw new Error('ping unexpectedly succeeded');
  } catch (error) {
    return error;
  } finally {
    await client.close();
  }
}

describe('toTRPCError: database unavailable', () => {
  it('maps a real server-selection timeout to SERVICE_UNAVAILABLE with a generic message', async () => {
    const cause = await serverSelectionError();
    const mapped = toTRPCError(cause);
    expect(mapped).toBeInstanceOf(TRPCError);
    expect((mapped as TRPCError).code).toBe('SERVICE_UNAVAILABLE');
    expect((mapped as TRPCError).message).not.toMatch(/127\.0\.0\.1|selection|ECONNREFUSED/i);
    expect((mapped as TRPCError).cause).toBe(cause);
  });

  it('unwraps tRPC’s INTERNAL_SERVER_ERROR wrapper around a driver error', async () => {
    const wrapped = new TRPCError({
      code: 'INTERNAL_SERVER_ERROR',
      cause: await serverSelectionError(),
    });
    expect((toTRPCError(wrapped) as TRPCError).code).toBe('SERVICE_UNAVAILABLE');
  });

  it.each([
    ['a network error', new MongoNetworkError('connection 3 to 127.0.0.1:27017 closed')],
    ['ShutdownInProgress', new MongoServerError({ code: 91, errmsg: 'shutting down' })],
    ['NotWritablePrimary', new MongoServerError({ code: 10107, errmsg: 'not primary' })],
    ['PrimarySteppedDown', new MongoServerError({ code: 189, errmsg: 'stepped down' })],
  ])('maps %s to SERVICE_UNAVAILABLE', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect((toTRPCError(error) as TRPCError).code).toBe('SERVICE_UNAVAILABLE');
  });

  it.each([
    ['a bad query', new MongoServerError({ code: 2, errmsg: 'BadValue' })],
    ['a write conflict', new MongoServerError({ code: 112, errmsg: 'WriteConflict' })],
    ['a plain bug', new TypeError('x is undefined')],
    ['a non-error', 'text'],
  ])('leaves %s alone (INTERNAL_SERVER_ERROR downstream)', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
    expect(toTRPCError(error)).toBe(error);
  });

  it('a procedure called while MongoDB is unreachable fails with SERVICE_UNAVAILABLE', async () => {
    const db = createDb({
      uri: `mongodb://127.0.0.1:${await deadPort()}/`,
      dbName: 'unreachable',
      serverSelectionTimeoutMS: 200,
    });
    try {
      const caller = createCaller(
        createContextInner({
          db,
          log: pino({ level: 'silent' }),
          user: { uid: 'u1', email: 'u1@example.test', emailVerified: true },
        }),
      );
      const error = await caller.organization.list().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TRPCError);
      expect((error as TRPCError).code).toBe('SERVICE_UNAVAILABLE');
    } finally {
      await db.close();
    }
  });
});
