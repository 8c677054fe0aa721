import { deserialize, type Document } from 'bson';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Query } from 'mingo/query';
import { mingoOptions } from '../query/mingo-options.js';
import { runStages } from '../query/pipeline.js';
import { createStorageEngine, type Engine } from '../storage/index.js';
import type { Namespace, ReadPlan } from '../storage/contract.js';
import { RawDocument } from '../wire/raw-document.js';
import {
  joinFilter,
  localValues,
  PipelineExecutor,
  setPath,
  type ForeignSource,
} from './lookup.js';

const DB = 'app';
let engine: Engine;

beforeAll(async () => {
  engine = await createStorageEngine({ ttlMonitorIntervalMs: 0 });
  const invoices = Array.from({ length: 5000 }, (_, i) => ({
    _id: `i${i}`,
    orgId: `o${i % 10}`,
    number: i,
  }));
  await engine.write((unit) => {
    for (const doc of invoices) unit.insert({ db: DB, coll: 'invoices' }, doc);
    unit.insert({ db: DB, coll: 'organizations' }, { _id: 'o1', name: 'Acme' });
  });
  await engine.createIndexes({ db: DB, coll: 'invoices' }, [
    { name: 'orgId_1_number_1', key: { orgId: 1, number: 1 } },
  ]);
});

afterAll(async () => {
  await engine.close();
});

/** The command layer's view of the storage, recording every scan's plan. */
function recordingSource(): { source: ForeignSource; scans: { coll: string; plan: ReadPlan }[] } {
  const scans: { coll: string; plan: ReadPlan }[] = [];
  const source: ForeignSource = {
    db: DB,
    scan(ns: Namespace, request) {
      if (!engine.getCollection(ns)) {
        return {
          docs: [],
          plan: { stage: 'EOF', keysExamined: 0, docsExamined: 0, sortCovered: true },
        };
      }
      const result = engine.scan(ns, request);
      scans.push({ coll: ns.coll, plan: result.plan });
      return result;
    },
  };
  return { source, scans };
}

const memberships = [
  { _id: 'm1', orgId: 'o1', uid: 'u1' },
  { _id: 'm2', orgId: 'o2', uid: 'u1' },
  { _id: 'm3', orgId: 'o1', uid: 'u2' },
];

