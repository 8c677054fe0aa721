/**
 * Invoice documents shaped like `InvoiceDoc` of @invoice/db (as bench/src/seed.ts clones them
 * from router-made templates) and the two aggregation pipelines of the API's report.summary
 * (packages/api/src/services/report.ts). Shared by the report bench and conformance tests.
 */
import { ObjectId, type Document } from 'bson';

const DAY_MS = 86_400_000;
const CURRENCIES = ['EUR', 'EUR', 'EUR', 'USD', 'GBP'] as const;

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function party(name: string, email: string | null): Document {
  return {
    name,
    email,
    address: {
      line1: `${name.length} Example Street`,
      line2: 'Building 4, floor 2',
      city: 'Berlin',
      postalCode: '10115',
      region: 'Berlin',
      country: 'DE',
    },
    taxId: 'DE123456789',
  };
}

/** One invoice; `i` decides its customer, status, dates and amounts deterministically. */
export function invoiceDocument(orgId: ObjectId, i: number): Document {
  const customer = i % 20;
  const created = new Date(Date.UTC(2025, 0, 1) + i * 60_000);
  const issueDay = Date.UTC(2025, 0, 1) + (i % 690) * DAY_MS;
  const statusPick = i % 10;
  const status =
    statusPick < 4
      ? 'draft'
      : statusPick < 7
        ? 'open'
        : statusPick < 9
          ? 'paid'
          : i % 20 === 9
            ? 'void'
            : 'uncollectible';
  const issued = status !== 'draft';
  const quantity = 1 + (customer % 5);
  const unitPrice = 12_500 + customer * 100;
  const lines = [
    { description: 'Consulting', quantity, unitPrice },
    { description: 'Travel', quantity: 1, unitPrice: 4_200 },
  ].map((line) => {
    const amount = line.quantity * line.unitPrice;
    return {
      ...line,
      discount: null,
      taxRates: [2_000],
      amount,
      discountAmount: 0,
      invoiceDiscountAmount: 0,
      taxableAmount: amount,
    };
  });
  const subtotal = lines.reduce((n, l) => n + l.amount, 0);
  const taxTotal = Math.round(subtotal * 0.2);
  const total = subtotal + taxTotal;
  const amountPaid = status === 'paid' ? total : status === 'open' && i % 3 === 0 ? 5_000 : 0;
  const amountDue = status === 'open' || status === 'uncollectible' ? total - amountPaid : 0;
  const customerName = `Customer ${String(customer).padStart(2, '0')} GmbH`;
  return {
    _id: new ObjectId(),
    orgId,
    customerId: new ObjectId(ObjectId.generate(customer + 1)),
    customerName,
    customerNameLower: customerName.toLowerCase(),
    status,
    number: issued ? `BENCH-${String(i).padStart(6, '0')}` : null,
    sequence: issued ? i : null,
    currency: CURRENCIES[i % CURRENCIES.length]!,
    issueDate: issued ? day(issueDay) : null,
    // Some issued invoices have no due date (the aging pipeline's first branch).
    dueDate: issued && i % 13 !== 0 ? day(issueDay + 30 * DAY_MS) : null,
    lines,
    discount: null,
    subtotal,
    discountTotal: 0,
    taxTotal,
    taxes: [{ rate: 2_000, taxableAmount: subtotal, amount: taxTotal }],
    total,
    amountPaid,
    amountCredited: 0,
    amountDue,
    roundingRule: 'half-away-from-zero',
    notes: i % 4 === 0 ? 'Payable within 30 days. Thank you for your business.' : null,
    metadata: { project: `P-${customer}`, costCenter: 'CC-100' },
    customerSnapshot: party(customerName, `billing${customer}@customer.example`),
    sellerSnapshot: issued ? party('Bench Org', 'billing@bench.example') : null,
    issuedAt: issued ? created : null,
    voidedAt: status === 'void' ? created : null,
    voidReason: status === 'void' ? 'Issued by mistake' : null,
    paidAt: status === 'paid' ? created : null,
    createdBy: 'bench-user',
    createdAt: created,
    updatedAt: created,
  };
}

export function invoiceDocuments(orgId: ObjectId, count: number): Document[] {
  return Array.from({ length: count }, (_, i) => invoiceDocument(orgId, i));
}

/** report.summary's first pipeline: issued invoices by currency and month. */
export function issuedPipeline(orgId: ObjectId, from: string, to: string): Document[] {
  return [
    {
      $match: {
        orgId,
        status: { $in: ['open', 'paid', 'uncollectible'] },
        issueDate: { $gte: from, $lte: to },
      },
    },
    {
      $group: {
        _id: { currency: '$currency', month: { $substrBytes: ['$issueDate', 0, 7] } },
        invoiced: { $sum: '$total' },
        paid: { $sum: '$amountPaid' },
      },
    },
    { $sort: { '_id.currency': 1, '_id.month': 1 } },
  ];
}

function addDays(date: string, days: number): string {
  return day(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS);
}

/** report.summary's second pipeline: open invoices still owing, by currency and aging bucket. */
export function agingPipeline(orgId: ObjectId, today: string): Document[] {
  const bound = (days: number): string => addDays(today, -days);
  return [
    { $match: { orgId, status: 'open', amountDue: { $gt: 0 } } },
    {
      $project: {
        currency: 1,
        amountDue: 1,
        bucket: {
          $switch: {
            branches: [
              { case: { $eq: [{ $ifNull: ['$dueDate', null] }, null] }, then: 'current' },
              { case: { $gte: ['$dueDate', today] }, then: 'current' },
              { case: { $gte: ['$dueDate', bound(30)] }, then: 'days1to30' },
              { case: { $gte: ['$dueDate', bound(60)] }, then: 'days31to60' },
              { case: { $gte: ['$dueDate', bound(90)] }, then: 'days61to90' },
            ],
            default: 'days90plus',
          },
        },
      },
    },
    {
      $group: {
        _id: { currency: '$currency', bucket: '$bucket' },
        amount: { $sum: '$amountDue' },
      },
    },
  ];
}

/** The aging bucket of a due date, computed in plain JavaScript (the tests' reference). */
export function agingBucket(dueDate: string | null, today: string): string {
  if (dueDate === null || dueDate >= today) return 'current';
  if (dueDate >= addDays(today, -30)) return 'days1to30';
  if (dueDate >= addDays(today, -60)) return 'days31to60';
  if (dueDate >= addDays(today, -90)) return 'days61to90';
  return 'days90plus';
}
