import type { InvoiceDoc } from '@invoice/db';
import type { CurrencySummary, ReportSummary } from '@invoice/validators';
import { MAX_AMOUNT } from '@invoice/validators';
import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './harness.js';
import { seedOrg, type SeededOrg } from './support/fixtures.js';

/**
 * report.summary against totals recomputed here, independently, from the stored documents:
 * payments and credit notes are summed from their own collections (not the invoice's cached
 * amounts), months and "today" come from a separate Intl formatter applied to the issue
 * instant. Two organizations in timezones on either side of the date line, two currencies
 * each, invoices issued minutes from midnight at month ends.
 */
const DAY_MS = 86_400_000;

function dateIn(instant: Date, timeZone: string): string {
  // en-CA prints YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(instant);
}

function epochDay(date: string): number {
  return (
    Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) /
    DAY_MS
  );
}

async function expectedSummary(
  h: Harness,
  org: SeededOrg,
  timezone: string,
  range: { from?: string; to?: string } = {},
): Promise<ReportSummary> {
  const today = dateIn(h.clock.now(), timezone);
  const invoices = await h.db.collections.invoices.find({ orgId: org.oid }).toArray();
  const payments = await h.db.collections.payments.find({ orgId: org.oid }).toArray();
  const notes = await h.db.collections.creditNotes.find({ orgId: org.oid }).toArray();
  const paidOn = (invoice: InvoiceDoc) =>
    payments
      .filter((p) => p.invoiceId.equals(invoice._id) && p.status !== 'voided')
      .reduce((sum, p) => sum + p.amount, 0);
  const creditedOn = (invoice: InvoiceDoc) =>
    notes.filter((n) => n.invoiceId.equals(invoice._id)).reduce((sum, n) => sum + n.total, 0);

  const byCurrency = new Map<string, CurrencySummary>();
  const get = (currency: string) => {
    let s = byCurrency.get(currency);
    if (!s) {
      s = {
        currency: currency as CurrencySummary['currency'],
        invoiced: 0,
        paid: 0,
        outstanding: 0,
        overdue: 0,
        aging: { current: 0, days1to30: 0, days31to60: 0, days61to90: 0, days90plus: 0 },
        revenueByMonth: [],
      };
      byCurrency.set(currency, s);
    }
    return s;
  };
  for (const invoice of invoices) {
    if (!['open', 'paid', 'uncollectible'].includes(invoice.status)) continue;
    if (!invoice.issuedAt) throw new Error('issued invoice without issuedAt');
    const issued = dateIn(invoice.issuedAt, timezone);
    const inRange =
      (range.from === undefined || issued >= range.from) &&
      (range.to === undefined || issued <= range.to);
    const s = get(invoice.currency);
    if (inRange) {
      s.invoiced += invoice.total;
      s.paid += paidOn(invoice);
      const month = issued.slice(0, 7);
      const row = s.revenueByMonth.find((r) => r.month === month);
      if (row) row.invoiced += invoice.total;
      else s.revenueByMonth.push({ month, invoiced: invoice.total });
    }
    const due = invoice.total - paidOn(invoice) - creditedOn(invoice);
    if (invoice.status !== 'open' || due <= 0) continue;
    const late = invoice.dueDate === null ? 0 : epochDay(today) - epochDay(invoice.dueDate);
    s.outstanding += due;
    if (late > 0) s.overdue += due;
    const bucket =
      late <= 0
        ? 'current'
        : late <= 30
          ? 'days1to30'
          : late <= 60
            ? 'days31to60'
            : late <= 90
              ? 'days61to90'
              : 'days90plus';
    s.aging[bucket] += due;
  }
  const currencies = [...byCurrency.values()]
    .filter((s) => s.invoiced > 0 || s.outstanding > 0)
    .sort((a, b) => (a.currency < b.currency ? -1 : 1));
  for (const s of currencies) s.revenueByMonth.sort((a, b) => (a.month < b.month ? -1 : 1));
  return { asOf: today, timezone, currencies };
}

