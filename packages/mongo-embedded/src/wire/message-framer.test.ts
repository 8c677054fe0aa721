import { describe, expect, it } from 'vitest';
import { MessageFramer } from './message-framer.js';
import { ProtocolError } from './protocol-error.js';

function message(length: number, fill: number): Buffer {
  const buffer = Buffer.alloc(length, fill);
  buffer.writeInt32LE(length, 0);
  return buffer;
}

describe('MessageFramer', () => {
  it('splits several messages arriving in one chunk', () => {
    const framer = new MessageFramer();
    const out = framer.push(Buffer.concat([message(20, 1), message(24, 2)]));
    expect(out.map((m) => m.length)).toEqual([20, 24]);
    expect(framer.pendingBytes).toBe(0);
  });

  it('reassembles a message split byte by byte', () => {
    const framer = new MessageFramer();
    const whole = message(40, 7);
    const out: Buffer[] = [];
    for (const byte of whole) out.push(...framer.push(Buffer.from([byte])));
    expect(out).toHaveLength(1);
    expect(out[0]!.equals(whole)).toBe(true);
  });

  it('keeps a partial tail for the next chunk', () => {
    const framer = new MessageFramer();
    const a = message(20, 1);
    const b = message(30, 2);
    const joined = Buffer.concat([a, b]);
    expect(framer.push(joined.subarray(0, 27))).toHaveLength(1);
    expect(framer.pendingBytes).toBe(7);
    const rest = framer.push(joined.subarray(27));
    expect(rest).toHaveLength(1);
    expect(rest[0]!.equals(b)).toBe(true);
  });

  it('rejects lengths shorter than a header or above maxMessageSizeBytes', () => {
    const short = Buffer.alloc(16);
    short.writeInt32LE(8, 0);
    expect(() => new MessageFramer().push(short)).toThrow(ProtocolError);
    const huge = Buffer.alloc(16);
    huge.writeInt32LE(48_000_001, 0);
    expect(() => new MessageFramer().push(huge)).toThrow(/maxMessageSizeBytes/);
  });
});
