import { isDatabaseUnavailable, isDomainError } from '@invoice/api';
import { MongoError } from 'mongodb';
import type { UploadFailureReason } from '../plugins/metrics.js';
import { HttpError, type ErrorCode } from './http-error.js';

const BUSBOY_MALFORMED =
  /^(Multipart: |Unexpected end of (form|file|multipart data)|Malformed part header|Missing Content-Type|Unsupported content type|Boundary required|The needle cannot)/;

/** Maps what can go wrong while receiving a file to an answer; anything else is a real 500. */
export function uploadError(error: unknown): unknown {
  if (error instanceof HttpError) return error;
  // runIdempotent: the Idempotency-Key was used before for another upload.
  if (isDomainError(error) && error.code === 'CONFLICT') {
    return new HttpError('CONFLICT', error.message);
  }
  const e = error as { code?: string; statusCode?: number; message?: string };
  if (e.code === 'ENOSPC')
    return new HttpError('INSUFFICIENT_STORAGE', 'The upload volume is full');
  // The database cannot be reached (the message stays generic: no host names leave the server).
  if (isDatabaseUnavailable(error)) {
    return new HttpError('SERVICE_UNAVAILABLE', 'The service is temporarily unavailable');
  }
  // Checked before the 413 below: @fastify/multipart gives its part-count limits status 413.
  if (
    e.code === 'FST_INVALID_MULTIPART_CONTENT_TYPE' ||
    e.code === 'FST_FILES_LIMIT' ||
    e.code === 'FST_PARTS_LIMIT' ||
    e.code === 'FST_FIELDS_LIMIT'
  ) {
    return new HttpError('BAD_REQUEST', 'Send multipart/form-data with exactly one file');
  }
  // busboy reports a malformed body with plain Errors; they are the client's mistake.
  if (error instanceof Error && e.code === undefined && BUSBOY_MALFORMED.test(error.message)) {
    return new HttpError('BAD_REQUEST', `Malformed multipart body: ${error.message}`);
  }
  if (e.code === 'FST_REQ_FILE_TOO_LARGE' || e.statusCode === 413) {
    return new HttpError('PAYLOAD_TOO_LARGE', 'The file is larger than the upload limit');
  }
  // The rate limit (plugins/security.ts) refuses before the route runs; Retry-After is set.
  if (e.statusCode === 429) {
    return new HttpError('TOO_MANY_REQUESTS', e.message ?? 'Rate limit exceeded');
  }
  // Fastify refuses a body type no parser accepts (a raw file instead of multipart) with 415.
  if (e.statusCode === 415) {
    return new HttpError('UNSUPPORTED_MEDIA_TYPE', e.message ?? 'Unsupported Media Type');
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new HttpError('BAD_REQUEST', e.message ?? 'Malformed multipart body');
  }
  return error;
}

/**
 * A repeat's Idempotency-Key expired (its retention ran out) between the check before the file
 * was read and the answer: nothing was kept, and sent again the upload is stored as a new one.
 * Answered 503 so clients resend; counted like the key's other refusals (CONFLICT), as `invalid`,
 * not as a database failure.
 */
export class IdempotencyKeyExpiredError extends HttpError {
  constructor() {
    super(
      'SERVICE_UNAVAILABLE',
      "The upload's Idempotency-Key expired while the file was read: send the upload again",
    );
    this.name = 'IdempotencyKeyExpiredError';
  }
}

const REASON_OF: Partial<Record<ErrorCode, UploadFailureReason>> = {
  PAYLOAD_TOO_LARGE: 'limit',
  UNSUPPORTED_MEDIA_TYPE: 'type',
  BAD_REQUEST: 'invalid',
  CONFLICT: 'invalid',
  INSUFFICIENT_STORAGE: 'enospc',
  SERVICE_UNAVAILABLE: 'db',
};

/**
 * The `upload_failures_total` reason of a failure while receiving or storing a file:
 * `original` is what was thrown, `mapped` its uploadError answer. A client that went away
 * counts as aborted whatever the parser made of the cut body.
 */
export function uploadFailureReason(
  original: unknown,
  mapped: unknown,
  clientAborted: boolean,
): UploadFailureReason {
  if (clientAborted) return 'aborted';
  if (original instanceof MongoError) return 'db';
  if (mapped instanceof IdempotencyKeyExpiredError) return 'invalid';
  if (mapped instanceof HttpError) return REASON_OF[mapped.code] ?? 'invalid';
  return 'internal';
}
