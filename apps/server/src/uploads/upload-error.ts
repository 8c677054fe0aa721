import { HttpError } from './http-error.js';

const BUSBOY_MALFORMED =
  /^(Multipart: |Unexpected end of (form|file|multipart data)|Malformed part header|Missing Content-Type|Unsupported content type)/;

/** Maps what can go wrong while receiving a file to an answer; anything else is a real 500. */
export function uploadError(error: unknown): unknown {
  if (error instanceof HttpError) return error;
  const e = error as { code?: string; statusCode?: number; message?: string };
  if (e.code === 'ENOSPC')
    return new HttpError('INSUFFICIENT_STORAGE', 'The upload volume is full');
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
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new HttpError('BAD_REQUEST', e.message ?? 'Malformed multipart body');
  }
  return error;
}
