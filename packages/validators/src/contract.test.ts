import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import * as v from './index.js';

const ORG = '65a1b2c3d4e5f60718293a4b';
const ID = '0123456789abcdef01234567';

/** One valid sample per input schema of the API contract; each must parse as it is. */
const inputs: Record<string, [z.ZodType, Record<string, unknown>]> = {
  'organization.create': [
    v.organizationCreateInput,
    {
      name: 'Acme SAS',
      currency: 'EUR',
      timezone: 'Europe/Paris',
      numbering: { prefix: 'F-', includeYear: true, padding: 4 },
      idempotencyKey: 'create-org-1',
    },
  ],
  'organization.byId': [v.organizationByIdInput, { orgId: ORG }],
  'organization.update': [
    v.organizationUpdateInput,
    {
      orgId: ORG,
      name: 'Acme',
      address: { line1: '1 rue de la Paix', city: 'Paris', postalCode: '75002', country: 'FR' },
      taxId: 'FR 12 345678901',
      paymentTermsDays: 45,
      defaultTaxRates: [2000],
      timezone: 'UTC',
    },
  ],
  'member.list': [v.memberListInput, { orgId: ORG }],
  'member.add': [v.memberAddInput, { orgId: ORG, email: 'ann@example.com', role: 'accountant' }],
  'member.updateRole': [v.memberUpdateRoleInput, { orgId: ORG, userId: 'uid_123', role: 'admin' }],
  'member.remove': [v.memberRemoveInput, { orgId: ORG, email: 'pending@example.com' }],
  'customer.create': [
    v.customerCreateInput,
    { orgId: ORG, name: 'Cash $ Co', email: 'billing@cash.example', currency: 'USD' },
  ],
  'customer.update': [v.customerUpdateInput, { orgId: ORG, customerId: ID, email: null }],
  'customer.byId': [v.customerByIdInput, { orgId: ORG, customerId: ID }],
  'customer.list': [v.customerListInput, { orgId: ORG, limit: 50, search: 'acme', sort: 'name' }],
  'customer.archive': [v.customerArchiveInput, { orgId: ORG, customerId: ID }],
  'invoice.create': [
    v.invoiceCreateInput,
    {
      orgId: ORG,
      customerId: ID,
      currency: 'KWD',
      issueDate: '2026-02-01',
      dueDate: '2026-03-03',
      lines: [
        {
          description: 'Consulting\nFebruary',
          quantity: 1.125,
          unitPrice: 150_000,
          discount: { type: 'percent', value: 1000 },
          taxRates: [500],
        },
      ],
      discount: { type: 'amount', value: 100 },
      notes: 'Thank you',
      metadata: { project: 'apollo', 'po-number': '4711' },
      idempotencyKey: 'inv-2026-02-01',
    },
  ],
  'invoice.update': [
    v.invoiceUpdateInput,
    {
      orgId: ORG,
      invoiceId: ID,
      notes: null,
      lines: [{ description: 'x', quantity: 2, unitPrice: 1 }],
    },
  ],
  'invoice.deleteDraft': [v.invoiceDeleteDraftInput, { orgId: ORG, invoiceId: ID }],
  'invoice.issue': [v.invoiceIssueInput, { orgId: ORG, invoiceId: ID, idempotencyKey: 'k' }],
  'invoice.void': [v.invoiceVoidInput, { orgId: ORG, invoiceId: ID, reason: 'Duplicate' }],
  'invoice.markUncollectible': [v.invoiceMarkUncollectibleInput, { orgId: ORG, invoiceId: ID }],
  'invoice.byId': [v.invoiceByIdInput, { orgId: ORG, invoiceId: ID }],
  'invoice.list': [
    v.invoiceListInput,
    {
      orgId: ORG,
      status: ['open', 'paid'],
      customerId: ID,
      overdue: true,
      issueDateFrom: '2026-01-01',
      issueDateTo: '2026-12-31',
      search: 'INV-2026',
      limit: 100,
      cursor: 'eyJ0IjoxfQ',
      sort: 'dueDate',
      direction: 'asc',
    },
  ],
  'payment.record': [
    v.paymentRecordInput,
    {
      orgId: ORG,
      invoiceId: ID,
      amount: 1000,
      date: '2026-02-10',
      method: 'bank_transfer',
      reference: 'SEPA 42',
    },
  ],
  'payment.void': [v.paymentVoidInput, { orgId: ORG, paymentId: ID }],
  'payment.list': [v.paymentListInput, { orgId: ORG, invoiceId: ID }],
  'creditNote.create': [
    v.creditNoteCreateInput,
    {
      orgId: ORG,
      invoiceId: ID,
      lines: [{ description: 'Refund', quantity: 1, unitPrice: 500, taxRates: [2000] }],
      reason: 'Damaged',
    },
  ],
  'creditNote.byId': [v.creditNoteByIdInput, { orgId: ORG, creditNoteId: ID }],
  'creditNote.list': [v.creditNoteListInput, { orgId: ORG }],
  'attachment.list': [v.attachmentListInput, { orgId: ORG, invoiceId: ID }],
  'attachment.delete': [v.attachmentDeleteInput, { orgId: ORG, attachmentId: ID }],
  'report.summary': [v.reportSummaryInput, { orgId: ORG, from: '2026-01-01', to: '2026-06-30' }],
  'audit.list': [v.auditListInput, { orgId: ORG, entityType: 'invoice', entityId: ID }],
};

