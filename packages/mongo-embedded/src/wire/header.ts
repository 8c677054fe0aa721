/** MongoDB wire protocol message header: four little-endian int32s (16 bytes). */
export const HEADER_SIZE = 16;

export const OpCode = {
  REPLY: 1,
  QUERY: 2004,
  COMPRESSED: 2012,
  MSG: 2013,
} as const;

export interface MessageHeader {
  messageLength: number;
  requestId: number;
  responseTo: number;
  opCode: number;
}

export function readHeader(buffer: Buffer, offset = 0): MessageHeader {
  if (buffer.length - offset < HEADER_SIZE) {
    throw new RangeError(
      `message header needs ${HEADER_SIZE} bytes, got ${buffer.length - offset}`,
    );
  }
  return {
    messageLength: buffer.readInt32LE(offset),
    requestId: buffer.readInt32LE(offset + 4),
    responseTo: buffer.readInt32LE(offset + 8),
    opCode: buffer.readInt32LE(offset + 12),
  };
}

export function writeHeader(buffer: Buffer, header: MessageHeader, offset = 0): void {
  buffer.writeInt32LE(header.messageLength, offset);
  buffer.writeInt32LE(header.requestId, offset + 4);
  buffer.writeInt32LE(header.responseTo, offset + 8);
  buffer.writeInt32LE(header.opCode, offset + 12);
}
