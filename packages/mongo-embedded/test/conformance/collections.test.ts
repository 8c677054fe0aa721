import { type Document } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { indexNames, serverError, useConformanceDb } from './conformance-db.js';

// Behaviour from https://www.mongodb.com/docs/manual/reference/command/create/, /drop/,
// /dropDatabase/, /renameCollection/, /listCollections/ and /core/schema-validation/.
const conformance = useConformanceDb('collections');

async function collectionNames(): Promise<string[]> {
  const infos = await conformance.db.listCollections({}, { nameOnly: true }).toArray();
  return infos.map((info) => info.name).sort();
}

describe('create and listCollections', () => {
  it('createCollection makes an empty collection that listCollections shows', async () => {
    await conformance.db.createCollection('created');
    expect(await collectionNames()).toContain('created');
    expect(await conformance.coll('created').countDocuments()).toBe(0);
  });

  it('an insert creates the collection implicitly', async () => {
    await conformance.coll('implicit').insertOne({ a: 1 });
    expect(await collectionNames()).toContain('implicit');
  });

  it('listCollections returns type, options, info and idIndex', async () => {
    await conformance.db.createCollection('described');
    const [info] = await conformance.db.listCollections({ name: 'described' }).toArray();
    expect(info).toMatchObject({ name: 'described', type: 'collection', options: {} });
    const full = info as Document;
    expect((full.info as Document).readOnly).toBe(false);
    expect((full.idIndex as Document).key).toEqual({ _id: 1 });
  });

  it('listCollections filters by name and other fields', async () => {
    await conformance.db.createCollection('filter_a');
    await conformance.db.createCollection('filter_b');
    const byName = await conformance.db.listCollections({ name: 'filter_b' }).toArray();
    expect(byName.map((info) => info.name)).toEqual(['filter_b']);
    const byRegex = await conformance.db
      .listCollections({ name: { $regex: '^filter_' } }, { nameOnly: true })
      .toArray();
    expect(byRegex.map((info) => info.name).sort()).toEqual(['filter_a', 'filter_b']);
  });

  it('creating an existing collection with other options fails with NamespaceExists', async () => {
    await conformance.db.createCollection('exists');
    const error = await serverError(
      conformance.db.command({ create: 'exists', validator: { a: { $exists: true } } }),
    );
    expect(error.code).toBe(48);
    expect(error.codeName).toBe('NamespaceExists');
  });

  it('an invalid collection name is rejected with InvalidNamespace', async () => {
    const error = await serverError(conformance.db.command({ create: 'bad$name' }));
    expect(error.code).toBe(73);
  });
});

describe('schema validation', () => {
  it('a $jsonSchema validator rejects non-conforming inserts with DocumentValidationFailure', async () => {
    await conformance.db.createCollection('validated', {
      validator: {
        $jsonSchema: {
          bsonType: 'object',
          required: ['name', 'total'],
          properties: {
            name: { bsonType: 'string' },
            total: { bsonType: ['int', 'long', 'double', 'decimal'], minimum: 0 },
          },
        },
      },
    });
    const validated = conformance.coll('validated');
    await validated.insertOne({ name: 'ok', total: 5 });
    const missing = await serverError(validated.insertOne({ name: 'no total' }));
    expect(missing.code).toBe(121);
    const wrongType = await serverError(validated.insertOne({ name: 'x', total: 'five' }));
    expect(wrongType.code).toBe(121);
    const negative = await serverError(validated.insertOne({ name: 'x', total: -1 }));
    expect(negative.code).toBe(121);
    expect(await validated.countDocuments()).toBe(1);
  });

  it('the validator also guards updates', async () => {
    await conformance.db.createCollection('validated_update', {
      validator: { qty: { $gte: 0 } },
    });
    const coll = conformance.coll('validated_update');
    await coll.insertOne({ _id: 1, qty: 1 });
    const error = await serverError(coll.updateOne({ _id: 1 }, { $inc: { qty: -5 } }));
    expect(error.code).toBe(121);
    expect((await coll.findOne({ _id: 1 }))?.qty).toBe(1);
  });

  it('listCollections shows the validator in options', async () => {
    const [info] = await conformance.db.listCollections({ name: 'validated_update' }).toArray();
    expect((info as Document).options).toMatchObject({ validator: { qty: { $gte: 0 } } });
  });
});

