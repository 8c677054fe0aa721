import { type Document, deserialize, serializeWithBufferAndIndex, calculateObjectSize } from 'bson';
import { crc32c } from './crc32c.js';
import { rememberSequenceSizes } from './document-sizes.js';
import { HEADER_SIZE, OpCode } from './header.js';
import { MAX_COMMAND_SIZE } from './limits.js';
import { ProtocolError } from './protocol-error.js';
import { encodeWithRaw, repliesRaw } from './raw-document.js';

export const MsgFlag = {
  checksumPresent: 1 << 0,
  moreToCome: 1 << 1,
  exhaustAllowed: 1 << 16,
} as const;

/** Bits 0-15 are "required": a receiver must reject any it does not know. */
const KNOWN_REQUIRED_BITS = MsgFlag.checksumPresent | MsgFlag.moreToCome;

export interface OpMsgRequest {
  requestId: number;
  flags: number;
  /** The kind-0 body with every kind-1 document sequence merged in as an array field. */
  command: Document;
  /** Byte size of each document that arrived in a kind-1 sequence, by identifier (for size checks). */
  sequenceSizes?: Map<string, number[]>;
}

export const deserializeOptions = { validation: { utf8: false }, promoteLongs: false } as const;

export function parseOpMsg(message: Buffer, requestId: number): OpMsgRequest {
  let end = message.length;
  const flags = message.readUInt32LE(HEADER_SIZE);
  if ((flags & 0xffff & ~KNOWN_REQUIRED_BITS) !== 0) {
    throw new ProtocolError(`OP_MSG has unknown required flag bits 0x${flags.toString(16)}`);
  }
  if (flags & MsgFlag.checksumPresent) {
    if (message.length < HEADER_SIZE + 4 + 4)
      throw new ProtocolError('OP_MSG too short for its checksum');
    end -= 4;
    const expected = message.readUInt32LE(end);
    const actual = crc32c(message, 0, end);
    if (expected !== actual) throw new ProtocolError('OP_MSG checksum mismatch');
  }
  let offset = HEADER_SIZE + 4;
  let body: Document | undefined;
  let sequences: Map<string, Document[]> | undefined;
  let sequenceSizes: Map<string, number[]> | undefined;
  while (offset < end) {
    const kind = message[offset];
    offset += 1;
    if (kind === 0) {
      if (body) throw new ProtocolError('OP_MSG has more than one body section');
      const size = documentSize(message, offset, end);
      if (size > MAX_COMMAND_SIZE)
        throw new ProtocolError(`OP_MSG body of ${size} bytes is too large`);
      body = deserialize(message.subarray(offset, offset + size), deserializeOptions);
      offset += size;
    } else if (kind === 1) {
      if (end - offset < 4) throw new ProtocolError('OP_MSG document sequence is truncated');
      const size = message.readInt32LE(offset);
      const sectionEnd = offset + size;
      if (size < 5 || sectionEnd > end)
        throw new ProtocolError('OP_MSG document sequence has a bad length');
      let cursor = offset + 4;
      const nul = message.indexOf(0, cursor);
      if (nul < 0 || nul >= sectionEnd)
        throw new ProtocolError('OP_MSG document sequence identifier is not terminated');
      const identifier = message.toString('utf8', cursor, nul);
      cursor = nul + 1;
      const docs: Document[] = [];
      const sizes: number[] = [];
      while (cursor < sectionEnd) {
        const docSize = documentSize(message, cursor, sectionEnd);
        docs.push(deserialize(message.subarray(cursor, cursor + docSize), deserializeOptions));
        sizes.push(docSize);
        cursor += docSize;
      }
      sequences ??= new Map();
      sequenceSizes ??= new Map();
      if (sequences.has(identifier))
        throw new ProtocolError(`duplicate document sequence '${identifier}'`);
      sequences.set(identifier, docs);
      rememberSequenceSizes(docs, sizes);
      sequenceSizes.set(identifier, sizes);
      offset = sectionEnd;
    } else {
      throw new ProtocolError(`OP_MSG section kind ${String(kind)} is not supported`);
    }
  }
  if (!body) throw new ProtocolError('OP_MSG has no body section');
  if (sequences) {
    for (const [identifier, docs] of sequences) {
      if (identifier in body)
        throw new ProtocolError(`'${identifier}' is both in the body and a document sequence`);
      body[identifier] = docs;
    }
  }
  return sequenceSizes
    ? { requestId, flags, command: body, sequenceSizes }
    : { requestId, flags, command: body };
}

function documentSize(buffer: Buffer, offset: number, end: number): number {
  if (end - offset < 5) throw new ProtocolError('BSON document is truncated');
  const size = buffer.readInt32LE(offset);
  if (size < 5 || offset + size > end)
    throw new ProtocolError(`BSON document length ${size} is invalid`);
  if (buffer[offset + size - 1] !== 0)
    throw new ProtocolError('BSON document is not NUL-terminated');
  return size;
}

// One scratch buffer for all replies: serialize once into it, then copy the exact bytes out.
let scratch = Buffer.allocUnsafe(1024 * 1024);
const OP_MSG_PREFIX = HEADER_SIZE + 4 + 1;

/** Serializes a reply as one OP_MSG buffer ready for a single socket.write. */
export function encodeOpMsg(
  reply: Document,
  requestId: number,
  responseTo: number,
  flags = 0,
): Buffer {
  if (repliesRaw(reply)) {
    return withHeader(encodeWithRaw(reply, OP_MSG_PREFIX), requestId, responseTo, flags);
  }
  let length: number;
  try {
    length = serializeWithBufferAndIndex(reply, scratch, { index: OP_MSG_PREFIX }) + 1;
  } catch (error) {
    if (!(error instanceof RangeError) && !isBufferOverflow(error)) throw error;
    const size = calculateObjectSize(reply);
    scratch = Buffer.allocUnsafe(OP_MSG_PREFIX + size + 1024);
    length = serializeWithBufferAndIndex(reply, scratch, { index: OP_MSG_PREFIX }) + 1;
  }
  const out = Buffer.allocUnsafe(length);
  scratch.copy(out, OP_MSG_PREFIX, OP_MSG_PREFIX, length);
  return withHeader(out, requestId, responseTo, flags);
}

/** Writes the message header and the flag bits and section kind 0 in front of the body. */
function withHeader(out: Buffer, requestId: number, responseTo: number, flags: number): Buffer {
  out.writeInt32LE(out.length, 0);
  out.writeInt32LE(requestId, 4);
  out.writeInt32LE(responseTo, 8);
  out.writeInt32LE(OpCode.MSG, 12);
  out.writeUInt32LE(flags, 16);
  out[20] = 0;
  return out;
}

function isBufferOverflow(error: unknown): boolean {
  return (
    error instanceof Error && /out of range|overflow|outside buffer|offset/i.test(error.message)
  );
}
