import fc from 'fast-check';
import SuperJSON from 'superjson';
import { describe, expect, it } from 'vitest';
import { serializeOutput, transformer, wireSuperjson } from './transformer.js';

/** The JSON text a serializer puts on the wire, or its error. */
function outcome(serialize: (value: unknown) => unknown, value: unknown) {
  try {
    return { text: JSON.stringify(serialize(value)) };
  } catch (error) {
    return { error: String(error) };
  }
}

function expectSameAsSuperjson(value: unknown) {
  const expected = outcome((v) => wireSuperjson.serialize(v), value);
  const actual = outcome(serializeOutput, value);
  expect(actual).toEqual(expected);
  // And the default instance, which the client (@invoice/client) deserializes with.
  expect(actual).toEqual(outcome((v) => SuperJSON.serialize(v), value));
}

/** Keys that exercise superjson's escaping and ordering: dots, backslashes, array-like keys. */
const key = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom('0', '1', '10', '01', '4294967294', '4294967295', 'a.b', 'a\\b', '.', '\\.', ''),
  fc.constantFrom('__proto__', 'constructor', 'prototype'),
);

const leaf = fc.oneof(
  { weight: 6, arbitrary: fc.oneof(fc.string(), fc.boolean(), fc.constant(null), fc.integer()) },
  {
    weight: 3,
    arbitrary: fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }),
  },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.double(),
      fc.constantFrom(NaN, Infinity, -Infinity, -0, undefined),
      fc.bigInt(),
      fc.constant(new Date(NaN)),
      fc.constant(new Map([[1, 2]])),
      fc.constant(new Set([1])),
      fc.constant(/x/g),
      fc.constant(new Error('e')),
      fc.constant(new Uint8Array([1])),
      fc.constant(Symbol('s')),
    ),
  },
);

const tree = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    tie('array'),
    tie('object'),
    tie('nullProto'),
  ),
  array: fc.array(tie('value'), { maxLength: 5 }),
  object: fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  nullProto: fc
    .dictionary(key, tie('value'), { maxKeys: 3 })
    .map((entries) => Object.assign(Object.create(null) as object, entries)),
})).value;

describe('serializeOutput puts exactly superjson.serialize on the wire', () => {
  it('matches superjson for generated trees of every kind of value', () => {
    fc.assert(fc.property(tree, expectSameAsSuperjson), { numRuns: 3000 });
  });

  it('matches superjson when an object or a Date is met twice (referential equalities)', () => {
    fc.assert(
      fc.property(tree, fc.date({ noInvalidDate: true }), (shared, date) => {
        expectSameAsSuperjson({ a: shared, b: [shared], c: { d: date }, e: date });
      }),
      { numRuns: 500 },
    );
  });

  it('annotates Dates at every depth, array indices first, keys escaped, without copying', () => {
    const at = new Date('2026-11-27T10:00:00.000Z');
    const value = {
      'x.y': at,
      lines: [{ when: at.getTime() }, { when: new Date(0) }],
      list: [new Date(1), 'a', new Date(2)],
      '7': new Date(3),
      nested: { deeper: { at: new Date(4) } },
    };
    const result = serializeOutput(value);
    expect(JSON.stringify(result)).toBe(JSON.stringify(wireSuperjson.serialize(value)));
    expect(result.json).toBe(value);
    expect(Object.keys(result.meta?.values ?? {})).toEqual([
      '7',
      'x\\.y',
      'lines.1.when',
      'list.0',
      'list.2',
      'nested.deeper.at',
    ]);
    expect(JSON.parse(JSON.stringify(serializeOutput(at)))).toEqual({
      json: at.toISOString(),
      meta: { values: ['Date'], v: 1 },
    });
    expect(serializeOutput({ plain: [1, 'two', null, true] })).toEqual({
      json: { plain: [1, 'two', null, true] },
    });
  });

  it('leaves anything JSON.stringify would write differently to superjson', () => {
    const withToJSON = { a: 1, toJSON: () => 'x' };
    Object.defineProperty(withToJSON, 'toJSON', { enumerable: false });
    const ownDateToJSON = Object.assign(new Date(0), { toJSON: () => 'x' });
    const sparse: number[] = [1];
    sparse[2] = 3;
    const extra = Object.assign([1], { extra: new Date(0) });
    const shared = { s: 1 };
    for (const value of [
      withToJSON,
      { d: ownDateToJSON },
      sparse,
      extra,
      { a: shared, b: shared },
      { n: -0 },
      { u: undefined },
    ]) {
      const result = serializeOutput(value);
      expect(result).toEqual(wireSuperjson.serialize(value));
      expect(result.json).not.toBe(value);
    }
  });

  it('falls back to superjson when Date built-ins are patched', () => {
    const original = Object.getOwnPropertyDescriptor(Date.prototype, 'toISOString');
    try {
      Object.defineProperty(Date.prototype, 'toISOString', {
        configurable: true,
        writable: true,
        value: () => 'patched',
      });
      const value = { at: new Date(0) };
      expect(serializeOutput(value)).toEqual(wireSuperjson.serialize(value));
      expect(serializeOutput(value).json).not.toBe(value);
    } finally {
      if (original) Object.defineProperty(Date.prototype, 'toISOString', original);
    }
  });

  it('refuses prototype keys like superjson does, without polluting anything', () => {
    const hostile = JSON.parse('{"a": {"__proto__": {"polluted": true}}}') as unknown;
    expect(() => serializeOutput(hostile)).toThrow(/prototype pollution/);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('round-trips through the router transformer and the client default instance', () => {
    fc.assert(
      fc.property(tree, (value) => {
        const wire = outcome(transformer.output.serialize, value);
        if (!('text' in wire)) return;
        const parsed = JSON.parse(wire.text) as Parameters<typeof SuperJSON.deserialize>[0];
        expect(transformer.output.deserialize(parsed)).toEqual(SuperJSON.deserialize(parsed));
      }),
      { numRuns: 500 },
    );
  });
});
