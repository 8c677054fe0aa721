import { ObjectId, type Document } from 'mongodb';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  agingBucket,
  agingPipeline,
  invoiceDocuments,
  issuedPipeline,
} from '../report-fixtures.js';
import { useConformanceDb } from './conformance-db.js';

// Report-style pipelines (the API's report.summary) over invoice-shaped documents, checked
// against answers computed in plain JavaScript. The embedded server decodes only the fields
// these pipelines read; the answers must not show it. Behaviour from
// https://www.mongodb.com/docs/manual/reference/operator/aggregation/group/ and /project/.
const conformance = useConformanceDb('report_pipelines');
const orgId = new ObjectId();
const otherOrg = new ObjectId();
const docs = [...invoiceDocuments(orgId, 400), ...invoiceDocuments(otherOrg, 50)];
const TODAY = '2026-01-15';

function invoices() {
  return conformance.db.collection('invoices');
}

beforeAll(async () => {
  await invoices().insertMany(docs.map((doc) => ({ ...doc })));
  await invoices().createIndexes([
    { key: { orgId: 1, status: 1, dueDate: 1 } },
    { key: { orgId: 1, issueDate: 1 } },
  ]);
});

function ours(): Document[] {
  return docs.filter((d) => (d.orgId as ObjectId).equals(orgId));
}

/** The first `n` of our invoices in `status`, in `_id` order (ObjectId order is hex order). */
function firstWithStatus(status: string, n: number): Document[] {
  const hex = (d: Document): string => (d._id as ObjectId).toHexString();
  return ours()
    .filter((d) => d.status === status)
    .sort((a, b) => hex(a).localeCompare(hex(b)))
    .slice(0, n);
}

describe('report.summary pipelines', () => {
  it('groups issued invoices by currency and month, sorted', async () => {
    const from = '2025-03-01';
    const to = '2026-02-28';
    const rows = await invoices()
      .aggregate(issuedPipeline(orgId, from, to))
      .toArray();
    const expected = new Map<string, { invoiced: number; paid: number }>();
    for (const d of ours()) {
      const issueDate = d.issueDate as string | null;
      if (!['open', 'paid', 'uncollectible'].includes(d.status as string)) continue;
      if (issueDate === null || issueDate < from || issueDate > to) continue;
      const key = `${d.currency as string}|${issueDate.slice(0, 7)}`;
      const row = expected.get(key) ?? { invoiced: 0, paid: 0 };
      row.invoiced += d.total as number;
      row.paid += d.amountPaid as number;
      expected.set(key, row);
    }
    const keys = [...expected.keys()].sort();
    expect(keys.length).toBeGreaterThan(10);
    expect(rows).toEqual(
      keys.map((key) => {
        const [currency, month] = key.split('|');
        return { _id: { currency, month }, ...expected.get(key) };
      }),
    );
  });

  it('buckets open invoices still owing by currency and age', async () => {
    const rows = await invoices().aggregate(agingPipeline(orgId, TODAY)).toArray();
    const expected = new Map<string, number>();
    for (const d of ours()) {
      if (d.status !== 'open' || !((d.amountDue as number) > 0)) continue;
      const key = `${d.currency as string}|${agingBucket(d.dueDate as string | null, TODAY)}`;
      expected.set(key, (expected.get(key) ?? 0) + (d.amountDue as number));
    }
    const byKey = new Map(
      rows.map((row) => {
        const id = row._id as { currency: string; bucket: string };
        return [`${id.currency}|${id.bucket}`, row.amount as number];
      }),
    );
    expect(new Set(byKey.keys()).size).toBe(rows.length);
    expect(byKey).toEqual(expected);
    expect([...expected.keys()].some((k) => k.endsWith('|current'))).toBe(true);
    expect([...expected.keys()].some((k) => k.endsWith('|days90plus'))).toBe(true);
  });
});

describe('stages that keep or replace whole documents', () => {
  it('$group with $$ROOT returns the complete documents', async () => {
    const [row] = await invoices()
      .aggregate([
        { $match: { orgId, status: 'paid' } },
        { $sort: { sequence: 1 } },
        { $limit: 2 },
        { $group: { _id: null, all: { $push: '$$ROOT' } } },
      ])
      .toArray();
    const expected = ours()
      .filter((d) => d.status === 'paid')
      .sort((a, b) => (a.sequence as number) - (b.sequence as number))
      .slice(0, 2);
    expect(row?.all).toEqual(expected);
  });

  it('an inclusion $project returns exactly the included and computed fields', async () => {
    const rows = await invoices()
      .aggregate([
        { $match: { orgId, status: 'open' } },
        { $sort: { _id: 1 } },
        { $limit: 3 },
        {
          $project: {
            currency: 1,
            'customerSnapshot.address.city': 1,
            lineCount: { $size: '$lines' },
          },
        },
      ])
      .toArray();
    const expected = firstWithStatus('open', 3).map((d) => ({
      _id: d._id as ObjectId,
      currency: d.currency as string,
      customerSnapshot: {
        address: { city: (d.customerSnapshot as { address: { city: string } }).address.city },
      },
      lineCount: (d.lines as unknown[]).length,
    }));
    expect(rows).toEqual(expected);
  });

  it('$addFields without a later replacement keeps every field', async () => {
    const rows = await invoices()
      .aggregate([
        { $match: { orgId, status: 'void' } },
        { $sort: { _id: 1 } },
        { $limit: 1 },
        { $addFields: { due: '$amountDue' } },
      ])
      .toArray();
    const expected = firstWithStatus('void', 1).map((d) => ({ ...d, due: d.amountDue as number }));
    expect(rows).toEqual(expected);
  });

  it('a transaction aggregates its own writes, and its update sees the whole document', async () => {
    const session = conformance.client.startSession();
    try {
      const target = ours().find((d) => d.status === 'open')!;
      await session.withTransaction(async () => {
        await invoices().updateOne(
          { _id: target._id as ObjectId },
          { $set: { amountDue: 1, currency: 'CHF' } },
          { session },
        );
        const [row] = await invoices()
          .aggregate(
            [
              { $match: { orgId, currency: 'CHF' } },
              { $group: { _id: '$currency', due: { $sum: '$amountDue' }, n: { $sum: 1 } } },
            ],
            { session },
          )
          .toArray();
        expect(row).toEqual({ _id: 'CHF', due: 1, n: 1 });
        await invoices().updateOne(
          { _id: target._id as ObjectId },
          { $inc: { amountDue: 1 } },
          { session },
        );
        await session.abortTransaction();
      });
      const after = await invoices().findOne({ _id: target._id as ObjectId });
      expect(after).toEqual(target);
    } finally {
      await session.endSession();
    }
  });
});
