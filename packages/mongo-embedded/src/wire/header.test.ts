import { describe, expect, it } from 'vitest';
import { HEADER_SIZE, OpCode, readHeader, writeHeader } from './header.js';

describe('wire header', () => {
  it('round-trips the four little-endian fields', () => {
    const buffer = Buffer.alloc(HEADER_SIZE);
    const header = { messageLength: 1234, requestId: -7, responseTo: 42, opCode: OpCode.MSG };
    writeHeader(buffer, header);
    expect(buffer.readInt32LE(12)).toBe(2013);
    expect(readHeader(buffer)).toEqual(header);
  });

  it('refuses a truncated header', () => {
    expect(() => readHeader(Buffer.alloc(15))).toThrow(RangeError);
  });
});
