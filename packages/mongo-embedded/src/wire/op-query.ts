import { type Document, deserialize, serialize } from 'bson';
import { HEADER_SIZE, OpCode } from './header.js';
import { deserializeOptions } from './op-msg.js';
import { ProtocolError } from './protocol-error.js';

/** A legacy OP_QUERY, still sent by drivers and shells for the first handshake. */
export interface OpQueryRequest {
  requestId: number;
  fullCollectionName: string;
  query: Document;
}

export function parseOpQuery(message: Buffer, requestId: number): OpQueryRequest {
  let offset = HEADER_SIZE + 4; // flags
  const nul = message.indexOf(0, offset);
  if (nul < 0) throw new ProtocolError('OP_QUERY collection name is not terminated');
  const fullCollectionName = message.toString('utf8', offset, nul);
  offset = nul + 1 + 8; // numberToSkip, numberToReturn
  if (message.length - offset < 5) throw new ProtocolError('OP_QUERY is truncated');
  const size = message.readInt32LE(offset);
  if (size < 5 || offset + size > message.length) {
    throw new ProtocolError(`OP_QUERY query length ${size} is invalid`);
  }
  const query = deserialize(message.subarray(offset, offset + size), deserializeOptions);
  return { requestId, fullCollectionName, query };
}

export const ReplyFlag = { queryFailure: 1 << 1, awaitCapable: 1 << 3 } as const;

/** Encodes an OP_REPLY carrying one document. */
export function encodeOpReply(
  doc: Document,
  responseTo: number,
  requestId: number,
  flags = ReplyFlag.awaitCapable,
): Buffer {
  const body = serialize(doc);
  const length = HEADER_SIZE + 20 + body.length;
  const out = Buffer.allocUnsafe(length);
  out.writeInt32LE(length, 0);
  out.writeInt32LE(requestId, 4);
  out.writeInt32LE(responseTo, 8);
  out.writeInt32LE(OpCode.REPLY, 12);
  out.writeInt32LE(flags, 16);
  out.writeBigInt64LE(0n, 20); // cursorID
  out.writeInt32LE(0, 28); // startingFrom
  out.writeInt32LE(1, 32); // numberReturned
  out.set(body, 36);
  return out;
}
