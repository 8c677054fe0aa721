import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import * as v from './index.js';

const ORG = '65a1b2c3d4e5f60718293a4b';
const ID = '0123456789abcdef01234567';
const at = new Date('2026-02-01T09:00:00Z');

const party = {
  name: 'Cash $ Co',
  email: 'billing@cash.example',
  address: { line1: '1 Main St', city: 'Springfield', country: 'US' },
  taxId: null,
};

const invoice = {
  id: ID,
  orgId: ORG,
  number: 'INV-2026-00042',
  status: 'open',
  currency: 'EUR',
  customerId: ID,
  customer: party,
  seller: { ...party, name: 'Acme SAS', taxId: 'FR12345678901' },
  lines: [
    {
      description: 'Consulting',
      quantity: 1.5,
      unitPrice: 1001,
      discount: { type: 'percent', value: 1000 },
      taxRates: [550],
      amount: 1502,
      discountAmount: 150,
      invoiceDiscountAmount: 0,
      taxableAmount: 1352,
    },
  ],
  discount: null,
  subtotal: 1502,
  discountTotal: 150,
  taxes: [{ rate: 550, taxableAmount: 1352, amount: 74 }],
  taxTotal: 74,
  total: 1426,
  amountPaid: 400,
  amountCredited: 26,
  amountDue: 1000,
  overdue: false,
  issueDate: '2026-02-01',
  dueDate: '2026-03-03',
  roundingRule: 'half_away_from_zero_per_tax_rate',
  notes: null,
  metadata: {},
  issuedAt: at,
  paidAt: null,
  voidedAt: null,
  createdAt: at,
  updatedAt: at,
};

const organization = {
  id: ORG,
  name: 'Acme SAS',
  address: null,
  taxId: null,
  currency: 'EUR',
  timezone: 'Europe/Paris',
  numbering: {
    prefix: 'INV-',
    creditNotePrefix: 'CN-',
    includeYear: true,
    separator: '-',
    padding: 5,
    resetYearly: false,
  },
  paymentTermsDays: 30,
  defaultTaxRates: [2000],
  createdAt: at,
  updatedAt: at,
};

const outputs: Record<string, [z.ZodType, Record<string, unknown>]> = {
  invoice: [v.invoiceSchema, invoice],
  'invoice.list': [v.invoiceListOutput, { items: [invoice], nextCursor: 'abc' }],
  organization: [v.organizationSchema, organization],
  membership: [
    v.membershipSchema,
    {
      id: ID,
      orgId: ORG,
      userId: null,
      email: 'a@b.co',
      role: 'viewer',
      status: 'pending',
      createdAt: at,
      updatedAt: at,
    },
  ],
  customer: [
    v.customerSchema,
    {
      id: ID,
      orgId: ORG,
      name: 'Cash $ Co',
      email: null,
      address: null,
      taxId: null,
      currency: 'USD',
      archivedAt: null,
      createdAt: at,
      updatedAt: at,
    },
  ],
  payment: [
    v.paymentSchema,
    {
      id: ID,
      orgId: ORG,
      invoiceId: ID,
      amount: 400,
      currency: 'EUR',
      date: '2026-02-10',
      method: 'card',
      reference: null,
      status: 'recorded',
      voidedAt: null,
      createdBy: 'uid_1',
      createdAt: at,
    },
  ],
  creditNote: [
    v.creditNoteSchema,
    {
      id: ID,
      orgId: ORG,
      invoiceId: ID,
      number: 'CN-2026-00001',
      currency: 'EUR',
      reason: 'Goodwill',
      lines: [],
      subtotal: 26,
      taxes: [],
      taxTotal: 0,
      total: 26,
      roundingRule: 'half_away_from_zero_per_tax_rate',
      issueDate: '2026-02-05',
      createdAt: at,
    },
  ],
  attachment: [
    v.attachmentSchema,
    {
      id: ID,
      orgId: ORG,
      invoiceId: ID,
      filename: 'receipt 2026-02.pdf',
      contentType: 'application/pdf',
      size: 12_345,
      sha256: 'a'.repeat(64),
      uploadedBy: 'uid_1',
      createdAt: at,
    },
  ],
  'report.summary': [
    v.reportSummaryOutput,
    {
      asOf: '2026-02-15',
      timezone: 'Europe/Paris',
      currencies: [
        {
          currency: 'EUR',
          invoiced: 1426,
          paid: 400,
          outstanding: 1000,
          overdue: 0,
          aging: { current: 1000, days1to30: 0, days31to60: 0, days61to90: 0, days90plus: 0 },
          revenueByMonth: [{ month: '2026-02', invoiced: 1426 }],
        },
      ],
    },
  ],
  auditEvent: [
    v.auditEventSchema,
    {
      id: ID,
      orgId: ORG,
      actor: { userId: 'uid_1', email: 'a@b.co' },
      action: 'invoice.issue',
      entityType: 'invoice',
      entityId: ID,
      before: { status: 'draft', number: null },
      after: { status: 'open', number: 'INV-2026-00042', total: 1426 },
      at,
    },
  ],
};

