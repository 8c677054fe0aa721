import {
  Binary,
  BSONRegExp,
  BSONSymbol,
  Code,
  Decimal128,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  serialize,
  Timestamp,
  UUID,
  type Document,
} from 'bson';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MongoCommandError } from '../errors.js';
import { decodeStored } from './documents.js';
import { decodeFields, fieldSelector } from './partial-decode.js';

/** Appends raw elements (type, name, value bytes) the bson serializer cannot produce. */
function withRaw(doc: Document, elements: Uint8Array[]): Uint8Array {
  const base = serialize(doc);
  const body = Buffer.concat([base.subarray(4, base.length - 1), ...elements]);
  const out = Buffer.alloc(body.length + 5);
  out.writeInt32LE(out.length, 0);
  body.copy(out, 4);
  return new Uint8Array(out);
}

function element(type: number, name: string, value: Uint8Array): Uint8Array {
  return Buffer.concat([Buffer.from([type]), Buffer.from(`${name}\0`), value]);
}

function bsonString(s: string): Uint8Array {
  const bytes = Buffer.from(`${s}\0`);
  const len = Buffer.alloc(4);
  len.writeInt32LE(bytes.length, 0);
  return Buffer.concat([len, bytes]);
}

/** One field of every BSON type, with neighbours before and after each. */
function everyType(): Uint8Array {
  return withRaw(
    {
      _id: new ObjectId('65a1b2c3d4e5f60718293a4b'),
      double: 1.5,
      doubleWhole: new Double(2),
      string: 'héllo ✓',
      emptyString: '',
      doc: { a: 1, nested: { b: [1, { c: 'x' }] } },
      emptyDoc: {},
      array: [1, 'two', { three: 3 }, [4]],
      emptyArray: [],
      binary: new Binary(Buffer.from([1, 2, 3]), 0x80),
      emptyBinary: new Binary(Buffer.alloc(0)),
      uuid: new UUID('0123456789abcdef0123456789abcdef'),
      oldBinary: new Binary(Buffer.from([9, 9]), 2),
      objectId: new ObjectId('0123456789abcdef01234567'),
      yes: true,
      no: false,
      date: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)),
      nothing: null,
      regex: new BSONRegExp('^a.b$', 'im'),
      jsRegex: /x+y/s,
      code: new Code('function () { return 1; }'),
      codeWithScope: new Code('function () { return a; }', { a: 1, s: 'x' }),
      symbol: new BSONSymbol('sym'),
      int32: 42,
      int32Wrapped: new Int32(-7),
      timestamp: new Timestamp({ t: 1_700_000_000, i: 3 }),
      long: Long.fromString('9007199254740993'),
      smallLong: Long.fromNumber(5),
      decimal: Decimal128.fromString('1234.5678901234567890'),
      min: new MinKey(),
      max: new MaxKey(),
    },
    [
      element(0x06, 'undefinedValue', new Uint8Array(0)),
      element(
        0x0c,
        'dbPointer',
        Buffer.concat([bsonString('coll'), Buffer.from('0123456789abcdef01234567', 'hex')]),
      ),
      element(0x10, 'last', Buffer.from([1, 0, 0, 0])),
    ],
  );
}

