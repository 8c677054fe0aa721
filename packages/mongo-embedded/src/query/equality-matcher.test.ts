/**
 * The equality fast path answers exactly what the general (mingo) matcher answers, for random
 * documents that hold every kind of value a field can hold, decoded from BSON as the storage
 * decodes them.
 */
import { BSONSymbol, deserialize, Long, ObjectId, serialize, type Document } from 'bson';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { equalityMatcher } from './equality-matcher.js';
import { filterQuery } from './mingo-options.js';

const IDS = [new ObjectId('64b000000000000000000001'), new ObjectId('64b000000000000000000002')];

const wantedArb = fc.oneof(
  fc.constantFrom('active', 'pending', '', 'Active'),
  fc.boolean(),
  fc.constantFrom(...IDS),
);

const scalar = fc.oneof(
  wantedArb,
  fc.constant(null),
  fc.integer({ min: -2, max: 2 }),
  fc.constant(Long.fromNumber(1)),
  fc.constant(new Date(0)),
  fc.constant(new BSONSymbol('active')),
  fc.constant('64b000000000000000000001'),
);

const fieldValue = fc.oneof(
  { weight: 5, arbitrary: scalar },
  { weight: 2, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.record({ x: scalar }, { requiredKeys: [] }) },
);

const FIELDS = ['status', 'orgId', 'flag'] as const;

const documentArb = fc.record(
  { status: fieldValue, orgId: fieldValue, flag: fieldValue },
  { requiredKeys: [] },
);

const filterArb = fc
  .uniqueArray(fc.constantFrom(...FIELDS), { minLength: 1, maxLength: 3 })
  .chain((keys) => fc.tuple(...keys.map((key) => fc.tuple(fc.constant(key), wantedArb))))
  .map((pairs): Document => Object.fromEntries(pairs));

/** The document as the storage hands it to a matcher: decoded from its stored bytes. */
function stored(doc: Document): Document {
  return deserialize(serialize(doc));
}

function mingoMatcher(filter: Document) {
  const query = filterQuery(filter);
  return (doc: Document) => query.test(doc);
}

describe('equalityMatcher', () => {
  it('answers as mingo does for random documents and filters', () => {
    fc.assert(
      fc.property(filterArb, fc.array(documentArb, { maxLength: 6 }), (filter, docs) => {
        const fast = equalityMatcher(filter, () => mingoMatcher(filter));
        expect(fast).toBeDefined();
        const general = mingoMatcher(filter);
        for (const doc of docs.map(stored)) expect(fast!(doc)).toBe(general(doc));
      }),
      { numRuns: 500 },
    );
  });

  it('leaves every other filter form to the general matcher', () => {
    const general = () => () => true;
    for (const filter of [
      {},
      { 'a.b': 'x' },
      { $or: [{ a: 'x' }] },
      { a: { $eq: 'x' } },
      { a: 1 },
      { a: null },
      { a: new Date(0) },
      { a: ['x'] },
      { a: /x/ },
      JSON.parse('{"__proto__": "x"}') as Document,
      Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`f${i}`, 'x'])),
    ] as Document[]) {
      expect(equalityMatcher(filter, general), JSON.stringify(filter)).toBeUndefined();
    }
  });

  it('compiles the general matcher only for a document that needs it, and once', () => {
    let compiled = 0;
    const matcher = equalityMatcher({ status: 'active' }, () => {
      compiled += 1;
      return (doc) => Array.isArray(doc.status) && doc.status.includes('active');
    })!;
    expect(matcher({ status: 'active' })).toBe(true);
    expect(matcher({ status: 'open' })).toBe(false);
    expect(matcher({})).toBe(false);
    expect(compiled).toBe(0);
    expect(matcher({ status: ['open', 'active'] })).toBe(true);
    expect(matcher({ status: ['open'] })).toBe(false);
    expect(compiled).toBe(1);
  });

  it('decides false without the general matcher when any field is surely unequal', () => {
    const matcher = equalityMatcher({ status: 'active', orgId: IDS[0] }, () => {
      throw new Error('not needed');
    })!;
    expect(matcher({ status: ['active'], orgId: IDS[1] })).toBe(false);
    expect(matcher({ status: 'active', orgId: new ObjectId(IDS[0]!.toHexString()) })).toBe(true);
  });
});