describe('outputs', () => {
  it.each(Object.entries(outputs))('%s accepts a complete document', (_name, [schema, sample]) => {
    expect(schema.safeParse(sample).error?.issues ?? []).toEqual([]);
  });

  it.each(Object.entries(outputs))(
    '%s refuses leaked storage fields such as _id',
    (_name, [schema, sample]) => {
      expect(schema.safeParse({ ...sample, _id: ID }).success).toBe(false);
    },
  );

  it('names every invoice field of the contract', () => {
    const fields = Object.keys(v.invoiceSchema.shape);
    for (const field of [
      'id',
      'number',
      'status',
      'currency',
      'lines',
      'subtotal',
      'discountTotal',
      'taxTotal',
      'total',
      'amountPaid',
      'amountCredited',
      'amountDue',
      'overdue',
      'issueDate',
      'dueDate',
      'customer',
      'seller',
      'roundingRule',
    ]) {
      expect(fields).toContain(field);
    }
  });

  it('accepts drafts without number, seller or dates', () => {
    const draft = {
      ...invoice,
      status: 'draft',
      number: null,
      seller: null,
      issueDate: null,
      dueDate: null,
      issuedAt: null,
    };
    expect(v.invoiceSchema.safeParse(draft).success).toBe(true);
  });

  it('rejects an unknown status and a negative amountDue', () => {
    expect(v.invoiceSchema.safeParse({ ...invoice, status: 'late' }).success).toBe(false);
    expect(v.invoiceSchema.safeParse({ ...invoice, amountDue: -1 }).success).toBe(false);
  });

  it('lists the organizations of the caller with the role', () => {
    expect(v.organizationListOutput.parse([{ ...organization, role: 'owner' }])[0]?.role).toBe(
      'owner',
    );
  });
});

describe('attachments', () => {
  it.each([
    ['../etc/passwd'],
    ['a/b.pdf'],
    ['a\\b.pdf'],
    ['.htaccess'],
    ['x\u0000.pdf'],
    ['invoice\u202Efdp.exe'],
    [''],
    ['x'.repeat(256)],
  ])('refuses file name %j', (filename) => {
    expect(v.attachmentFilenameSchema.safeParse(filename).success).toBe(false);
  });

  it('refuses content types outside the allowlist', () => {
    expect(v.attachmentContentTypeSchema.safeParse('text/html').success).toBe(false);
    expect(v.attachmentContentTypeSchema.parse('application/pdf')).toBe('application/pdf');
  });

  it('validates route parameters', () => {
    expect(v.attachmentDownloadParams.safeParse({ orgId: ORG, attachmentId: '$ne' }).success).toBe(
      false,
    );
    expect(v.attachmentUploadParams.parse({ orgId: ORG, invoiceId: ID })).toEqual({
      orgId: ORG,
      invoiceId: ID,
    });
  });
});