describe('$lookup through the storage planner', () => {
  it('an uncorrelated {_id} lookup into 5 000 documents examines one document, once', () => {
    const { source, scans } = recordingSource();
    const out = new PipelineExecutor(source, undefined).run(memberships, [
      {
        $lookup: {
          from: 'invoices',
          pipeline: [{ $match: { _id: 'i42', orgId: 'o2' } }, { $limit: 1 }],
          as: 'subject',
        },
      },
    ]);
    expect(out.map((doc) => doc.subject as unknown)).toEqual([
      [{ _id: 'i42', orgId: 'o2', number: 42 }],
      [{ _id: 'i42', orgId: 'o2', number: 42 }],
      [{ _id: 'i42', orgId: 'o2', number: 42 }],
    ]);
    expect(scans.map((s) => [s.coll, s.plan.indexName, s.plan.docsExamined])).toEqual([
      ['invoices', '_id_', 1],
    ]);
  });

  it('each copy of a reused answer is independent', () => {
    const { source } = recordingSource();
    const out = new PipelineExecutor(source, undefined).run(memberships, [
      { $lookup: { from: 'organizations', pipeline: [], as: 'org' } },
    ]);
    expect(out[0]!.org).toEqual(out[1]!.org);
    expect(out[0]!.org).not.toBe(out[1]!.org);
    expect((out[0]!.org as Document[])[0]).not.toBe((out[1]!.org as Document[])[0]);
  });

  it('an equality lookup on an indexed field examines only the matching documents', () => {
    const { source, scans } = recordingSource();
    const out = new PipelineExecutor(source, undefined).run(
      [{ _id: 'x', org: 'o3' }],
      [
        { $lookup: { from: 'invoices', localField: 'org', foreignField: 'orgId', as: 'inv' } },
        { $project: { n: { $size: '$inv' } } },
      ],
    );
    expect(out).toEqual([{ _id: 'x', n: 500 }]);
    expect(scans.map((s) => [s.coll, s.plan.indexName, s.plan.docsExamined])).toEqual([
      ['invoices', 'orgId_1_number_1', 500],
    ]);
  });

  it('the concise form puts the join and the leading $match into one indexed scan', () => {
    const { source, scans } = recordingSource();
    const out = new PipelineExecutor(source, undefined).run(memberships.slice(0, 2), [
      {
        $lookup: {
          from: 'invoices',
          localField: 'orgId',
          foreignField: 'orgId',
          pipeline: [{ $match: { number: { $lt: 30 } } }, { $project: { _id: 1 } }],
          as: 'first',
        },
      },
    ]);
    expect(out.map((doc) => doc.first as unknown)).toEqual([
      [{ _id: 'i1' }, { _id: 'i11' }, { _id: 'i21' }],
      [{ _id: 'i2' }, { _id: 'i12' }, { _id: 'i22' }],
    ]);
    expect(scans.map((s) => [s.plan.indexName, s.plan.docsExamined])).toEqual([
      ['orgId_1_number_1', 3],
      ['orgId_1_number_1', 3],
    ]);
  });

  it('input documents with the same local value share one foreign query', () => {
    const { source, scans } = recordingSource();
    new PipelineExecutor(source, undefined).run(memberships, [
      { $lookup: { from: 'organizations', localField: 'orgId', foreignField: '_id', as: 'o' } },
    ]);
    // m1 and m3 both join o1.
    expect(scans).toHaveLength(2);
  });

  it('without an index, decodes the foreign collection once and joins in memory', () => {
    const { source, scans } = recordingSource();
    const local = Array.from({ length: 50 }, (_, i) => ({ _id: i, n: i }));
    const out = new PipelineExecutor(source, undefined).run(local, [
      { $lookup: { from: 'invoices', localField: 'n', foreignField: 'number', as: 'inv' } },
    ]);
    expect(out.map((doc) => (doc.inv as Document[]).map((d) => d._id as unknown))).toEqual(
      local.map((doc) => [`i${doc.n}`]),
    );
    // The first probe found no index; one full decode served the other 49.
    expect(scans.map((s) => [s.plan.stage, s.plan.docsExamined])).toEqual([
      ['COLLSCAN', 5000],
      ['COLLSCAN', 5000],
    ]);
  });

  it('one input document joined without an index costs one scan', () => {
    const { source, scans } = recordingSource();
    const out = new PipelineExecutor(source, undefined).run(
      [{ _id: 1, n: 7 }],
      [{ $lookup: { from: 'invoices', localField: 'n', foreignField: 'number', as: 'inv' } }],
    );
    expect((out[0]!.inv as Document[]).map((d) => d._id as unknown)).toEqual(['i7']);
    expect(scans).toHaveLength(1);
  });

  it("keeps $match stages that use the command's let variables out of the storage filter", () => {
    const { source, scans } = recordingSource();
    const out = new PipelineExecutor(source, { wanted: 'i9' }).run(memberships.slice(0, 1), [
      {
        $lookup: {
          from: 'invoices',
          pipeline: [
            { $match: { orgId: 'o9' } },
            { $match: { $expr: { $eq: ['$_id', '$$wanted'] } } },
            { $project: { _id: 1 } },
          ],
          as: 'inv',
        },
      },
    ]);
    expect(out[0]!.inv).toEqual([{ _id: 'i9' }]);
    expect(scans.map((s) => [s.plan.indexName, s.plan.docsExamined])).toEqual([
      ['orgId_1_number_1', 500],
    ]);
  });

  it('a let lookup whose $match needs the variables decodes the collection once per command', () => {
    const { source, scans } = recordingSource();
    const out = new PipelineExecutor(source, undefined).run(
      [
        { _id: 'a', want: 'i7' },
        { _id: 'b', want: 'i8' },
      ],
      [
        {
          $lookup: {
            from: 'invoices',
            let: { id: '$want' },
            pipeline: [{ $match: { $expr: { $eq: ['$_id', '$$id'] } } }],
            as: 'inv',
          },
        },
        { $project: { inv: '$inv._id' } },
      ],
    );
    expect(out).toEqual([
      { _id: 'a', inv: ['i7'] },
      { _id: 'b', inv: ['i8'] },
    ]);
    expect(scans.map((s) => s.plan.docsExamined)).toEqual([5000]);
  });

  it('a let lookup pushes its variable-free leading $match to the index, per input document', () => {
    const { source, scans } = recordingSource();
    const out = new PipelineExecutor(source, undefined).run(
      [
        { _id: 'a', org: 'o3', below: 30 },
        { _id: 'b', org: 'o4', below: 20 },
      ],
      [
        {
          $lookup: {
            from: 'invoices',
            localField: 'org',
            foreignField: 'orgId',
            let: { below: '$below' },
            pipeline: [
              { $match: { $expr: { $lt: ['$number', '$$below'] } } },
              { $project: { _id: 1 } },
            ],
            as: 'inv',
          },
        },
      ],
    );
    expect(out.map((doc) => doc.inv as unknown)).toEqual([
      [{ _id: 'i3' }, { _id: 'i13' }, { _id: 'i23' }],
      [{ _id: 'i4' }, { _id: 'i14' }],
    ]);
    expect(scans.map((s) => [s.plan.indexName, s.plan.docsExamined])).toEqual([
      ['orgId_1_number_1', 500],
      ['orgId_1_number_1', 500],
    ]);
  });
});