describe('drop and dropDatabase', () => {
  it('drop removes the collection and its documents', async () => {
    const coll = conformance.coll('dropped');
    await coll.insertMany([{ a: 1 }, { a: 2 }]);
    expect(await coll.drop()).toBe(true);
    expect(await collectionNames()).not.toContain('dropped');
    expect(await coll.countDocuments()).toBe(0);
  });

  it('the raw drop reply names the namespace and index count', async () => {
    await conformance.coll('dropped_raw').createIndex({ a: 1 });
    const reply = await conformance.db.command({ drop: 'dropped_raw' });
    expect(reply.ok).toBe(1);
    expect(reply.ns).toBe(`${conformance.name}.dropped_raw`);
    expect(reply.nIndexesWas).toBe(2);
  });

  it('dropping a missing collection through the driver does not throw', async () => {
    await expect(conformance.db.dropCollection('never_existed')).resolves.toBeTypeOf('boolean');
  });

  it('dropDatabase removes every collection of the database', async () => {
    const other = conformance.client.db(`${conformance.name.slice(0, 50)}_x`);
    await other.collection('a').insertOne({ a: 1 });
    await other.collection('b').insertOne({ b: 1 });
    const reply = await other.command({ dropDatabase: 1 });
    expect(reply.ok).toBe(1);
    expect(await other.listCollections().toArray()).toEqual([]);
    const { databases } = await conformance.client.db().admin().listDatabases({ nameOnly: true });
    expect(databases.map((database) => database.name)).not.toContain(other.databaseName);
  });
});

describe('renameCollection', () => {
  it('moves documents and indexes to the new name', async () => {
    const source = conformance.coll('rename_src');
    await source.insertMany([{ a: 1 }, { a: 2 }]);
    await source.createIndex({ a: 1 });
    await source.rename('rename_dst');
    const names = await collectionNames();
    expect(names).toContain('rename_dst');
    expect(names).not.toContain('rename_src');
    const target = conformance.coll('rename_dst');
    expect(await target.countDocuments()).toBe(2);
    expect(await indexNames(target)).toEqual(['_id_', 'a_1']);
  });

  it('a missing source fails with NamespaceNotFound', async () => {
    const error = await serverError(
      conformance.client.db('admin').command({
        renameCollection: `${conformance.name}.no_such_source`,
        to: `${conformance.name}.anything`,
      }),
    );
    expect(error.code).toBe(26);
    expect(error.codeName).toBe('NamespaceNotFound');
  });

  it('an existing target fails with NamespaceExists unless dropTarget is set', async () => {
    await conformance.coll('rn_a').insertOne({ from: 'a' });
    await conformance.coll('rn_b').insertOne({ from: 'b' });
    const error = await serverError(conformance.coll('rn_a').rename('rn_b'));
    expect(error.code).toBe(48);
    await conformance.coll('rn_a').rename('rn_b', { dropTarget: true });
    const docs = await conformance
      .coll('rn_b')
      .find({}, { projection: { _id: 0 } })
      .toArray();
    expect(docs).toEqual([{ from: 'a' }]);
  });

  it('renameCollection must run against the admin database', async () => {
    await conformance.coll('rn_admin').insertOne({ a: 1 });
    const error = await serverError(
      conformance.db.command({
        renameCollection: `${conformance.name}.rn_admin`,
        to: `${conformance.name}.rn_admin2`,
      }),
    );
    expect(error.code).toBe(13);
  });
});