/** The whole document's fields in `names`, in stored order. */
function expectedSubset(bytes: Uint8Array, names: Set<string>): Document {
  const whole = decodeStored(bytes);
  const out: Document = {};
  for (const key of Object.keys(whole)) {
    if (!names.has(key)) continue;
    Object.defineProperty(out, key, {
      value: whole[key],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function decode(bytes: Uint8Array, names: string[]): Document {
  return decodeFields(bytes, fieldSelector(names));
}

describe('decodeFields', () => {
  const bytes = everyType();
  const names = Object.keys(decodeStored(bytes));

  it('decodes every BSON type as the whole-document decode does', () => {
    expect(names).toContain('dbPointer');
    expect(names).toContain('undefinedValue');
    for (const name of names) {
      const one = decode(bytes, [name]);
      expect(Object.keys(one)).toEqual([name]);
      expect(one).toStrictEqual(expectedSubset(bytes, new Set([name])));
    }
  });

  it('keeps int64 as Long and Decimal128 as Decimal128 (the engine decode options)', () => {
    const kept = decode(bytes, ['smallLong', 'long', 'decimal', 'int32']);
    expect(kept.smallLong).toBeInstanceOf(Long);
    expect(kept.long).toStrictEqual(Long.fromString('9007199254740993'));
    expect(kept.decimal).toBeInstanceOf(Decimal128);
    expect(kept.int32).toBe(42);
  });

  it('skips every BSON type: the fields around each skipped one decode unchanged', () => {
    for (const skipped of names) {
      const rest = names.filter((n) => n !== skipped);
      const kept = decode(bytes, rest);
      expect(Object.keys(kept)).toEqual(rest);
      expect(kept).toStrictEqual(expectedSubset(bytes, new Set(rest)));
    }
  });

  it('returns the whole document when every field is wanted, and {} when none is', () => {
    expect(decode(bytes, names)).toStrictEqual(decodeStored(bytes));
    expect(decode(bytes, ['absent'])).toStrictEqual({});
    expect(decode(serialize({}), ['a'])).toStrictEqual({});
  });

  it('keeps every element of a name that repeats, as the whole decode does', () => {
    const twice = withRaw({ a: 1, b: 2 }, [element(0x02, 'a', bsonString('again'))]);
    expect(decode(twice, ['a'])).toStrictEqual(expectedSubset(twice, new Set(['a'])));
  });

  it('returns documents with a top-level $ name whole (bson may decode them as a DBRef)', () => {
    const ref = serialize({ $ref: 'coll', $id: 1, other: 2 });
    expect(decode(ref, ['other'])).toStrictEqual(decodeStored(ref));
    const dollar = serialize({ a: 1, $b: 2 });
    expect(decode(dollar, ['a'])).toStrictEqual({ a: 1, $b: 2 });
  });

  it('decodes plain scalars directly and everything else through bson, alike', () => {
    const doc = serialize({
      _id: new ObjectId(),
      s: 'x',
      n: 1,
      d: 2.5,
      t: true,
      z: null,
      w: new Date(5),
      l: Long.fromNumber(1),
    });
    expect(decode(doc, ['_id', 's', 'n', 'd', 't', 'z', 'w'])).toStrictEqual(
      expectedSubset(doc, new Set(['_id', 's', 'n', 'd', 't', 'z', 'w'])),
    );
    expect(decode(doc, ['s', 'l'])).toStrictEqual(expectedSubset(doc, new Set(['s', 'l'])));
  });

  it('keeps __proto__ as an own field, as bson does', () => {
    const proto = withRaw({ a: 1 }, [element(0x10, '__proto__', Buffer.from([7, 0, 0, 0]))]);
    const kept = decode(proto, ['__proto__']);
    expect(Object.keys(kept)).toEqual(['__proto__']);
    expect(kept).toStrictEqual(expectedSubset(proto, new Set(['__proto__'])));
    expect(Object.getPrototypeOf(kept)).toBe(Object.prototype);
  });

  it('answers a document read again from memory, as a new object each time', () => {
    const bytes = serialize({
      _id: new ObjectId(),
      status: 'open',
      total: 1250,
      paid: false,
      n: null,
    });
    expect(fieldSelector(['total', 'status', 'total'])).toBe(fieldSelector(['status', 'total']));
    const first = decodeFields(bytes, fieldSelector(['status', 'total']));
    first.total = -1;
    first.extra = 'changed by a pipeline stage';
    const second = decodeFields(bytes, fieldSelector(['total', 'status']));
    expect(second).toStrictEqual({ status: 'open', total: 1250 });
    expect(second).not.toBe(first);
    expect(decodeFields(bytes, fieldSelector(['paid', 'n']))).toStrictEqual({
      paid: false,
      n: null,
    });
  });

  it('shares selectors only between equal sets of names (none is not the empty name)', () => {
    const bytes = serialize({ '': 1, a: 2 });
    expect(decodeFields(bytes, fieldSelector([]))).toStrictEqual({});
    expect(decodeFields(bytes, fieldSelector(['']))).toStrictEqual({ '': 1 });
    expect(fieldSelector([''])).not.toBe(fieldSelector([]));
    expect(fieldSelector(['a', ''])).toBe(fieldSelector(['', 'a']));
  });

  it('remembers nothing holding an object: ObjectId, Date, documents decode afresh', () => {
    const bytes = serialize({ _id: new ObjectId(), at: new Date(0), sub: { a: 1 }, s: 'x' });
    for (const names of [['_id', 's'], ['at'], ['sub', 's']]) {
      const a = decodeFields(bytes, fieldSelector(names));
      const b = decodeFields(bytes, fieldSelector(names));
      expect(a).toStrictEqual(b);
      for (const name of names) {
        if (typeof a[name] === 'object') expect(a[name]).not.toBe(b[name]);
      }
    }
  });

  it('keeps __proto__ as an own field when answering from memory', () => {
    const proto = withRaw({ a: 1 }, [element(0x10, '__proto__', Buffer.from([7, 0, 0, 0]))]);
    decode(proto, ['__proto__', 'a']);
    const again = decode(proto, ['__proto__', 'a']);
    expect(Object.keys(again)).toEqual(['a', '__proto__']);
    expect(Object.getPrototypeOf(again)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(again, '__proto__')?.value).toBe(7);
  });

  it('matches names byte for byte (unicode, prefixes, case)', () => {
    const doc = serialize({ ab: 1, abc: 2, Ab: 3, é: 4, 'a.b': 5, '': 6 });
    expect(decode(doc, ['ab'])).toStrictEqual({ ab: 1 });
    expect(decode(doc, ['é', ''])).toStrictEqual({ é: 4, '': 6 });
    expect(decode(doc, ['a.b', 'abcd', 'a'])).toStrictEqual({ 'a.b': 5 });
  });

  it('agrees with the whole decode for random documents and random field subsets', () => {
    const value = fc.oneof(
      fc.integer(),
      fc.double(),
      fc.string(),
      fc.boolean(),
      fc.constant(null),
      fc.date({ noInvalidDate: true }),
      fc.array(fc.oneof(fc.integer(), fc.string()), { maxLength: 4 }),
      fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 3 }),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => Long.fromBigInt(n)),
    );
    const key = fc.string({ maxLength: 6 }).filter((k) => !k.includes('\0') && k !== '__proto__');
    fc.assert(
      fc.property(
        fc.dictionary(key, value, { maxKeys: 10 }),
        fc.array(key, { maxLength: 6 }),
        (doc, wantedKeys) => {
          const stored = serialize(doc);
          const wanted = [...wantedKeys, ...Object.keys(doc).filter((_, i) => i % 2 === 0)];
          // A top-level `$` name may make bson decode a DBRef: such documents come back whole.
          const whole = Object.keys(doc).some((k) => k.startsWith('$'));
          expect(decode(stored, wanted)).toStrictEqual(
            whole ? decodeStored(stored) : expectedSubset(stored, new Set(wanted)),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('decodeFields on malformed bytes', () => {
  const bytes = everyType();
  const all = Object.keys(decodeStored(bytes));

  function corruptError(run: () => unknown): void {
    expect(run).toThrow(MongoCommandError);
    expect(run).toThrow(/corrupt stored BSON document/);
  }

  it('refuses every truncation, whatever is wanted', () => {
    for (let length = 0; length < bytes.length; length++) {
      corruptError(() => decode(bytes.subarray(0, length), ['last']));
    }
  });

  it('refuses a size that does not match, a missing terminator, an unterminated name', () => {
    const wrongSize = Buffer.from(bytes);
    wrongSize.writeInt32LE(bytes.length + 1, 0);
    corruptError(() => decode(wrongSize, ['_id']));
    const noTerminator = Buffer.from(bytes);
    noTerminator[bytes.length - 1] = 1;
    corruptError(() => decode(noTerminator, ['_id']));
    const name = Buffer.from([8, 0, 0, 0, 0x0a, 0x61, 0x62, 0]);
    corruptError(() => decode(name, ['ab']));
  });

  it('refuses unknown types and lengths that overrun or underrun, kept or skipped', () => {
    const cases: Uint8Array[] = [
      withRaw({ a: 1 }, [element(0x14, 'x', new Uint8Array(0))]),
      withRaw({ a: 1 }, [element(0x00, 'x', new Uint8Array(0))]),
      withRaw({ a: 1 }, [element(0x02, 'x', Buffer.from([100, 0, 0, 0, 0x41, 0]))]),
      withRaw({ a: 1 }, [element(0x02, 'x', Buffer.from([0, 0, 0, 0]))]),
      withRaw({ a: 1 }, [element(0x02, 'x', Buffer.from([0xff, 0xff, 0xff, 0xff, 0]))]),
      withRaw({ a: 1 }, [element(0x03, 'x', Buffer.from([4, 0, 0, 0]))]),
      withRaw({ a: 1 }, [element(0x03, 'x', Buffer.from([50, 0, 0, 0, 0]))]),
      withRaw({ a: 1 }, [
        element(0x0f, 'x', Buffer.from([13, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])),
      ]),
      withRaw({ a: 1 }, [element(0x05, 'x', Buffer.from([9, 0, 0, 0, 0, 1]))]),
      withRaw({ a: 1 }, [element(0x0b, 'x', Buffer.from('abc'))]),
      withRaw({ a: 1 }, [element(0x0c, 'x', bsonString('c'))]),
      withRaw({ a: 1 }, [element(0x12, 'x', Buffer.from([1, 2, 3]))]),
      withRaw({ a: 1 }, [element(0x13, 'x', Buffer.alloc(15))]),
      withRaw({ a: 1 }, [element(0x07, 'x', Buffer.alloc(11))]),
    ];
    for (const corrupt of cases) {
      corruptError(() => decode(corrupt, ['a']));
      corruptError(() => decode(corrupt, ['a', 'x']));
    }
  });

  it('refuses damaged scalar values when it keeps them (skipped ones need only their size)', () => {
    for (const corrupt of [
      withRaw({ a: 1 }, [element(0x08, 'x', Buffer.from([2]))]),
      withRaw({ a: 1 }, [element(0x02, 'x', Buffer.from([2, 0, 0, 0, 0x41, 0x41]))]),
      withRaw({ a: 1 }, [element(0x02, 'x', Buffer.from([3, 0, 0, 0, 0xff, 0xfe, 0]))]),
    ]) {
      expect(() => decode(corrupt, ['a', 'x'])).toThrow();
      expect(() => decodeStored(corrupt)).toThrow();
      expect(decode(corrupt, ['a'])).toStrictEqual({ a: 1 });
    }
  });

  it('never disagrees with the whole decode on randomly damaged bytes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.subarray(all),
        (flips, wanted) => {
          const damaged = Buffer.from(bytes);
          for (const [at, value] of flips) damaged[at] = value;
          let partial: Document | undefined;
          try {
            partial = decode(damaged, wanted);
          } catch (err) {
            // A clear refusal (ours, or bson's for a damaged kept value).
            expect(err).toBeInstanceOf(Error);
            return;
          }
          let whole: Document | undefined;
          try {
            whole = decodeStored(damaged);
          } catch {
            // Damage inside a skipped value: the whole decode refuses, ours need not.
            return;
          }
          // Damage that turns a top-level name into a `$` name: the whole document, by design
          // (see "returns documents with a top-level $ name whole").
          const dollarName =
            (whole as { _bsontype?: unknown })._bsontype === 'DBRef' ||
            Object.keys(whole).some((k) => k.startsWith('$'));
          if (dollarName) {
            expect(partial).toStrictEqual(whole);
            return;
          }
          const names = new Set(wanted);
          const subset: Document = {};
          for (const k of Object.keys(whole)) if (names.has(k)) subset[k] = whole[k] as unknown;
          expect(partial).toStrictEqual(subset);
        },
      ),
      { numRuns: 500 },
    );
  });
});