type Leaf = { path: (string | number)[]; value: unknown };

function leaves(value: unknown, path: (string | number)[] = []): Leaf[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => leaves(item, [...path, i]));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, item]) => leaves(item, [...path, k]));
  }
  return [{ path, value }];
}

function withLeaf(sample: unknown, path: (string | number)[], replacement: unknown): unknown {
  const copy = structuredClone(sample) as Record<string | number, unknown>;
  let cursor: Record<string | number, unknown> = copy;
  path.slice(0, -1).forEach((key) => {
    cursor = cursor[key] as Record<string | number, unknown>;
  });
  cursor[path.at(-1)!] = replacement;
  return copy;
}

const cases = Object.entries(inputs);

describe('the contract table', () => {
  it('has a valid sample here for every procedure, and nothing else', () => {
    // organization.list takes no input at all: only `undefined` passes.
    expect(v.organizationListInput.safeParse(undefined).success).toBe(true);
    expect(v.organizationListInput.safeParse({}).success).toBe(false);
    const withInput = v.PROCEDURE_NAMES.filter((name) => name !== 'organization.list');
    expect(Object.keys(inputs).sort()).toEqual(withInput.sort());
    for (const name of withInput) {
      expect(inputs[name]?.[0], name).toBe(v.CONTRACT[name].input);
    }
  });

  it('gives the roles of DOMAIN.md', () => {
    const byRole = (role: string) =>
      v.PROCEDURE_NAMES.filter((name) => v.CONTRACT[name].role === role).sort();
    expect(byRole('signedIn')).toEqual(['organization.create', 'organization.list']);
    expect(byRole('admin')).toEqual([
      'member.add',
      'member.remove',
      'member.updateRole',
      'organization.update',
    ]);
    expect(byRole('owner')).toEqual([]);
    for (const name of v.PROCEDURE_NAMES) {
      const { kind, role } = v.CONTRACT[name];
      if (kind === 'query' && role !== 'signedIn') expect(role, name).toBe('viewer');
      if (kind === 'mutation' && !name.startsWith('organization.') && !name.startsWith('member.')) {
        expect(role, name).toBe('accountant');
      }
    }
  });

  it('lets every mutation carry an idempotency key', () => {
    for (const name of v.PROCEDURE_NAMES.filter((n) => v.CONTRACT[n].kind === 'mutation')) {
      const [schema, sample] = inputs[name]!;
      expect(schema.safeParse({ ...sample, idempotencyKey: 'retry-1' }).success, name).toBe(true);
    }
  });
});

