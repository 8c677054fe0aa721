/**
 * The equality fast path answers exactly what the general (mingo) matcher answers, for random
 * documents that hold every kind of value a field can hold: as the storage decodes them (whole
 * or partially, int64 as Long) and as handed in (a partial index judges the inserted document;
 * BSON symbols, Int32 wrappers and null prototypes survive only there).
 */
import {
  BSONSymbol,
  DBRef,
  Decimal128,
  Int32,
  Long,
  MinKey,
  ObjectId,
  serialize,
  Timestamp,
  type Document,
} from 'bson';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeStored } from '../storage/documents.js';
import { decodeFields, fieldSelector } from '../storage/partial-decode.js';
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
  fc.constantFrom(null, undefined),
  fc.integer({ min: -2, max: 2 }),
  fc.constantFrom(Long.fromNumber(1), new Decimal128('1'), new Int32(1), new Timestamp(1n)),
  fc.constant(new Date(0)),
  fc.constant(new BSONSymbol('active')),
  fc.constantFrom('64b000000000000000000001', 'true'),
  fc.constantFrom(/active/, new MinKey(), new DBRef('c', IDS[0]!)),
);

const fieldValue = fc.oneof(
  { weight: 5, arbitrary: scalar },
  { weight: 2, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.array(fc.array(scalar, { maxLength: 2 }), { maxLength: 2 }) },
  { weight: 1, arbitrary: fc.record({ x: scalar }, { requiredKeys: [] }) },
);

/** `constructor`: a name every plain object inherits; a document without it never matches. */
const FIELDS = ['status', 'orgId', 'flag', 'constructor'] as const;

const documentArb = fc.record(
  { status: fieldValue, orgId: fieldValue, flag: fieldValue, constructor: fieldValue },
  { requiredKeys: [] },
);

const filterArb = fc
  .uniqueArray(fc.constantFrom(...FIELDS), { minLength: 1, maxLength: 3 })
  .chain((keys) => fc.tuple(...keys.map((key) => fc.tuple(fc.constant(key), wantedArb))))
  .map((pairs): Document => Object.fromEntries(pairs));

/** The document as handed in, with a null prototype, and as the storage decodes its bytes. */
function forms(doc: Document, filter: Document): Document[] {
  const bytes = serialize(doc);
  return [
    doc,
    Object.assign(Object.create(null) as Document, doc),
    decodeStored(bytes),
    decodeFields(bytes, fieldSelector(Object.keys(filter))),
  ];
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
        for (const doc of docs.flatMap((d) => forms(d, filter))) {
          expect(fast!(doc)).toBe(general(doc));
        }
      }),
      { numRuns: 1000 },
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

  it('compares ObjectIds as the general matcher does, whichever bson build made them', () => {
    // Another build's ObjectId: its own equals() need not read this build's ObjectIds.
    const foreign = (id: ObjectId) => ({
      _bsontype: 'ObjectId',
      id: id.id,
      toHexString: () => id.toHexString(),
      equals: () => {
        throw new Error('not this build');
      },
    });
    for (const [wanted, field] of [
      [foreign(IDS[0]!), IDS[0]],
      [foreign(IDS[0]!), IDS[1]],
      [IDS[0], foreign(IDS[0]!)],
      [IDS[0], foreign(IDS[1]!)],
    ]) {
      const filter = { orgId: wanted } as Document;
      const doc = { orgId: field } as Document;
      const matcher = equalityMatcher(filter, () => {
        throw new Error('not needed');
      })!;
      expect(matcher(doc)).toBe(mingoMatcher(filter)(doc));
    }
  });
});
