import { MongoServerError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { useConformanceDb } from './conformance-db.js';

// https://www.mongodb.com/docs/manual/reference/limits/#mongodb-limit-Nested-Depth-for-BSON-Documents:
// "MongoDB supports no more than 100 levels of nesting for BSON documents" (mongod refuses to
// store more than 180 levels and to parse commands nested deeper than 200). A document nested
// 250 levels deep is refused by MongoDB and must not be stored.
const conformance = useConformanceDb('depth_limit');

function nested(depth: number): Record<string, unknown> {
  let doc: Record<string, unknown> = { leaf: 1 };
  for (let i = 0; i < depth; i++) doc = { n: doc };
  return doc;
}

describe('nesting depth limit', () => {
  it('an insert nested 250 levels deep is refused and nothing is stored', async () => {
    const coll = conformance.coll('deep');
    let error: unknown;
    try {
      await coll.insertOne({ _id: 1, d: nested(250) });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(MongoServerError);
    expect(await coll.countDocuments({ _id: 1 })).toBe(0);
  });

  it('an update that nests a field 250 levels deep is refused', async () => {
    const coll = conformance.coll('deep_update');
    await coll.insertOne({ _id: 1 });
    let error: unknown;
    try {
      await coll.updateOne({ _id: 1 }, { $set: { d: nested(250) } });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(MongoServerError);
    expect(await coll.findOne({ _id: 1 })).toEqual({ _id: 1 });
  });
});
