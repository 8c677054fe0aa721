import { MongoNetworkError, MongoServerError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { contentDisposition, sanitizeFilename } from './filename.js';
import { HttpError } from './http-error.js';
import { IdempotencyKeyExpiredError, uploadError, uploadFailureReason } from './upload-error.js';

describe('uploadError', () => {
  it('answers a full disk with 507 and multipart limits with 400 or 413', () => {
    const enospc = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    expect(uploadError(enospc)).toMatchObject({ statusCode: 507, code: 'INSUFFICIENT_STORAGE' });
    const tooLarge = Object.assign(new Error('too large'), {
      code: 'FST_REQ_FILE_TOO_LARGE',
      statusCode: 413,
    });
    expect(uploadError(tooLarge)).toMatchObject({ statusCode: 413 });
    const files = Object.assign(new Error('files'), { code: 'FST_FILES_LIMIT', statusCode: 413 });
    expect(uploadError(files)).toMatchObject({ statusCode: 400, code: 'BAD_REQUEST' });
    for (const message of ['Multipart: Boundary not found', 'Unexpected end of multipart data']) {
      expect(uploadError(new Error(message))).toMatchObject({ statusCode: 400 });
    }
  });

  it('keeps refusals as they are and leaves real failures to the 500 handler', () => {
    const refusal = new HttpError('FORBIDDEN', 'no');
    expect(uploadError(refusal)).toBe(refusal);
    const bug = new TypeError('x is undefined');
    expect(uploadError(bug)).toBe(bug);
  });
});

describe('uploadError for database failures', () => {
  it('answers an unreachable database with a generic 503 and leaves a refused write to the 500 handler', () => {
    const unreachable = new MongoNetworkError('connect ECONNREFUSED 10.0.0.7:27017');
    const mapped = uploadError(unreachable);
    expect(mapped).toMatchObject({ statusCode: 503, code: 'SERVICE_UNAVAILABLE' });
    expect((mapped as Error).message).not.toContain('10.0.0.7');
    const refused = new MongoServerError({ message: 'Document failed validation', code: 121 });
    expect(uploadError(refused)).toBe(refused);
  });
});

describe('uploadFailureReason', () => {
  const reasonOf = (error: unknown, aborted = false) =>
    uploadFailureReason(error, uploadError(error), aborted);

  it('names each failure for upload_failures_total', () => {
    const enospc = Object.assign(new Error('no space'), { code: 'ENOSPC' });
    expect(reasonOf(enospc)).toBe('enospc');
    expect(reasonOf(Object.assign(new Error('big'), { code: 'FST_REQ_FILE_TOO_LARGE' }))).toBe(
      'limit',
    );
    expect(reasonOf(new HttpError('UNSUPPORTED_MEDIA_TYPE', 'no'))).toBe('type');
    expect(reasonOf(new Error('Unexpected end of form'))).toBe('invalid');
    expect(reasonOf(new MongoNetworkError('closed'))).toBe('db');
    expect(reasonOf(new MongoServerError({ message: 'E11000 duplicate key', code: 11000 }))).toBe(
      'db',
    );
    expect(reasonOf(new TypeError('x is undefined'))).toBe('internal');
  });

  it("answers a repeat's expired Idempotency-Key with a 503 counted as invalid, not as a database failure", () => {
    const expired = new IdempotencyKeyExpiredError();
    expect(uploadError(expired)).toMatchObject({ statusCode: 503, code: 'SERVICE_UNAVAILABLE' });
    expect(reasonOf(expired)).toBe('invalid');
    expect(reasonOf(new HttpError('SERVICE_UNAVAILABLE', 'database down'))).toBe('db');
  });

  it('counts a client that went away as aborted whatever the parser made of the cut body', () => {
    expect(reasonOf(new Error('Unexpected end of form'), true)).toBe('aborted');
    expect(reasonOf(Object.assign(new Error('reset'), { code: 'ECONNRESET' }), true)).toBe(
      'aborted',
    );
  });
});

describe('sanitizeFilename', () => {
  it('keeps the last segment, drops controls, bidi overrides and leading dots, bounds the length', () => {
    expect(sanitizeFilename('C:\\Users\\me\\..\\scan.pdf')).toBe('scan.pdf');
    expect(sanitizeFilename('invoice\u202Efdp.exe')).toBe('invoicefdp.exe');
    expect(sanitizeFilename('...')).toBe('attachment');
    expect(sanitizeFilename('\u0000\u0007')).toBe('attachment');
    expect(Array.from(sanitizeFilename('é'.repeat(500)))).toHaveLength(200);
    // UTF-16 units, as the API's bounds count: 100 emoji, not 200 (400 units).
    expect(sanitizeFilename('😀'.repeat(150))).toBe('😀'.repeat(100));
    expect(sanitizeFilename(`a${'😀'.repeat(150)}`)).toBe(`a${'😀'.repeat(99)}`);
  });

  it('encodes the name for Content-Disposition without quotes or separators leaking', () => {
    expect(contentDisposition(`a"b'c;(d).pdf`)).toBe(
      `attachment; filename*=UTF-8''a%22b%27c%3B%28d%29.pdf`,
    );
  });
});