interface Plan {
  at: string;
  currency: 'EUR' | 'USD' | 'JPY';
  unitPrice: number;
  quantity?: number;
  taxRates?: number[];
  then?: (invoiceId: string) => Promise<void>;
}

describe('report.summary', () => {
  let h: Harness;
  let nz: SeededOrg;
  let la: SeededOrg;
  const NZ = 'Pacific/Auckland';
  const LA = 'America/Los_Angeles';

  async function issueAll(org: SeededOrg, plans: Plan[]): Promise<void> {
    const acc = h.caller(org.users.accountant);
    const customer = await acc.customer.create({ orgId: org.orgId, name: 'Buyer' });
    for (const plan of plans) {
      h.clock.set(plan.at);
      const draft = await acc.invoice.create({
        orgId: org.orgId,
        customerId: customer.id,
        currency: plan.currency,
        lines: [
          {
            description: 'Work',
            quantity: plan.quantity ?? 1,
            unitPrice: plan.unitPrice,
            taxRates: plan.taxRates ?? [],
          },
        ],
      });
      await acc.invoice.issue({ orgId: org.orgId, invoiceId: draft.id });
      if (plan.then) await plan.then(draft.id);
    }
    // A draft is not invoiced.
    await acc.invoice.create({
      orgId: org.orgId,
      customerId: customer.id,
      currency: 'EUR',
      lines: [{ description: 'Draft', quantity: 1, unitPrice: 999_999 }],
    });
  }

  beforeAll(async () => {
    h = await createHarness('report');
    nz = await seedOrg(h, { name: 'Kiwi', currency: 'EUR', timezone: NZ });
    la = await seedOrg(h, { name: 'Angeleno', currency: 'USD', timezone: LA });
    const pay = (org: SeededOrg, amount: number, date: string) => async (invoiceId: string) => {
      await h.caller(org.users.accountant).payment.record({
        orgId: org.orgId,
        invoiceId,
        amount,
        date,
        method: 'bank_transfer',
      });
    };
    await issueAll(nz, [
      // 2026-01-31 11:30 UTC is already 1 February 00:30 in Auckland (NZDT, UTC+13).
      { at: '2026-01-31T11:30:00Z', currency: 'EUR', unitPrice: 12_345, taxRates: [1500] },
      {
        at: '2026-01-31T10:30:00Z',
        currency: 'EUR',
        unitPrice: 10_000,
        then: pay(nz, 4_000, '2026-02-10'),
      },
      { at: '2025-12-01T09:00:00Z', currency: 'JPY', unitPrice: 50_000, quantity: 3 },
      { at: '2026-02-28T10:59:00Z', currency: 'JPY', unitPrice: 7_777, taxRates: [1000] },
      {
        at: '2026-03-10T02:00:00Z',
        currency: 'EUR',
        unitPrice: 2_000,
        then: pay(nz, 2_000, '2026-03-11'),
      },
      {
        at: '2026-03-20T02:00:00Z',
        currency: 'EUR',
        unitPrice: 5_000,
        then: async (invoiceId) => {
          await h.caller(nz.users.accountant).invoice.void({ orgId: nz.orgId, invoiceId });
        },
      },
      {
        at: '2026-04-29T02:00:00Z',
        currency: 'EUR',
        unitPrice: 8_000,
        then: async (invoiceId) => {
          await h.caller(nz.users.accountant).creditNote.create({
            orgId: nz.orgId,
            invoiceId,
            amount: 1_500,
            reason: 'Discount agreed',
          });
        },
      },
    ]);
    await issueAll(la, [
      // 2026-03-01 07:30 UTC is still 28 February 23:30 in Los Angeles (PST, UTC-8).
      { at: '2026-03-01T07:30:00Z', currency: 'USD', unitPrice: 9_999, taxRates: [825] },
      { at: '2026-03-01T08:30:00Z', currency: 'USD', unitPrice: 1_000 },
      {
        at: '2026-01-05T20:00:00Z',
        currency: 'USD',
        unitPrice: 30_000,
        then: async (invoiceId) => {
          const acc = h.caller(la.users.accountant);
          const payment = await acc.payment.record({
            orgId: la.orgId,
            invoiceId,
            amount: 10_000,
            date: '2026-01-06',
            method: 'card',
          });
          await acc.payment.void({ orgId: la.orgId, paymentId: payment.id });
          await acc.payment.record({
            orgId: la.orgId,
            invoiceId,
            amount: 5_000,
            date: '2026-01-07',
            method: 'card',
          });
        },
      },
      {
        at: '2025-11-15T20:00:00Z',
        currency: 'EUR',
        unitPrice: 4_200,
        then: async (invoiceId) => {
          await h.caller(la.users.accountant).invoice.markUncollectible({
            orgId: la.orgId,
            invoiceId,
          });
        },
      },
      { at: '2025-10-01T20:00:00Z', currency: 'EUR', unitPrice: 6_100 },
      { at: '2026-04-30T06:59:00Z', currency: 'EUR', unitPrice: 3_300 },
    ]);
    // 12:30 UTC: 1 May 00:30 in Auckland (NZST, UTC+12) but 30 April 05:30 in Los Angeles.
    h.clock.set('2026-04-30T12:30:00Z');
  });
  afterAll(() => h.close());

  it('matches the independent recomputation in Auckland (two currencies)', async () => {
    const summary = await h.caller(nz.users.viewer).report.summary({ orgId: nz.orgId });
    expect(summary.asOf).toBe('2026-05-01');
    expect(summary).toEqual(await expectedSummary(h, nz, NZ));
    expect(summary.currencies.map((c) => c.currency)).toEqual(['EUR', 'JPY']);
    const eur = summary.currencies[0];
    // The 11:30 UTC invoice of 31 January counts in February in Auckland, the 10:30 one in January.
    expect(eur?.revenueByMonth.map((r) => r.month)).toEqual([
      '2026-01',
      '2026-02',
      '2026-03',
      '2026-04',
    ]);
  });

  it('matches the independent recomputation in Los Angeles (two currencies)', async () => {
    const summary = await h.caller(la.users.viewer).report.summary({ orgId: la.orgId });
    expect(summary.asOf).toBe('2026-04-30');
    expect(summary).toEqual(await expectedSummary(h, la, LA));
    const usd = summary.currencies.find((c) => c.currency === 'USD');
    // 07:30 UTC on 1 March is still February in Los Angeles; 08:30 is March.
    expect(usd?.revenueByMonth.map((r) => r.month)).toEqual(['2026-01', '2026-02', '2026-03']);
    // The voided payment is not counted: only the 5 000 one.
    expect(usd?.paid).toBe(5_000);
  });

  it('keeps each sum consistent: outstanding is the aging total, overdue the non-current part', async () => {
    for (const org of [nz, la]) {
      const summary = await h.caller(org.users.viewer).report.summary({ orgId: org.orgId });
      for (const c of summary.currencies) {
        const aging = Object.values(c.aging).reduce((a, b) => a + b, 0);
        expect(c.outstanding).toBe(aging);
        expect(c.overdue).toBe(aging - c.aging.current);
        expect(c.revenueByMonth.reduce((a, r) => a + r.invoiced, 0)).toBe(c.invoiced);
      }
    }
  });

  it('limits invoiced, paid and revenue to the issue-date range, not the receivables', async () => {
    const range = { from: '2026-02-01', to: '2026-03-31' };
    for (const [org, tz] of [
      [nz, NZ],
      [la, LA],
    ] as const) {
      const summary = await h
        .caller(org.users.viewer)
        .report.summary({ orgId: org.orgId, ...range });
      expect(summary).toEqual(await expectedSummary(h, org, tz, range));
    }
  });

  it('moves invoices through the aging buckets as the org-local date advances', async () => {
    const at = async (instant: string) => {
      h.clock.set(instant);
      const s = await h.caller(la.users.viewer).report.summary({ orgId: la.orgId });
      expect(s).toEqual(await expectedSummary(h, la, LA));
      return s;
    };
    const early = await at('2026-02-01T00:00:00Z');
    const late = await at('2026-09-01T00:00:00Z');
    const eurEarly = early.currencies.find((c) => c.currency === 'EUR');
    const eurLate = late.currencies.find((c) => c.currency === 'EUR');
    expect(eurLate?.aging.days90plus).toBeGreaterThan(eurEarly?.aging.days90plus ?? 0);
    h.clock.set('2026-04-30T12:30:00Z');
  });

  it('refuses sums past 2^53 minor units with the reason instead of a rounded figure or a 500', async () => {
    h.clock.set('2026-04-30T12:30:00Z');
    const big = await seedOrg(h, { name: 'Zaibatsu', currency: 'JPY', timezone: 'Asia/Tokyo' });
    const acc = h.caller(big.users.accountant);
    const customer = await acc.customer.create({ orgId: big.orgId, name: 'Buyer' });
    const draft = await acc.invoice.create({
      orgId: big.orgId,
      customerId: customer.id,
      currency: 'JPY',
      lines: [{ description: 'Plant', quantity: 1, unitPrice: MAX_AMOUNT }],
    });
    await acc.invoice.issue({ orgId: big.orgId, invoiceId: draft.id });
    const issued = await h.db.collections.invoices.findOne({ _id: new ObjectId(draft.id) });
    if (issued === null) throw new Error('issued invoice not found');
    // 900 more like it (901 × 10^13 > 2^53 − 1), written directly with their own numbers.
    await h.db.collections.invoices.insertMany(
      Array.from({ length: 900 }, (_, i) => ({
        ...issued,
        _id: new ObjectId(),
        number: `BIG-${i}`,
        sequence: i + 2,
      })),
    );
    // Before the fix: INTERNAL_SERVER_ERROR from the output check.
    const refused = await h
      .caller(big.users.viewer)
      .report.summary({ orgId: big.orgId })
      .then(
        () => null,
        (error: { code?: string; message?: string }) => error,
      );
    expect(refused?.code).toBe('PRECONDITION_FAILED');
    expect(refused?.message).toContain('The JPY totals exceed 9007199254740991 minor units');
    // A range holding none of them still sums every receivable (they are owed today): refused.
    const ranged = h
      .caller(big.users.viewer)
      .report.summary({ orgId: big.orgId, from: '2030-01-01', to: '2030-12-31' });
    await expect(ranged).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    // Below the limit every sum is exact.
    await h.db.collections.invoices.deleteMany({
      orgId: big.oid,
      sequence: { $gte: 2, $lte: 201 },
    });
    const summary = await h.caller(big.users.viewer).report.summary({ orgId: big.orgId });
    const jpy = summary.currencies.find((c) => c.currency === 'JPY');
    const count = await h.db.collections.invoices.countDocuments({ orgId: big.oid });
    expect(count).toBe(701);
    expect(jpy?.invoiced).toBe(count * MAX_AMOUNT);
    expect(jpy?.outstanding).toBe(count * MAX_AMOUNT);
  });

  it('refuses a reversed range and reports nothing for an org without invoices', async () => {
    await expect(
      h
        .caller(nz.users.viewer)
        .report.summary({ orgId: nz.orgId, from: '2026-03-01', to: '2026-02-01' }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const empty = await seedOrg(h, { name: 'Empty', timezone: 'UTC' });
    const summary = await h.caller(empty.users.viewer).report.summary({ orgId: empty.orgId });
    expect(summary).toEqual({ asOf: '2026-04-30', timezone: 'UTC', currencies: [] });
    expect(new ObjectId(empty.orgId).toHexString()).toBe(empty.orgId);
  });
});
