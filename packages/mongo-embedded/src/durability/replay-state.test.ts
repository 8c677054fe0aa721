import { BSON, Decimal128, Double, Int32, Long, ObjectId } from 'bson';
import { describe, expect, it } from 'vitest';
import { keyString } from '../storage/key-string.js';
import { docIdKey, idKey } from './id-key.js';
import { toReplayOp } from './journal-codec.js';
import { RecoveredStateBuilder } from './replay-state.js';
import { plain, uuidOf } from './test-helpers.js';
import type { JournalOp } from '../storage/durability-contract.js';

function fold(ops: JournalOp[]): ReturnType<typeof plain> {
  const builder = new RecoveredStateBuilder();
  for (const op of ops) builder.apply(toReplayOp(op));
  return plain(builder.build());
}

describe('RecoveredStateBuilder', () => {
  it('puts replace by _id in place and dels remove', () => {
    const state = fold([
      { op: 'createCollection', ns: 'db.c', options: { capped: false }, uuid: uuidOf(1) },
      { op: 'put', ns: 'db.c', doc: { _id: 1, v: 'a' } },
      { op: 'put', ns: 'db.c', doc: { _id: 2, v: 'b' } },
      { op: 'put', ns: 'db.c', doc: { _id: 1, v: 'a2' } },
      { op: 'del', ns: 'db.c', id: 2 },
      { op: 'put', ns: 'db.c', doc: { _id: 3, v: 'c' } },
    ]);
    expect(state).toEqual([
      {
        ns: 'db.c',
        options: { capped: false },
        uuid: '00000000000000000000000000000001',
        indexes: [],
        docs: [
          { _id: 1, v: 'a2' },
          { _id: 3, v: 'c' },
        ],
      },
    ]);
  });

  it('renames keep uuid and docs, dropTarget replaces the target; dropDatabase drops only its db', () => {
    const state = fold([
      { op: 'createCollection', ns: 'a.x', options: {}, uuid: uuidOf(1) },
      { op: 'createCollection', ns: 'a.y', options: {}, uuid: uuidOf(2) },
      { op: 'createCollection', ns: 'ab.z', options: {}, uuid: uuidOf(3) },
      { op: 'put', ns: 'a.x', doc: { _id: 'k' } },
      { op: 'createIndex', ns: 'a.x', spec: { name: 'v_1', key: { v: 1 }, unique: true } },
      { op: 'renameCollection', from: 'a.x', to: 'b.x', dropTarget: false },
      { op: 'renameCollection', from: 'a.y', to: 'b.x', dropTarget: true },
      { op: 'createCollection', ns: 'a.w', options: {}, uuid: uuidOf(4) },
      { op: 'dropDatabase', db: 'a' },
    ]);
    expect(state.map((c) => [c.ns, c.uuid.slice(-2), c.docs.length, c.indexes.length])).toEqual([
      ['ab.z', '03', 0, 0],
      ['b.x', '02', 0, 0],
    ]);
  });

  it('createIndex replaces a spec of the same name; dropIndex removes it', () => {
    const state = fold([
      { op: 'createCollection', ns: 'd.c', options: {}, uuid: uuidOf(1) },
      { op: 'createIndex', ns: 'd.c', spec: { name: 'a_1', key: { a: 1 } } },
      { op: 'createIndex', ns: 'd.c', spec: { name: 'b_1', key: { b: 1 }, sparse: true } },
      { op: 'createIndex', ns: 'd.c', spec: { name: 'a_1', key: { a: 1 }, unique: true } },
      { op: 'dropIndex', ns: 'd.c', name: 'b_1' },
    ]);
    expect(state[0]?.indexes).toEqual([{ name: 'a_1', key: { a: 1 }, unique: true }]);
  });

  it('a put into a missing collection creates it and reports the anomaly', () => {
    const anomalies: string[] = [];
    const builder = new RecoveredStateBuilder((m) => anomalies.push(m));
    builder.apply(toReplayOp({ op: 'put', ns: 'd.new', doc: { _id: 1 } }));
    expect(plain(builder.build()).map((c) => c.ns)).toEqual(['d.new']);
    expect(anomalies).toHaveLength(1);
  });

  it('checkpoint documents are keyed only when the journal touches their collection', () => {
    const builder = new RecoveredStateBuilder();
    builder.loadCollection({ ns: 'd.c', options: {}, uuid: uuidOf(1), indexes: [] });
    for (const id of [1, 2, 3]) builder.loadDocument('d.c', BSON.serialize({ _id: id, v: 0 }));
    builder.apply(toReplayOp({ op: 'del', ns: 'd.c', id: 2 }));
    builder.apply(toReplayOp({ op: 'put', ns: 'd.c', doc: { _id: 1, v: 1 } }));
    expect(plain(builder.build())[0]?.docs).toEqual([
      { _id: 1, v: 1 },
      { _id: 3, v: 0 },
    ]);
  });
});

describe('idKey', () => {
  it('treats numerically equal _ids of any numeric type as one key, like MongoDB', () => {
    const keys = [1, new Int32(1), new Double(1), Long.fromNumber(1)].map((v) =>
      docIdKey(BSON.serialize({ _id: v })),
    );
    expect(new Set(keys).size).toBe(1);
    expect(idKey(1)).toBe(keys[0]);
  });

  it('reads common _id types from the bytes exactly as a full decode would', () => {
    const oid = new ObjectId();
    for (const id of [oid, 'héllo', -7, 2.5, { a: 1 }, null, true, new Date(5)]) {
      const bytes = BSON.serialize({ _id: id, other: 'x' });
      expect(docIdKey(bytes)).toBe(idKey(BSON.deserialize(bytes)._id));
    }
    expect(idKey('1')).not.toBe(idKey(1));
  });

  it("keys every _id as the storage engine does, so replay folds exactly the engine's equals", () => {
    const ids = [
      Decimal128.fromString('9007199254740993'),
      Long.fromString('9007199254740993'),
      Decimal128.fromString('9007199254740992'),
      { a: new Int32(1) },
      { a: new Double(1) },
    ];
    for (const id of ids) {
      expect(docIdKey(BSON.serialize({ _id: id }))).toBe(keyString(id));
      expect(idKey(id)).toBe(keyString(id));
    }
  });
});