describe('enums keep their documented order', () => {
  it('statuses, roles, methods', () => {
    expect(v.INVOICE_STATUSES).toEqual(['draft', 'open', 'paid', 'void', 'uncollectible']);
    expect(v.ROLES).toEqual(['viewer', 'accountant', 'admin', 'owner']);
    expect(v.PAYMENT_METHODS).toEqual(['bank_transfer', 'card', 'cash', 'check', 'other']);
    expect(v.AGING_BUCKETS).toEqual([
      'current',
      'days1to30',
      'days31to60',
      'days61to90',
      'days90plus',
    ]);
  });
});

describe('output leaves (stored.ts): types, bounds and shapes, not the input rules', () => {
  it('returns stored text as it is: no trimming, lower-casing or input-rule refusals', () => {
    const legacy = {
      ...invoice,
      customer: { ...party, name: '  Legacy\u0007 Name ', email: 'Mixed@Case.Example' },
      lines: [{ ...invoice.lines[0], description: '$where it was written' }],
      metadata: { 'legacy.key': ' value\u0000 ' },
    };
    const parsed = v.invoiceSchema.parse(legacy);
    expect(parsed.customer.name).toBe('  Legacy\u0007 Name ');
    expect(parsed.customer.email).toBe('Mixed@Case.Example');
    expect(parsed.lines[0]?.description).toBe('$where it was written');
    expect(parsed.metadata).toEqual({ 'legacy.key': ' value\u0000 ' });
    // The same text is refused on the way in.
    expect(v.nameSchema.safeParse('  Legacy\u0007 Name ').success).toBe(false);
    expect(v.metadataSchema.safeParse({ 'legacy.key': 'x' }).success).toBe(false);
  });

  it('still refuses wrong types, oversized values, unknown keys and too many metadata entries', () => {
    const bad = [
      { ...invoice, customer: { ...party, name: 'x'.repeat(201) } },
      { ...invoice, customer: { ...party, email: 42 } },
      { ...invoice, customer: { ...party, address: { ...party.address, extra: 'x' } } },
      { ...invoice, customer: { ...party, address: { ...party.address, country: 'usa' } } },
      { ...invoice, notes: 'x'.repeat(5001) },
      { ...invoice, metadata: { k: 'x'.repeat(501) } },
      {
        ...invoice,
        metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])),
      },
      { ...invoice, lines: [{ ...invoice.lines[0], description: 'x'.repeat(1001) }] },
    ];
    for (const value of bad) expect(v.invoiceSchema.safeParse(value).success).toBe(false);
    expect(v.customerSchema.shape.email.safeParse('x'.repeat(255)).success).toBe(false);
    expect(v.membershipSchema.shape.email.safeParse(null).success).toBe(false);
  });
});

describe('input and output share one limit per text field (MAX_LENGTH)', () => {
  it('returns every value the input admits at its limit, and nothing longer', () => {
    const at = (field: keyof typeof v.MAX_LENGTH) => 'a'.repeat(v.MAX_LENGTH[field]);
    const address = { line1: at('addressLine'), city: at('city'), country: 'US' };
    const admitted = {
      ...invoice,
      customer: { ...party, name: at('name'), address, taxId: at('taxId') },
      lines: [{ ...invoice.lines[0], description: at('lineDescription') }],
      notes: at('notes'),
      metadata: { [at('metadataKey')]: at('metadataValue') },
    };
    expect(v.nameSchema.safeParse(at('name')).success).toBe(true);
    expect(v.addressSchema.safeParse(address).success).toBe(true);
    expect(v.lineDescriptionSchema.safeParse(at('lineDescription')).success).toBe(true);
    expect(v.metadataSchema.safeParse(admitted.metadata).success).toBe(true);
    expect(v.invoiceSchema.safeParse(admitted).success).toBe(true);
    const longer = { ...admitted, notes: `${at('notes')}a` };
    expect(v.notesSchema.safeParse(longer.notes).success).toBe(false);
    expect(v.invoiceSchema.safeParse(longer).success).toBe(false);
  });
});