/** Dotted paths of the arrays in `doc` that hold RawDocuments. */
function rawPaths(doc: Document, prefix = ''): string[] {
  return Object.entries(doc).flatMap(([key, value]) => {
    if (Array.isArray(value)) {
      return value.some((item) => item instanceof RawDocument) ? [prefix + key] : [];
    }
    return value !== null && typeof value === 'object' && !(value instanceof RawDocument)
      ? rawPaths(value as Document, `${prefix}${key}.`)
      : [];
  });
}

describe('$lookup results sent as stored bytes (sendsResults)', () => {
  const access: Document[] = [
    { $lookup: { from: 'organizations', pipeline: [{ $match: { _id: 'o1' } }], as: 'org' } },
    {
      $lookup: {
        from: 'invoices',
        pipeline: [{ $match: { _id: 'i42', orgId: 'o2' } }, { $limit: 1 }],
        as: 'subject',
      },
    },
  ];

  it('trailing $lookups that only filter and limit join RawDocuments of the stored bytes', () => {
    const { source } = recordingSource();
    const executor = new PipelineExecutor(source, undefined);
    const out = executor.run(memberships.slice(0, 2), access, undefined, true);
    expect(executor.joinedRaw).toBe(true);
    for (const row of out) {
      const [org] = row.org as unknown[];
      const [subject] = row.subject as unknown[];
      expect(org).toBeInstanceOf(RawDocument);
      expect(deserialize((org as RawDocument).bytes)).toEqual({ _id: 'o1', name: 'Acme' });
      expect(deserialize((subject as RawDocument).bytes)).toEqual({
        _id: 'i42',
        orgId: 'o2',
        number: 42,
      });
    }
  });

  it('decodes joined documents that a later stage reads, or that the caller reads', () => {
    const org = access[0]!;
    const subject = access[1]!;
    const orgsBy = (localField: string, as: string): Document => ({
      $lookup: { from: 'organizations', localField, foreignField: '_id', as },
    });
    const cases: {
      stages: Document[];
      sendsResults: boolean;
      raw: string[];
      again?: Document[];
    }[] = [
      { stages: access, sendsResults: false, raw: [] },
      { stages: [...access, { $project: { org: 1, subject: 1 } }], sendsResults: true, raw: [] },
      // A later $lookup reads org._id: org is decoded, subject still goes as bytes.
      { stages: [...access, orgsBy('org._id', 'x')], sendsResults: true, raw: ['subject', 'x'] },
      // A later $lookup writes inside subject.
      {
        stages: [
          org,
          subject,
          { $lookup: { from: 'organizations', pipeline: [], as: 'subject.more' } },
        ],
        sendsResults: true,
        raw: ['org', 'subject.more'],
      },
      // A later $lookup with let (which may read any field): nothing before it goes as bytes.
      {
        stages: [
          ...access,
          {
            $lookup: {
              from: 'organizations',
              let: { ids: '$org._id' },
              pipeline: [{ $match: { $expr: { $in: ['$_id', '$$ids'] } } }],
              as: 'again',
            },
          },
        ],
        sendsResults: true,
        raw: [],
        again: [{ _id: 'o1', name: 'Acme' }],
      },
      // A later $lookup reads a path above the earlier `as` (org.all inside org).
      {
        stages: [
          { $lookup: { from: 'organizations', pipeline: [], as: 'org.all' } },
          orgsBy('org', 'x'),
          orgsBy('orgId', 'y'),
        ],
        sendsResults: true,
        raw: ['y'],
      },
      // A sub-pipeline the storage cannot finish alone (a sort, a projection).
      {
        stages: [
          {
            $lookup: {
              from: 'invoices',
              pipeline: [{ $sort: { number: -1 } }, { $limit: 1 }],
              as: 'last',
            },
          },
          { $lookup: { from: 'organizations', pipeline: [{ $project: { name: 1 } }], as: 'o' } },
        ],
        sendsResults: true,
        raw: [],
      },
    ];
    for (const { stages, sendsResults, raw, again } of cases) {
      const { source } = recordingSource();
      const executor = new PipelineExecutor(source, undefined);
      const [row] = executor.run(memberships.slice(0, 1), stages, undefined, sendsResults);
      const rawFields = rawPaths(row!);
      expect(rawFields, JSON.stringify(stages)).toEqual(raw);
      if (again) expect(row!.again).toEqual(again);
    }
  });
});

