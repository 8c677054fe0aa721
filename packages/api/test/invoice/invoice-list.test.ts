import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouterInputs, RouterOutputs } from '../../src/index.js';
import { createHarness, type Harness } from '../harness.js';
import { addCustomer, createDraft, expectCode, setupOrg, type OrgFixture } from './fixtures.js';

type ListInput = RouterInputs['invoice']['list'];
type Invoice = RouterOutputs['invoice']['byId'];

describe('invoice.list', () => {
  let h: Harness;
  let fx: OrgFixture;
  let globex: string;
  let initech: string;
  const all: Invoice[] = [];

  /** Every page of a listing, following nextCursor. */
  async function listAll(input: Omit<ListInput, 'orgId' | 'cursor'>): Promise<Invoice[]> {
    const items: Invoice[] = [];
    let cursor: string | null = null;
    for (let guard = 0; guard < 100; guard++) {
      const page: RouterOutputs['invoice']['list'] = await fx.view.invoice.list({
        orgId: fx.orgId,
        ...input,
        ...(cursor ? { cursor } : {}),
      });
      items.push(...page.items);
      cursor = page.nextCursor;
      if (cursor === null) return items;
    }
    throw new Error('pagination did not end');
  }

  beforeAll(async () => {
    h = await createHarness('invoice-list');
    fx = await setupOrg(h, { timezone: 'UTC' });
    globex = await addCustomer(h, fx.orgId, { name: 'Globex (EU) Ltd.' });
    initech = await addCustomer(h, fx.orgId, { name: 'Initech' });
    // Same clock for all: createdAt ties are broken by _id, which must keep pages stable.
    h.clock.set('2026-03-15T10:00:00Z');
    const plan: { customer: string; qty: number; issueDate?: string; dueDate?: string }[] = [
      { customer: globex, qty: 1, issueDate: '2026-01-10', dueDate: '2026-02-10' },
      { customer: globex, qty: 2, issueDate: '2026-02-10', dueDate: '2026-03-10' },
      { customer: initech, qty: 3, issueDate: '2026-03-01', dueDate: '2026-04-01' },
      { customer: initech, qty: 4, issueDate: '2026-03-05', dueDate: '2026-03-06' },
      { customer: globex, qty: 5 },
      { customer: initech, qty: 6 },
      { customer: globex, qty: 7, issueDate: '2026-03-02', dueDate: '2026-03-03' },
    ];
    for (const [i, p] of plan.entries()) {
      const draft = await createDraft(fx, p.customer, {
        lines: [{ description: `Item ${i}`, quantity: p.qty, unitPrice: 1000, taxRates: [] }],
        ...(p.issueDate ? { issueDate: p.issueDate } : {}),
        ...(p.dueDate ? { dueDate: p.dueDate } : {}),
      });
      all.push(
        p.issueDate ? await fx.acct.invoice.issue({ orgId: fx.orgId, invoiceId: draft.id }) : draft,
      );
    }
    // #6 paid, so it is not overdue although its due date has passed.
    await fx.acct.payment.record({
      orgId: fx.orgId,
      invoiceId: all[6]!.id,
      amount: all[6]!.total,
      date: '2026-03-15',
      method: 'cash',
    });
  });
  afterAll(() => h.close());

  const ids = (items: Invoice[]) => items.map((i) => i.id);

  it('pages in a stable newest-first order without repeats or gaps', async () => {
    const items = await listAll({ limit: 2 });
    expect(items).toHaveLength(all.length);
    expect(new Set(ids(items)).size).toBe(all.length);
    expect(ids(items)).toEqual(ids(all).reverse());
    const first = await fx.view.invoice.list({ orgId: fx.orgId, limit: 100 });
    expect(first.nextCursor).toBeNull();
  });

  it('sorts by issue date (drafts without one first ascending, last descending) and by total', async () => {
    const asc = await listAll({ sort: 'issueDate', direction: 'asc', limit: 3 });
    expect(asc.map((i) => i.issueDate)).toEqual([
      null,
      null,
      '2026-01-10',
      '2026-02-10',
      '2026-03-01',
      '2026-03-02',
      '2026-03-05',
    ]);
    const desc = await listAll({ sort: 'issueDate', direction: 'desc', limit: 2 });
    expect(desc.map((i) => i.issueDate)).toEqual([
      '2026-03-05',
      '2026-03-02',
      '2026-03-01',
      '2026-02-10',
      '2026-01-10',
      null,
      null,
    ]);
    const byTotal = await listAll({ sort: 'total', direction: 'desc', limit: 4 });
    expect(byTotal.map((i) => i.total)).toEqual([7000, 6000, 5000, 4000, 3000, 2000, 1000]);
  });

  it('filters by status, customer, issue-date range and overdue (org timezone, context clock)', async () => {
    expect(await listAll({ status: 'draft' })).toHaveLength(2);
    expect(await listAll({ status: ['paid', 'draft'] })).toHaveLength(3);
    expect(ids(await listAll({ customerId: initech })).sort()).toEqual(
      [all[2]!.id, all[3]!.id, all[5]!.id].sort(),
    );
    const range = await listAll({ issueDateFrom: '2026-02-01', issueDateTo: '2026-03-01' });
    expect(range.map((i) => i.issueDate).sort()).toEqual(['2026-02-10', '2026-03-01']);

    const overdue = await listAll({ overdue: true });
    expect(ids(overdue).sort()).toEqual([all[0]!.id, all[1]!.id, all[3]!.id].sort());
    expect(overdue.every((i) => i.overdue)).toBe(true);
    const notOverdue = await listAll({ overdue: false });
    expect(notOverdue).toHaveLength(all.length - 3);
    expect(notOverdue.some((i) => i.overdue)).toBe(false);
    // Time moves: on 2 April #2 (due 1 April) is overdue as well.
    h.clock.set('2026-04-02T00:00:00Z');
    expect(await listAll({ overdue: true })).toHaveLength(4);
    h.clock.set('2026-03-15T10:00:00Z');
  });

  it('searches by number prefix or customer name prefix, case-insensitive and escaped', async () => {
    const byNumber = await listAll({ search: all[2]!.number! });
    expect(ids(byNumber)).toEqual([all[2]!.id]);
    expect(await listAll({ search: 'inv-2026-0000' })).toHaveLength(5);
    expect(ids(await listAll({ search: 'initech' })).sort()).toEqual(
      [all[2]!.id, all[3]!.id, all[5]!.id].sort(),
    );
    expect(await listAll({ search: 'GLOBEX (EU)' })).toHaveLength(4);
    // Regex metacharacters match themselves only, and the match is anchored at the start.
    expect(await listAll({ search: 'Globex .EU' })).toHaveLength(0);
    expect(await listAll({ search: '.*' })).toHaveLength(0);
    expect(await listAll({ search: 'tech' })).toHaveLength(0);
  });

  it('refuses bad limits and cursors with BAD_REQUEST', async () => {
    await expectCode(fx.view.invoice.list({ orgId: fx.orgId, limit: 0 }), 'BAD_REQUEST');
    await expectCode(fx.view.invoice.list({ orgId: fx.orgId, limit: 101 }), 'BAD_REQUEST');
    await expectCode(fx.view.invoice.list({ orgId: fx.orgId, cursor: 'abc' }), 'BAD_REQUEST');
    const forged = Buffer.from(
      JSON.stringify({ s: 'createdAt', d: 'desc', k: { t: 'string', v: { $gt: '' } }, id: 'x' }),
    ).toString('base64url');
    await expectCode(fx.view.invoice.list({ orgId: fx.orgId, cursor: forged }), 'BAD_REQUEST');
    const page = await fx.view.invoice.list({ orgId: fx.orgId, limit: 1 });
    await expectCode(
      fx.view.invoice.list({ orgId: fx.orgId, sort: 'total', cursor: page.nextCursor! }),
      'BAD_REQUEST',
    );
  });

  it('never lists another organization’s invoices, even filtered by one of their customers', async () => {
    const other = await setupOrg(h);
    expect((await other.view.invoice.list({ orgId: other.orgId })).items).toEqual([]);
    const filtered = await other.view.invoice.list({ orgId: other.orgId, customerId: globex });
    expect(filtered).toEqual({ items: [], nextCursor: null });
  });
});
