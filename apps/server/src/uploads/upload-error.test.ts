import { describe, expect, it } from 'vitest';
import { contentDisposition, sanitizeFilename } from './filename.js';
import { HttpError } from './http-error.js';
import { uploadError } from './upload-error.js';

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

describe('sanitizeFilename', () => {
  it('keeps the last segment, drops controls, bidi overrides and leading dots, bounds the length', () => {
    expect(sanitizeFilename('C:\\Users\\me\\..\\scan.pdf')).toBe('scan.pdf');
    expect(sanitizeFilename('invoice\u202Efdp.exe')).toBe('invoicefdp.exe');
    expect(sanitizeFilename('...')).toBe('attachment');
    expect(sanitizeFilename('\u0000\u0007')).toBe('attachment');
    expect(Array.from(sanitizeFilename('é'.repeat(500)))).toHaveLength(200);
  });

  it('encodes the name for Content-Disposition without quotes or separators leaking', () => {
    expect(contentDisposition(`a"b'c;(d).pdf`)).toBe(
      `attachment; filename*=UTF-8''a%22b%27c%3B%28d%29.pdf`,
    );
  });
});
