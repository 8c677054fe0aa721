import type { AuditEventDoc, EntityType } from '@invoice/db';
import type { AuditEntityType, AuditEvent, AuditSummary } from '@invoice/validators';

/** The API says `member` where the stored events say `membership`; everything else is the same. */
const API_ENTITY_TYPE: Record<EntityType, AuditEntityType> = {
  organization: 'organization',
  membership: 'member',
  customer: 'customer',
  invoice: 'invoice',
  payment: 'payment',
  creditNote: 'creditNote',
  attachment: 'attachment',
};

export function toStoredEntityType(type: AuditEntityType): EntityType {
  return type === 'member' ? 'membership' : type;
}

const SUMMARY_KEY = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;
const MAX_SUMMARY_FIELDS = 50;
const MAX_SUMMARY_TEXT = 500;

function truncate(text: string): string {
  return text.length <= MAX_SUMMARY_TEXT ? text : `${text.slice(0, MAX_SUMMARY_TEXT - 1)}…`;
}

function summaryValue(value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return truncate(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean') return value;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  // Nested values (an address, numbering settings, ObjectIds) are shown as compact JSON text.
  try {
    const json: string | undefined = JSON.stringify(value);
    return json === undefined ? null : truncate(json);
  } catch {
    return null;
  }
}

/**
 * Summaries are written by many procedures; the API promises a flat record of bounded
 * scalars, so anything nested is rendered as text and odd keys are left out rather than
 * failing the whole page.
 */
export function toAuditSummary(summary: Record<string, unknown> | null): AuditSummary | null {
  if (summary === null) return null;
  const entries = Object.entries(summary)
    .filter(([key]) => SUMMARY_KEY.test(key))
    .slice(0, MAX_SUMMARY_FIELDS)
    .map(([key, value]) => [key, summaryValue(value)] as const);
  return Object.fromEntries(entries);
}

export function toAuditEvent(doc: AuditEventDoc): AuditEvent {
  return {
    id: doc._id.toHexString(),
    orgId: doc.orgId.toHexString(),
    actor: { userId: doc.actor.uid, email: doc.actor.email },
    action: doc.action,
    entityType: API_ENTITY_TYPE[doc.entity.type],
    entityId: doc.entity.id.toHexString(),
    before: toAuditSummary(doc.before),
    after: toAuditSummary(doc.after),
    at: doc.at,
  };
}
