import { serialize } from 'bson';
import { describe, expect, it } from 'vitest';
import { crc32c } from './crc32c.js';
import { OpCode, readHeader } from './header.js';
import { encodeOpMsg, MsgFlag, parseOpMsg } from './op-msg.js';
import { ProtocolError } from './protocol-error.js';

function build(sections: Buffer[], flags = 0, checksum = false): Buffer {
  const body = Buffer.concat(sections);
  const length = 16 + 4 + body.length + (checksum ? 4 : 0);
  const out = Buffer.alloc(length);
  out.writeInt32LE(length, 0);
  out.writeInt32LE(7, 4);
  out.writeInt32LE(0, 8);
  out.writeInt32LE(OpCode.MSG, 12);
  out.writeUInt32LE(flags | (checksum ? MsgFlag.checksumPresent : 0), 16);
  body.copy(out, 20);
  if (checksum) out.writeUInt32LE(crc32c(out, 0, length - 4), length - 4);
  return out;
}

function kind0(doc: object): Buffer {
  return Buffer.concat([Buffer.from([0]), Buffer.from(serialize(doc))]);
}

function kind1(identifier: string, docs: object[]): Buffer {
  const payload = Buffer.concat([
    Buffer.from(`${identifier}\0`),
    ...docs.map((d) => Buffer.from(serialize(d))),
  ]);
  const size = Buffer.alloc(4);
  size.writeInt32LE(4 + payload.length, 0);
  return Buffer.concat([Buffer.from([1]), size, payload]);
}

describe('OP_MSG', () => {
  it('merges document sequences into the body', () => {
    const message = build([
      kind0({ insert: 'c', $db: 'd' }),
      kind1('documents', [{ a: 1 }, { a: 2 }]),
    ]);
    const request = parseOpMsg(message, 7);
    expect(request.command).toEqual({ insert: 'c', $db: 'd', documents: [{ a: 1 }, { a: 2 }] });
    expect(request.sequenceSizes?.get('documents')).toHaveLength(2);
  });

  it('verifies the CRC-32C checksum when present', () => {
    const good = build([kind0({ ping: 1, $db: 'admin' })], 0, true);
    expect(parseOpMsg(good, 1).command.ping).toBe(1);
    const bad = Buffer.from(good);
    bad[bad.length - 1]! ^= 0xff;
    expect(() => parseOpMsg(bad, 1)).toThrow(/checksum/);
  });

  it('refuses unknown required flag bits, missing bodies and broken lengths', () => {
    expect(() => parseOpMsg(build([kind0({ ping: 1 })], 1 << 4), 1)).toThrow(ProtocolError);
    expect(() => parseOpMsg(build([kind1('documents', [{ a: 1 }])]), 1)).toThrow(/no body/);
    const broken = build([kind0({ ping: 1 })]);
    broken.writeInt32LE(1000, 21);
    expect(() => parseOpMsg(broken, 1)).toThrow(ProtocolError);
  });

  it('encodes a reply that parses back', () => {
    const reply = encodeOpMsg({ ok: 1, n: 3 }, 11, 7);
    const header = readHeader(reply);
    expect(header).toEqual({
      messageLength: reply.length,
      requestId: 11,
      responseTo: 7,
      opCode: OpCode.MSG,
    });
    expect(parseOpMsg(reply, 11).command).toEqual({ ok: 1, n: 3 });
  });

  it('encodes replies larger than the scratch buffer', () => {
    const big = 'x'.repeat(3 * 1024 * 1024);
    const reply = encodeOpMsg({ big }, 1, 1);
    expect(parseOpMsg(reply, 1).command.big).toHaveLength(big.length);
  });
});