describe('every contract input', () => {
  it.each(cases)('%s accepts its valid sample', (_name, [schema, sample]) => {
    const result = schema.safeParse(sample);
    expect(result.error?.issues ?? []).toEqual([]);
  });

  it.each(cases)('%s rejects unknown keys', (_name, [schema, sample]) => {
    const result = schema.safeParse({ ...sample, $where: 'sleep(1000)' });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain('Unrecognized key');
  });

  it.each(cases)(
    '%s rejects __proto__ and constructor keys from JSON',
    (_name, [schema, sample]) => {
      for (const key of ['__proto__', 'constructor', 'prototype']) {
        const rest = JSON.stringify(sample).slice(1);
        const json = `{"${key}":{"isAdmin":true}${rest === '}' ? '' : ','}${rest}`;
        expect(schema.safeParse(JSON.parse(json)).success).toBe(false);
      }
    },
  );

  it.each(cases)('%s rejects a non-object', (_name, [schema]) => {
    for (const bad of [null, undefined, 'x', 42, [], [{}]]) {
      expect(schema.safeParse(bad).success).toBe(false);
    }
  });

  const leafCases = cases.flatMap(([name, [schema, sample]]) =>
    leaves(sample).map((leaf) => [`${name} ${leaf.path.join('.')}`, schema, sample, leaf] as const),
  );

  it.each(leafCases)(
    '%s rejects operator objects, oversized and NUL-laden values',
    (_label, schema, sample, leaf) => {
      const hostile: unknown[] = [{ $ne: '' }, { $gt: 0 }, ['x'], Number.NaN, Infinity, 1e300];
      if (typeof leaf.value === 'string') {
        hostile.push('x'.repeat(100_000), `${leaf.value}\u0000`, `\u0000${leaf.value}`, 12);
      }
      if (typeof leaf.value === 'number')
        hostile.push(String(leaf.value), -1e15, leaf.value + 0.0001);
      if (typeof leaf.value === 'boolean') hostile.push('true', 1);
      for (const bad of hostile) {
        const result = schema.safeParse(withLeaf(sample, leaf.path, bad));
        expect(result.success, `${JSON.stringify(bad)?.slice(0, 40)} was accepted`).toBe(false);
      }
    },
  );
});

describe('leading $ where it matters', () => {
  it.each([
    ['customer.list search', v.customerListInput, { orgId: ORG, search: '$where' }],
    ['invoice.list search', v.invoiceListInput, { orgId: ORG, search: '$regex' }],
    ['invoice.list sort', v.invoiceListInput, { orgId: ORG, sort: '$natural' }],
    ['customer.list sort', v.customerListInput, { orgId: ORG, sort: '$where' }],
    ['invoice.list cursor', v.invoiceListInput, { orgId: ORG, cursor: '$cursor' }],
    ['orgId', v.invoiceByIdInput, { orgId: '$oid', invoiceId: ID }],
    ['userId', v.memberRemoveInput, { orgId: ORG, userId: '$uid' }],
    ['metadata key', v.invoiceUpdateInput, { orgId: ORG, invoiceId: ID, metadata: { $set: 'x' } }],
    [
      'dotted metadata key',
      v.invoiceUpdateInput,
      { orgId: ORG, invoiceId: ID, metadata: { 'a.b': 'x' } },
    ],
    ['audit entityType', v.auditListInput, { orgId: ORG, entityType: '$invoice' }],
  ])('rejects %s', (_name, schema, input) => {
    expect(schema.safeParse(input).success).toBe(false);
  });

  it('keeps $ inside names, notes and metadata values', () => {
    const result = v.invoiceCreateInput.safeParse({
      orgId: ORG,
      customerId: ID,
      lines: [{ description: '$5 widgets', quantity: 1, unitPrice: 500 }],
      notes: 'Pay $ by Friday',
      metadata: { label: 'special $' },
    });
    expect(result.success).toBe(true);
    expect(v.customerCreateInput.parse({ orgId: ORG, name: 'Cash $ Co' }).name).toBe('Cash $ Co');
  });
});

describe('list inputs', () => {
  it('defaults limit to 20 and sort to a safe allowlisted field', () => {
    expect(v.invoiceListInput.parse({ orgId: ORG })).toEqual({
      orgId: ORG,
      limit: 20,
      sort: 'createdAt',
      direction: 'desc',
    });
    expect(v.customerListInput.parse({ orgId: ORG })).toMatchObject({
      limit: 20,
      sort: 'name',
      includeArchived: false,
    });
  });

  it.each([[0], [101], [1.5], [-1]])('rejects limit %s', (limit) => {
    expect(v.invoiceListInput.safeParse({ orgId: ORG, limit }).success).toBe(false);
  });

  it('accepts a single status and normalizes it to an array', () => {
    expect(v.invoiceListInput.parse({ orgId: ORG, status: 'open' }).status).toEqual(['open']);
  });

  it.each([[[]], ['overdue'], [['open', 'late']]])('rejects status %j', (status) => {
    expect(v.invoiceListInput.safeParse({ orgId: ORG, status }).success).toBe(false);
  });

  it('rejects an inverted issue-date range', () => {
    const result = v.invoiceListInput.safeParse({
      orgId: ORG,
      issueDateFrom: '2026-02-01',
      issueDateTo: '2026-01-01',
    });
    expect(result.error?.issues[0]?.message).toBe('issueDateFrom must not be after issueDateTo');
  });
});

