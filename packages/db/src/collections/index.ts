import type { Collection, Db } from 'mongodb';
import { attachmentIndexes, type AttachmentDoc } from './attachments.js';
import { auditEventIndexes, type AuditEventDoc } from './audit-events.js';
import { counterIndexes, type CounterDoc } from './counters.js';
import { creditNoteIndexes, type CreditNoteDoc } from './credit-notes.js';
import { customerIndexes, type CustomerDoc } from './customers.js';
import { idempotencyKeyIndexes, type IdempotencyKeyDoc } from './idempotency-keys.js';
import type { IndexDefinition } from './index-spec.js';
import { invoiceIndexes, type InvoiceDoc } from './invoices.js';
import { membershipIndexes, type MembershipDoc } from './memberships.js';
import { migrationIndexes, type MigrationDoc } from './migrations.js';
import { organizationIndexes, type OrganizationDoc } from './organizations.js';
import { paymentIndexes, type PaymentDoc } from './payments.js';

/** Collection names, one place. */
export const COLLECTIONS = {
  organizations: 'organizations',
  memberships: 'memberships',
  customers: 'customers',
  invoices: 'invoices',
  payments: 'payments',
  creditNotes: 'credit_notes',
  attachments: 'attachments',
  counters: 'counters',
  idempotencyKeys: 'idempotency_keys',
  auditEvents: 'audit_events',
  migrations: 'migrations',
} as const;

export type CollectionKey = keyof typeof COLLECTIONS;

/** The index specs declared beside each collection, keyed like COLLECTIONS. */
export const INDEXES: Record<CollectionKey, IndexDefinition[]> = {
  organizations: organizationIndexes,
  memberships: membershipIndexes,
  customers: customerIndexes,
  invoices: invoiceIndexes,
  payments: paymentIndexes,
  creditNotes: creditNoteIndexes,
  attachments: attachmentIndexes,
  counters: counterIndexes,
  idempotencyKeys: idempotencyKeyIndexes,
  auditEvents: auditEventIndexes,
  migrations: migrationIndexes,
};

export interface Collections {
  organizations: Collection<OrganizationDoc>;
  memberships: Collection<MembershipDoc>;
  customers: Collection<CustomerDoc>;
  invoices: Collection<InvoiceDoc>;
  payments: Collection<PaymentDoc>;
  creditNotes: Collection<CreditNoteDoc>;
  attachments: Collection<AttachmentDoc>;
  counters: Collection<CounterDoc>;
  idempotencyKeys: Collection<IdempotencyKeyDoc>;
  auditEvents: Collection<AuditEventDoc>;
  migrations: Collection<MigrationDoc>;
}

/** Typed accessors, one per collection. */
export function getCollections(db: Db): Collections {
  return {
    organizations: db.collection<OrganizationDoc>(COLLECTIONS.organizations),
    memberships: db.collection<MembershipDoc>(COLLECTIONS.memberships),
    customers: db.collection<CustomerDoc>(COLLECTIONS.customers),
    invoices: db.collection<InvoiceDoc>(COLLECTIONS.invoices),
    payments: db.collection<PaymentDoc>(COLLECTIONS.payments),
    creditNotes: db.collection<CreditNoteDoc>(COLLECTIONS.creditNotes),
    attachments: db.collection<AttachmentDoc>(COLLECTIONS.attachments),
    counters: db.collection<CounterDoc>(COLLECTIONS.counters),
    idempotencyKeys: db.collection<IdempotencyKeyDoc>(COLLECTIONS.idempotencyKeys),
    auditEvents: db.collection<AuditEventDoc>(COLLECTIONS.auditEvents),
    migrations: db.collection<MigrationDoc>(COLLECTIONS.migrations),
  };
}

export * from './attachments.js';
export * from './audit-events.js';
export * from './counters.js';
export * from './credit-notes.js';
export * from './customers.js';
export * from './idempotency-keys.js';
export * from './index-spec.js';
export * from './invoices.js';
export * from './memberships.js';
export * from './migrations.js';
export * from './organizations.js';
export * from './payments.js';
export * from './types.js';
