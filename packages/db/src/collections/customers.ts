import type { IndexDefinition } from './index-spec.js';
import type { OrgScoped, PostalAddress } from './types.js';

export interface CustomerDoc extends OrgScoped {
  name: string;
  /** Lower-cased name for case-insensitive prefix search. */
  nameLower: string;
  email: string | null;
  address: PostalAddress | null;
  taxId: string | null;
  currency: string | null;
  archivedAt: Date | null;
}

export const customerIndexes: IndexDefinition[] = [
  { name: 'org_name', key: { orgId: 1, nameLower: 1, _id: 1 } },
  { name: 'org_created', key: { orgId: 1, createdAt: -1, _id: -1 } },
];
