import { HEADER_SIZE } from './header.js';
import { MAX_MESSAGE_SIZE_BYTES } from './limits.js';
import { ProtocolError } from './protocol-error.js';

/**
 * Cuts a TCP byte stream into whole wire messages. Chunks are kept as received and
 * only joined when a message spans several of them, so a message that arrives in
 * one chunk is handed out as a zero-copy view.
 */
export class MessageFramer {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** Adds a chunk and returns every message it completes (each a full message incl. header). */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    if (this.buffered === 0) {
      // Fast path: parse straight out of the chunk.
      let offset = 0;
      while (chunk.length - offset >= 4) {
        const length = messageLength(chunk, offset);
        if (chunk.length - offset < length) break;
        out.push(chunk.subarray(offset, offset + length));
        offset += length;
      }
      if (offset < chunk.length) {
        this.chunks.push(chunk.subarray(offset));
        this.buffered = chunk.length - offset;
      }
      return out;
    }
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.buffered >= 4) {
      const head = this.peek(4);
      const length = messageLength(head, 0);
      if (this.buffered < length) break;
      out.push(this.take(length));
    }
    return out;
  }

  get pendingBytes(): number {
    return this.buffered;
  }

  private peek(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) return first;
    return Buffer.concat(this.chunks, Math.min(this.buffered, Math.max(n, first.length)));
  }

  private take(n: number): Buffer {
    const first = this.chunks[0]!;
    let result: Buffer;
    if (first.length >= n) {
      result = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      result = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const chunk = this.chunks[0]!;
        const need = n - filled;
        if (chunk.length <= need) {
          chunk.copy(result, filled);
          filled += chunk.length;
          this.chunks.shift();
        } else {
          chunk.copy(result, filled, 0, need);
          this.chunks[0] = chunk.subarray(need);
          filled += need;
        }
      }
    }
    this.buffered -= n;
    return result;
  }
}

function messageLength(buffer: Buffer, offset: number): number {
  const length = buffer.readInt32LE(offset);
  if (length < HEADER_SIZE) {
    throw new ProtocolError(
      `message length ${length} is shorter than the ${HEADER_SIZE}-byte header`,
    );
  }
  if (length > MAX_MESSAGE_SIZE_BYTES) {
    throw new ProtocolError(
      `message length ${length} exceeds maxMessageSizeBytes ${MAX_MESSAGE_SIZE_BYTES}`,
    );
  }
  return length;
}