describe('MongoDB equality-match building blocks', () => {
  it('collects local values along a path like MongoDB', () => {
    expect(localValues({ a: [1, [2, 3], null] }, ['a'])).toEqual([1, [2, 3], null]);
    expect(localValues({ a: [{ x: 1 }, { y: 2 }, { x: [3, 4] }] }, ['a', 'x'])).toEqual([1, 3, 4]);
    expect(localValues({ a: [{ x: 1 }, { x: 2 }] }, ['a', '1', 'x'])).toEqual([2]);
    expect(localValues({ a: { x: 1 } }, ['a', '0', 'x'])).toEqual([]);
    expect(localValues({ a: [1, 2] }, ['a', 'x'])).toEqual([]);
    expect(localValues({}, ['a'])).toEqual([]);
  });

  it('builds $eq, $in, or $or of $eq when a value is a regex', () => {
    expect(joinFilter('f', [])).toEqual({ f: { $eq: null } });
    expect(joinFilter('f', [[1, 2]])).toEqual({ f: { $eq: [1, 2] } });
    expect(joinFilter('f', [1, 2])).toEqual({ f: { $in: [1, 2] } });
    expect(joinFilter('f', [/a/, 'a'])).toEqual({
      $or: [{ f: { $eq: /a/ } }, { f: { $eq: 'a' } }],
    });
  });

  it('sets "as" paths without mutating the input', () => {
    const input = { a: 1, b: { c: 2 } };
    expect(setPath(input, ['b', 'd'], [])).toEqual({ a: 1, b: { c: 2, d: [] } });
    expect(setPath(input, ['a', 'x'], [])).toEqual({ a: { x: [] }, b: { c: 2 } });
    expect(input).toEqual({ a: 1, b: { c: 2 } });
    const proto = setPath({}, ['__proto__'], [1]);
    expect(Object.keys(proto)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
  });
});

describe('agrees with the general (mingo) implementation', () => {
  // Scalars compare the same in MongoDB and mingo; arrays and embedded documents exercise
  // element matching and dotted paths on both sides.
  const scalar = fc.constantFrom<unknown>(0, 1, 2, 'a', 'b', null);
  const field = fc.oneof(
    scalar,
    fc.array(scalar, { maxLength: 3 }),
    fc.record({ x: scalar }, { requiredKeys: [] }).map((doc) => ({ ...doc })),
  );
  const docs = (maxLength: number) =>
    fc.array(fc.record({ k: field }, { requiredKeys: [] }), { maxLength });
  let run = 0;

  it('for localField/foreignField lookups, with and without an index', async () => {
    await fc.assert(
      fc.asyncProperty(
        docs(8),
        docs(60),
        fc.constantFrom('k', 'k.x'),
        fc.constantFrom('k', 'k.x'),
        fc.boolean(),
        async (local, foreign, localField, foreignField, indexed) => {
          const ns = { db: DB, coll: `prop_${run++}` };
          const input = local.map((doc, i) => ({ _id: i, ...doc }));
          await engine.write((unit) => {
            foreign.forEach((doc, i) => unit.insert(ns, { _id: i, ...doc }));
          });
          if (indexed) {
            await engine.createIndexes(ns, [{ name: 'f', key: { [foreignField]: 1 } }]);
          }
          const stages = [{ $lookup: { from: ns.coll, localField, foreignField, as: 'j' } }];
          const { source } = recordingSource();
          const ours = new PipelineExecutor(source, undefined).run(input, stages);
          const general = runStages(
            input,
            stages,
            (name) => source.scan({ db: DB, coll: name }, { filter: {} }).docs,
            undefined,
          );
          // mingo answers an array local value without matches with [undefined], and lists a
          // foreign document once per equal element of its array field; MongoDB gives [] and
          // each document once. The reference drops those artefacts.
          const ids = (out: Document[]) =>
            out.map((doc) =>
              [
                ...new Set(
                  (doc.j as (Document | undefined)[]).flatMap((d) =>
                    d === undefined ? [] : [d._id as number],
                  ),
                ),
              ].sort((a, b) => a - b),
            );
          // Where the local path holds no value (missing, [], or an array without documents
          // under a dotted path) MongoDB joins as if it were null; mingo does not. There the
          // reference is the foreign documents whose field is null or missing.
          const all = source.scan(ns, { filter: {} }).docs;
          const nullMatch = new Query({ [foreignField]: null }, mingoOptions());
          const nullIds = all
            .filter((doc) => nullMatch.test(doc))
            .map((doc) => doc._id as number)
            .sort((a, b) => a - b);
          const path = localField.split('.');
          const expected = ids(general).map((joined, i) =>
            localValues(input[i]!, path).length === 0 ? nullIds : joined,
          );
          expect(ids(ours)).toEqual(expected);
          await engine.dropCollection(ns);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('the concise form equals the equality match filtered afterwards, whatever the indexes', async () => {
    const index = fc.constantFrom<Document | undefined>(
      undefined,
      { k: 1 },
      { v: 1 },
      { k: 1, v: 1 },
    );
    await fc.assert(
      fc.asyncProperty(
        docs(6),
        fc.array(
          fc.record({ k: field, v: fc.integer({ min: 0, max: 5 }) }, { requiredKeys: ['v'] }),
          { maxLength: 50 },
        ),
        fc.integer({ min: 0, max: 6 }),
        index,
        async (local, foreign, threshold, key) => {
          const ns = { db: DB, coll: `concise_${run++}` };
          const input = local.map((doc, i) => ({ _id: i, ...doc }));
          await engine.write((unit) => {
            foreign.forEach((doc, i) => unit.insert(ns, { _id: i, ...doc }));
          });
          if (key) await engine.createIndexes(ns, [{ name: 'i', key }]);
          const { source } = recordingSource();
          const executor = new PipelineExecutor(source, undefined);
          const join = { from: ns.coll, localField: 'k', foreignField: 'k', as: 'j' };
          const concise = executor.run(input, [
            { $lookup: { ...join, pipeline: [{ $match: { v: { $gte: threshold } } }] } },
          ]);
          const filtered = executor.run(input, [{ $lookup: join }]).map((doc) => ({
            ...doc,
            j: (doc.j as Document[]).filter((d) => (d.v as number) >= threshold),
          }));
          expect(concise).toEqual(filtered);
          await engine.dropCollection(ns);
        },
      ),
      { numRuns: 120 },
    );
  });
});
