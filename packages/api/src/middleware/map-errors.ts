import { TRPCError } from '@trpc/server';
import { MongoServerError } from 'mongodb';
import { isDomainError } from '../domain/errors.js';

const DUPLICATE_KEY = 11000;

/**
 * The one place domain and database errors become tRPC errors. A DomainError keeps its
 * code and message; a duplicate key that escaped a service is a CONFLICT; anything else
 * stays an INTERNAL_SERVER_ERROR whose detail is logged, never sent.
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
  if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) {
    return new TRPCError({
      code: 'CONFLICT',
      message: 'A record with the same unique value already exists',
      cause: error,
    });
  }
  return error;
}
