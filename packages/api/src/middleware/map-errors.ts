import { STATE_CHANGE_CODES } from '@invoice/db';
import { TRPCError } from '@trpc/server';
import { MongoNetworkError, MongoServerError, MongoServerSelectionError } from 'mongodb';
import { isDomainError } from '../domain/errors.js';
import { isDuplicateKey } from '../services/duplicate-key.js';

/** True when MongoDB could not be reached (or is changing primary), as opposed to a bad query. */
export function isDatabaseUnavailable(error: unknown): boolean {
  return (
    error instanceof MongoServerSelectionError ||
    error instanceof MongoNetworkError ||
    (error instanceof MongoServerError &&
      typeof error.code === 'number' &&
      STATE_CHANGE_CODES.has(error.code))
  );
}

/**
 * The one place domain and database errors become tRPC errors. A DomainError keeps its
 * code and message; a duplicate key that escaped a service is a CONFLICT; an unreachable
 * database is SERVICE_UNAVAILABLE (503, retryable, generic message); anything else stays an
 * INTERNAL_SERVER_ERROR whose detail is logged, never sent.
 */
export function toTRPCError(error: unknown): unknown {
  // tRPC wraps whatever a resolver throws in an INTERNAL_SERVER_ERROR whose cause is the original.
  if (error instanceof TRPCError && error.code === 'INTERNAL_SERVER_ERROR' && error.cause) {
    const mapped = toTRPCError(error.cause);
    return mapped === error.cause ? error : mapped;
  }
  if (error instanceof TRPCError) return error;
  if (isDomainError(error)) {
    return new TRPCError({ code: error.code, message: error.message, cause: error });
  }
  if (isDuplicateKey(error)) {
    return new TRPCError({
      code: 'CONFLICT',
      message: 'A record with the same unique value already exists',
      cause: error,
    });
  }
  if (isDatabaseUnavailable(error)) {
    return new TRPCError({
      code: 'SERVICE_UNAVAILABLE',
      message: 'The service is temporarily unavailable; retry shortly',
      cause: error,
    });
  }
  return error;
}
