import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { TextDecoder } from 'node:util';
import { fileTypeFromBuffer } from 'file-type';
import { HttpError } from './http-error.js';

/** Bytes file-type needs to recognise every allowlisted format. */
const HEAD_BYTES = 4100;

const BINARY_TYPES = new Set(['application/pdf', 'image/png', 'image/jpeg', 'image/webp']);
const TEXT_DECLARED = new Set(['text/csv', 'text/plain']);

export interface InspectionResult {
  contentType: string;
  size: number;
  sha256: string;
}

function normalizeType(declared: string): string {
  return (declared.split(';')[0] ?? '').trim().toLowerCase();
}

/**
 * Passes the upload through while hashing it and deciding its type from the bytes: the
 * first bytes must be an allowlisted binary format (file-type's magic numbers), or, when no
 * format is recognised, the whole file must be UTF-8 text without NUL bytes (CSV). The
 * declared type must agree with what the bytes are; it never decides anything on its own.
 * Only the head is held in memory, the rest streams.
 */
export class ContentInspector extends Transform {
  private readonly hash = createHash('sha256');
  private readonly declared: string;
  private head: Buffer[] = [];
  private headLength = 0;
  private decided: string | null = null;
  private decoder: TextDecoder | null = null;
  private size = 0;

  constructor(declaredType: string) {
    super();
    this.declared = normalizeType(declaredType);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    this.hash.update(chunk);
    if (this.decided !== null) {
      try {
        this.checkText(chunk);
      } catch (error) {
        callback(error as Error);
        return;
      }
      callback(null, chunk);
      return;
    }
    this.head.push(chunk);
    this.headLength += chunk.length;
    if (this.headLength < HEAD_BYTES) {
      callback();
      return;
    }
    this.decide().then(
      () => callback(),
      (error: unknown) => callback(error as Error),
    );
  }

  override _flush(callback: TransformCallback): void {
    const finish = async () => {
      if (this.decided === null) await this.decide();
      if (this.size === 0) throw new HttpError('BAD_REQUEST', 'The file is empty');
      if (this.decoder !== null) this.decoder.decode(); // throws on a truncated sequence
    };
    finish().then(
      () => callback(),
      (error: unknown) => callback(this.asUnsupported(error)),
    );
  }

  /** Valid only after the stream has finished. */
  result(): InspectionResult {
    if (this.decided === null) throw new Error('Inspection has not finished');
    return { contentType: this.decided, size: this.size, sha256: this.hash.digest('hex') };
  }

  private async decide(): Promise<void> {
    const head = Buffer.concat(this.head);
    this.head = [];
    const detected = await fileTypeFromBuffer(head);
    if (detected !== undefined) {
      if (!BINARY_TYPES.has(detected.mime)) {
        throw new HttpError(
          'UNSUPPORTED_MEDIA_TYPE',
          `Files of type ${detected.mime} are not accepted`,
        );
      }
      if (detected.mime !== this.declared) {
        throw new HttpError(
          'UNSUPPORTED_MEDIA_TYPE',
          `The file is ${detected.mime} but was declared as ${this.declared || 'nothing'}`,
        );
      }
      this.decided = detected.mime;
    } else {
      if (!TEXT_DECLARED.has(this.declared)) {
        throw new HttpError(
          'UNSUPPORTED_MEDIA_TYPE',
          'Accepted types: PDF, PNG, JPEG, WebP and CSV text',
        );
      }
      this.decided = 'text/csv';
      this.decoder = new TextDecoder('utf-8', { fatal: true });
    }
    this.checkText(head);
    this.push(head);
  }

  private checkText(chunk: Buffer): void {
    if (this.decoder === null) return;
    if (chunk.includes(0)) {
      throw new HttpError('UNSUPPORTED_MEDIA_TYPE', 'A text file must not contain NUL bytes');
    }
    try {
      this.decoder.decode(chunk, { stream: true });
    } catch {
      throw new HttpError('UNSUPPORTED_MEDIA_TYPE', 'A text file must be valid UTF-8');
    }
  }

  private asUnsupported(error: unknown): Error {
    if (error instanceof HttpError) return error;
    return new HttpError('UNSUPPORTED_MEDIA_TYPE', 'A text file must be valid UTF-8');
  }
}
