import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../harness.js';
import {
  addCustomer,
  createDraft,
  createIssued,
  expectCode,
  setupOrg,
  type OrgFixture,
} from './fixtures.js';

const CONCURRENT_ISSUES = 500;

describe('gapless invoice numbering', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await createHarness('invoice-numbering');
  });
  afterAll(() => h.close());

  async function counterValue(fx: OrgFixture, series: string): Promise<number | null> {
    const counter = await h.db.collections.counters.findOne({ _id: `${fx.orgId}:${series}` });
    return counter?.value ?? null;
  }

  it(`gives ${CONCURRENT_ISSUES} concurrent issues the numbers 1..${CONCURRENT_ISSUES} exactly once`, async ({
    annotate,
  }) => {
    const fx = await setupOrg(h);
    const customerId = await addCustomer(h, fx.orgId);
    const drafts = await Promise.all(
      Array.from({ length: CONCURRENT_ISSUES }, () => createDraft(fx, customerId)),
    );

    const started = performance.now();
    const issued = await Promise.all(
      drafts.map((d) => fx.acct.invoice.issue({ orgId: fx.orgId, invoiceId: d.id })),
    );
    const elapsedMs = performance.now() - started;
    await annotate(
      `${CONCURRENT_ISSUES} concurrent invoice.issue: ${elapsedMs.toFixed(0)} ms ` +
        `(${((elapsedMs / CONCURRENT_ISSUES) * 1000).toFixed(0)} µs per issue)`,
    );

    const expected = Array.from({ length: CONCURRENT_ISSUES }, (_, i) => i + 1);
    const stored = await h.db.collections.invoices
      .find(
        { orgId: new ObjectId(fx.orgId) },
        { projection: { sequence: 1, number: 1, status: 1 } },
      )
      .toArray();
    expect(stored).toHaveLength(CONCURRENT_ISSUES);
    expect(stored.map((d) => d.sequence).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(expected);
    expect(new Set(stored.map((d) => d.number)).size).toBe(CONCURRENT_ISSUES);
    expect(stored.every((d) => d.status === 'open')).toBe(true);
    // What each caller was told matches what was stored.
    const told = new Map(issued.map((i) => [i.id, i.number]));
    for (const doc of stored) expect(told.get(doc._id.toHexString())).toBe(doc.number);
    expect(issued.map((i) => i.number).sort()).toEqual(
      expected.map((n) => `INV-2026-${String(n).padStart(5, '0')}`),
    );
    expect(await counterValue(fx, 'invoice')).toBe(CONCURRENT_ISSUES);
    expect(
      await h.db.collections.auditEvents.countDocuments({
        orgId: new ObjectId(fx.orgId),
        action: 'invoice.issue',
      }),
    ).toBe(CONCURRENT_ISSUES);
  }, 600_000);

  it(`gives ${CONCURRENT_ISSUES} issues split over two clients (two processes) numbers 1..${CONCURRENT_ISSUES}`, async ({
    annotate,
  }) => {
    // Each client queues its own issues per org, so here the two clients really race for the
    // counter document: the write conflicts are resolved by the transaction retries alone.
    const other = await createHarness('invoice-numbering-2', h);
    try {
      const fx = await setupOrg(h);
      const customerId = await addCustomer(h, fx.orgId);
      const drafts = await Promise.all(
        Array.from({ length: CONCURRENT_ISSUES }, () => createDraft(fx, customerId)),
      );
      const callers = [fx.acct, other.caller(fx.accountant)];
      const started = performance.now();
      await Promise.all(
        drafts.map((d, i) => callers[i % 2]!.invoice.issue({ orgId: fx.orgId, invoiceId: d.id })),
      );
      const elapsedMs = performance.now() - started;
      await annotate(
        `${CONCURRENT_ISSUES} concurrent invoice.issue over 2 clients: ${elapsedMs.toFixed(0)} ms`,
      );
      const stored = await h.db.collections.invoices
        .find({ orgId: new ObjectId(fx.orgId) }, { projection: { sequence: 1 } })
        .toArray();
      expect(stored.map((d) => d.sequence).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(
        Array.from({ length: CONCURRENT_ISSUES }, (_, i) => i + 1),
      );
      expect(await counterValue(fx, 'invoice')).toBe(CONCURRENT_ISSUES);
    } finally {
      await other.close();
    }
  }, 600_000);

  it('gives the number back when the issue transaction fails after taking it', async () => {
    const fx = await setupOrg(h);
    const customerId = await addCustomer(h, fx.orgId);
    const first = await createDraft(fx, customerId);
    await expect(
      fx.acct.invoice.issue({ orgId: fx.orgId, invoiceId: first.id }),
    ).resolves.toMatchObject({ number: 'INV-2026-00001' });

    // The issue reads the customer for its snapshot only after nextSequence has incremented the
    // counter; a vanished customer aborts the transaction there.
    const doomedCustomer = await addCustomer(h, fx.orgId, { name: 'Gone Ltd' });
    const doomed = await createDraft(fx, doomedCustomer);
    await h.db.collections.customers.deleteOne({ _id: new ObjectId(doomedCustomer) });
    const message = await expectCode(
      fx.acct.invoice.issue({ orgId: fx.orgId, invoiceId: doomed.id }),
      'PRECONDITION_FAILED',
    );
    expect(message).toMatch(/customer no longer exists/);
    expect(await counterValue(fx, 'invoice')).toBe(1);
    const stillDraft = await h.db.collections.invoices.findOne({ _id: new ObjectId(doomed.id) });
    expect(stillDraft).toMatchObject({ status: 'draft', number: null, sequence: null });
    expect(
      await h.db.collections.auditEvents.countDocuments({
        'entity.id': new ObjectId(doomed.id),
        action: 'invoice.issue',
      }),
    ).toBe(0);

    const next = await createDraft(fx, customerId);
    await expect(
      fx.acct.invoice.issue({ orgId: fx.orgId, invoiceId: next.id }),
    ).resolves.toMatchObject({ number: 'INV-2026-00002' });
    expect(await counterValue(fx, 'invoice')).toBe(2);
  });

  it('restarts the series every year with resetYearly, keyed by the issue year', async () => {
    h.clock.set('2026-12-31T12:00:00Z');
    const fx = await setupOrg(h, {
      timezone: 'UTC',
      numbering: { prefix: 'F', separator: '/', padding: 3, resetYearly: true },
    });
    const customerId = await addCustomer(h, fx.orgId);
    const issue = async () =>
      fx.acct.invoice.issue({
        orgId: fx.orgId,
        invoiceId: (await createDraft(fx, customerId)).id,
      });
    expect((await issue()).number).toBe('F2026/001');
    expect((await issue()).number).toBe('F2026/002');
    h.clock.set('2027-01-01T00:00:01Z');
    expect((await issue()).number).toBe('F2027/001');
    // A draft dated in 2026 still draws from the 2026 series.
    const late = await createDraft(fx, customerId, { issueDate: '2026-12-30' });
    const lateIssued = await fx.acct.invoice.issue({ orgId: fx.orgId, invoiceId: late.id });
    expect(lateIssued.number).toBe('F2026/003');
    expect(await counterValue(fx, 'invoice:2026')).toBe(3);
    expect(await counterValue(fx, 'invoice:2027')).toBe(1);
    h.clock.set('2026-03-15T10:00:00Z');
  });

  it('numbers without the year when includeYear is false', async () => {
    const fx = await setupOrg(h, { numbering: { prefix: 'A-', includeYear: false, padding: 4 } });
    const customerId = await addCustomer(h, fx.orgId);
    const draft = await createDraft(fx, customerId);
    const issued = await fx.acct.invoice.issue({ orgId: fx.orgId, invoiceId: draft.id });
    expect(issued.number).toBe('A-0001');
  });
  for (const [from, to] of [
    [false, true],
    [true, false],
  ] as const) {
    it(`continues both series after the numbers already printed when resetYearly goes ${from} → ${to}`, async () => {
      const fx = await setupOrg(h, { numbering: { resetYearly: from } });
      const customerId = await addCustomer(h, fx.orgId);
      const first = await createIssued(fx, customerId);
      const second = await createIssued(fx, customerId);
      expect([first.number, second.number]).toEqual(['INV-2026-00001', 'INV-2026-00002']);
      const note = await fx.acct.creditNote.create({
        orgId: fx.orgId,
        invoiceId: first.id,
        amount: 100,
        reason: 'Goodwill',
      });
      expect(note.number).toBe('CN-2026-00001');

      await h.caller(fx.owner).organization.update({
        orgId: fx.orgId,
        numbering: { resetYearly: to },
      });

      // Before the fix the new counter started at 1 and every issue of the year hit the unique index.
      expect((await createIssued(fx, customerId)).number).toBe('INV-2026-00003');
      expect((await createIssued(fx, customerId)).number).toBe('INV-2026-00004');
      const nextNote = await fx.acct.creditNote.create({
        orgId: fx.orgId,
        invoiceId: second.id,
        amount: 100,
        reason: 'Goodwill',
      });
      expect(nextNote.number).toBe('CN-2026-00002');
      const year = to ? ':2026' : '';
      expect(await counterValue(fx, `invoice${year}`)).toBe(4);
      expect(await counterValue(fx, `creditNote${year}`)).toBe(2);
    });
  }

  /**
   * A counter behind the numbers printed in its form. A resetYearly toggle that commits while an
   * issue's transaction runs on a snapshot from before it lets that issue draw from the old
   * counter and print the number the toggle had just made the new counter's next one. (An issue
   * that waited its turn reads the org in its own transaction, so the window is that
   * transaction; the state is made here directly, by taking the counter back by one.) Before
   * the recovery every later issue of the year took that number again, hit the unique index and
   * failed with CONFLICT (the aborted transaction gave the number back each time).
   */
  for (const series of ['invoice', 'creditNote'] as const) {
    it(`recovers when the ${series} counter is behind a printed number`, async () => {
      const fx = await setupOrg(h, { numbering: { resetYearly: false } });
      const customerId = await addCustomer(h, fx.orgId);
      const invoice = await createIssued(fx, customerId);
      const take = async () =>
        series === 'invoice'
          ? (await createIssued(fx, customerId)).number
          : (
              await fx.acct.creditNote.create({
                orgId: fx.orgId,
                invoiceId: invoice.id,
                amount: 1,
                reason: 'Goodwill',
              })
            ).number;
      const prefix = series === 'invoice' ? 'INV' : 'CN';
      const pad = (n: number) => `${prefix}-2026-${String(n).padStart(5, '0')}`;
      const printed = series === 'invoice' ? [invoice.number, await take()] : [await take()];
      const last = printed.length;
      expect(printed.at(-1)).toBe(pad(last));
      await h.db.collections.counters.updateOne(
        { _id: `${fx.orgId}:${series}` },
        { $inc: { value: -1 } },
      );
      expect(await counterValue(fx, series)).toBe(last - 1);

      expect([await take(), await take()]).toEqual([pad(last + 1), pad(last + 2)]);
      expect(await counterValue(fx, series)).toBe(last + 2);
    });
  }

  it('seeds every year already printed, so backdated drafts keep unique numbers across toggles', async () => {
    const fx = await setupOrg(h, { timezone: 'UTC', numbering: { resetYearly: true } });
    const customerId = await addCustomer(h, fx.orgId);
    const issueDated = async (issueDate: string) =>
      (
        await fx.acct.invoice.issue({
          orgId: fx.orgId,
          invoiceId: (await createDraft(fx, customerId, { issueDate })).id,
        })
      ).number;
    const setResetYearly = (resetYearly: boolean) =>
      h.caller(fx.owner).organization.update({ orgId: fx.orgId, numbering: { resetYearly } });

    for (let i = 0; i < 3; i += 1) await issueDated('2025-12-01');
    expect(await issueDated('2026-01-10')).toBe('INV-2026-00001');

    // The single counter prints into every year: it continues after the highest of them.
    await setResetYearly(false);
    expect(await issueDated('2026-02-01')).toBe('INV-2026-00004');
    expect(await issueDated('2025-12-31')).toBe('INV-2025-00005');

    // Back to yearly counters: each year continues after its own highest number.
    await setResetYearly(true);
    expect(await issueDated('2026-03-01')).toBe('INV-2026-00005');
    expect(await issueDated('2025-12-31')).toBe('INV-2025-00006');

    const numbers = await h.db.collections.invoices.distinct('number', {
      orgId: new ObjectId(fx.orgId),
    });
    expect(numbers).toHaveLength(8);
  });

  it('leaves the counters alone when resetYearly does not change', async () => {
    const fx = await setupOrg(h);
    const customerId = await addCustomer(h, fx.orgId);
    await createIssued(fx, customerId);
    await h.caller(fx.owner).organization.update({
      orgId: fx.orgId,
      numbering: { prefix: 'F-', resetYearly: false },
    });
    expect((await createIssued(fx, customerId)).number).toBe('F-2026-00002');
    expect(await h.db.collections.counters.countDocuments({ orgId: new ObjectId(fx.orgId) })).toBe(
      1,
    );
  });
});
