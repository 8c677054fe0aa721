import type { ObjectId } from 'mongodb';
import type { IndexDefinition } from './index-spec.js';
import type { Actor } from './types.js';

export type EntityType =
  'organization' | 'membership' | 'customer' | 'invoice' | 'payment' | 'creditNote' | 'attachment';

/** Append-only: written in the same transaction as the change it records; never updated. */
export interface AuditEventDoc {
  _id: ObjectId;
  orgId: ObjectId;
  actor: Actor;
  action: string;
  entity: { type: EntityType; id: ObjectId };
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  at: Date;
  requestId: string | null;
}

export const auditEventIndexes: IndexDefinition[] = [
  { name: 'org_at', key: { orgId: 1, at: -1, _id: -1 } },
  { name: 'org_entity_at', key: { orgId: 1, 'entity.type': 1, 'entity.id': 1, at: -1, _id: -1 } },
];