describe('cross-field rules', () => {
  it.each([
    ['both userId and email', v.memberRemoveInput, { orgId: ORG, userId: 'u1', email: 'a@b.co' }],
    ['neither userId nor email', v.memberRemoveInput, { orgId: ORG }],
    [
      'a credit note with lines and amount',
      v.creditNoteCreateInput,
      {
        orgId: ORG,
        invoiceId: ID,
        amount: 5,
        reason: 'x',
        lines: [{ description: 'x', quantity: 1, unitPrice: 1 }],
      },
    ],
    [
      'a credit note with neither',
      v.creditNoteCreateInput,
      { orgId: ORG, invoiceId: ID, reason: 'x' },
    ],
    [
      'a due date before the issue date',
      v.invoiceCreateInput,
      {
        orgId: ORG,
        customerId: ID,
        issueDate: '2026-02-02',
        dueDate: '2026-02-01',
        lines: [{ description: 'x', quantity: 1, unitPrice: 1 }],
      },
    ],
    ['an update that changes nothing', v.customerUpdateInput, { orgId: ORG, customerId: ID }],
    [
      'an invoice update that changes nothing',
      v.invoiceUpdateInput,
      { orgId: ORG, invoiceId: ID, idempotencyKey: 'k' },
    ],
    ['an org update that changes nothing', v.organizationUpdateInput, { orgId: ORG }],
    [
      'equal invoice and credit note prefixes',
      v.organizationCreateInput,
      {
        name: 'A',
        currency: 'EUR',
        timezone: 'UTC',
        numbering: { prefix: 'X-', creditNotePrefix: 'X-' },
      },
    ],
    ['an invoice without lines', v.invoiceCreateInput, { orgId: ORG, customerId: ID, lines: [] }],
    ['entityId without entityType', v.auditListInput, { orgId: ORG, entityId: ID }],
    [
      'a zero payment',
      v.paymentRecordInput,
      { orgId: ORG, invoiceId: ID, amount: 0, date: '2026-01-01', method: 'cash' },
    ],
    [
      'an unknown payment method',
      v.paymentRecordInput,
      { orgId: ORG, invoiceId: ID, amount: 1, date: '2026-01-01', method: 'crypto' },
    ],
    [
      'a role that does not exist',
      v.memberAddInput,
      { orgId: ORG, email: 'a@b.co', role: 'superuser' },
    ],
  ])('rejects %s', (_name, schema, input) => {
    expect(schema.safeParse(input).success).toBe(false);
  });

  it('rejects too many lines and too much metadata', () => {
    const line = { description: 'x', quantity: 1, unitPrice: 1 };
    expect(
      v.invoiceCreateInput.safeParse({
        orgId: ORG,
        customerId: ID,
        lines: Array.from({ length: 201 }, () => line),
      }).success,
    ).toBe(false);
    const metadata = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v']));
    expect(
      v.invoiceCreateInput.safeParse({ orgId: ORG, customerId: ID, lines: [line], metadata })
        .success,
    ).toBe(false);
  });

  it('applies numbering defaults', () => {
    expect(v.numberingSchema.parse({})).toEqual({
      prefix: 'INV-',
      creditNotePrefix: 'CN-',
      includeYear: true,
      separator: '-',
      padding: 5,
      resetYearly: false,
    });
  });
});

describe('numbering settings', () => {
  it('refuses a yearly reset without the year in the number (numbers would repeat)', () => {
    const result = v.numberingSchema.safeParse({ resetYearly: true, includeYear: false });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['resetYearly']);
    expect(v.numberingSchema.safeParse({ resetYearly: true, includeYear: true }).success).toBe(
      true,
    );
  });
});
