/**
 * The one record framing used by journal segments and checkpoint files:
 *
 *   u32le payloadLength | u32le crc32(lengthBytes ++ payload) | payload
 *
 * The checksum covers the length too, so a flipped length bit is caught even when the
 * misread span happens to hold plausible bytes. CRC-32 comes from zlib (native, Node ≥ 20.15).
 */
import { crc32 } from 'node:zlib';
import type { FileHandle } from 'node:fs/promises';

export const FRAME_HEADER_BYTES = 8;
/** Far above any legitimate frame (group-commit batches are capped well below); guards misreads. */
export const MAX_FRAME_PAYLOAD = 512 * 1024 * 1024;

/** Header for a payload given as parts, so callers never concatenate just to checksum. */
export function frameHeader(parts: readonly Uint8Array[]): Buffer {
  let length = 0;
  for (const part of parts) length += part.byteLength;
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt32LE(length, 0);
  let crc = crc32(header.subarray(0, 4));
  for (const part of parts) crc = crc32(part, crc);
  header.writeUInt32LE(crc, 4);
  return header;
}

export function encodeFrame(parts: readonly Uint8Array[]): Buffer {
  return Buffer.concat([frameHeader(parts), ...parts]);
}

export type FrameResult =
  | { kind: 'frame'; offset: number; payload: Buffer }
  | { kind: 'end'; offset: number }
  | { kind: 'bad'; offset: number; reason: string };

/** Checks one frame at `offset` of an in-memory buffer; used when scanning past damage. */
export function frameAt(buf: Buffer, offset: number): FrameResult {
  const remaining = buf.length - offset;
  if (remaining === 0) return { kind: 'end', offset };
  if (remaining < FRAME_HEADER_BYTES) return { kind: 'bad', offset, reason: 'short header' };
  const length = buf.readUInt32LE(offset);
  if (length === 0 || length > MAX_FRAME_PAYLOAD) {
    return { kind: 'bad', offset, reason: `impossible length ${length}` };
  }
  if (length > remaining - FRAME_HEADER_BYTES) {
    return { kind: 'bad', offset, reason: 'short record' };
  }
  const expected = buf.readUInt32LE(offset + 4);
  const payload = buf.subarray(offset + FRAME_HEADER_BYTES, offset + FRAME_HEADER_BYTES + length);
  const actual = crc32(payload, crc32(buf.subarray(offset, offset + 4)));
  if (actual !== expected) return { kind: 'bad', offset, reason: 'checksum mismatch' };
  return { kind: 'frame', offset, payload };
}

/**
 * Streams frames from a file without holding it whole in memory (checkpoints can be
 * hundreds of MB). A returned payload stays valid after later calls: refills allocate.
 */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);
  private bufStart = 0; // file offset of buf[0]
  private pos = 0; // file offset of the next frame

  constructor(
    private readonly fh: FileHandle,
    private readonly size: number,
    private readonly chunkBytes = 1024 * 1024,
  ) {}

  /** File offset of the next frame: after a 'bad' result, where valid data ends. */
  get offset(): number {
    return this.pos;
  }

  async next(): Promise<FrameResult> {
    const offset = this.pos;
    const remaining = this.size - offset;
    if (remaining === 0) return { kind: 'end', offset };
    if (remaining < FRAME_HEADER_BYTES) return { kind: 'bad', offset, reason: 'short header' };
    await this.ensure(offset, FRAME_HEADER_BYTES);
    const length = this.buf.readUInt32LE(offset - this.bufStart);
    if (length === 0 || length > MAX_FRAME_PAYLOAD) {
      return { kind: 'bad', offset, reason: `impossible length ${length}` };
    }
    if (length > remaining - FRAME_HEADER_BYTES) {
      return { kind: 'bad', offset, reason: 'short record' };
    }
    await this.ensure(offset, FRAME_HEADER_BYTES + length);
    const result = frameAt(
      this.buf.subarray(0, offset - this.bufStart + FRAME_HEADER_BYTES + length),
      offset - this.bufStart,
    );
    if (result.kind !== 'frame') return { ...result, offset };
    this.pos = offset + FRAME_HEADER_BYTES + length;
    return { kind: 'frame', offset, payload: result.payload };
  }

  /** Makes bytes [offset, offset + n) of the file available in `buf`. */
  private async ensure(offset: number, n: number): Promise<void> {
    const have = this.bufStart + this.buf.length;
    if (offset >= this.bufStart && offset + n <= have) return;
    const keepFrom = Math.max(offset, this.bufStart);
    const kept = keepFrom < have ? this.buf.subarray(keepFrom - this.bufStart) : Buffer.alloc(0);
    const want = Math.min(Math.max(n, this.chunkBytes), this.size - offset);
    const next = Buffer.allocUnsafe(want);
    kept.copy(next, 0);
    let filled = kept.length;
    while (filled < want) {
      const { bytesRead } = await this.fh.read(next, filled, want - filled, offset + filled);
      if (bytesRead === 0)
        throw new Error(`file shrank while reading at offset ${offset + filled}`);
      filled += bytesRead;
    }
    this.buf = next;
    this.bufStart = offset;
  }
}

/** Offset of the first intact frame at or after `from` in `buf`, or -1. */
export function findValidFrame(buf: Buffer, from: number): number {
  for (let offset = from; offset + FRAME_HEADER_BYTES < buf.length; offset++) {
    if (frameAt(buf, offset).kind === 'frame') return offset;
  }
  return -1;
}

/** write(2) can return short; loop until the whole buffer is written. */
export async function writeFully(fh: FileHandle, buf: Buffer): Promise<void> {
  let offset = 0;
  while (offset < buf.length) {
    const { bytesWritten } = await fh.write(buf, offset, buf.length - offset);
    offset += bytesWritten;
  }
}
