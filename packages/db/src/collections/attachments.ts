import type { ObjectId } from 'mongodb';
import type { IndexDefinition } from './index-spec.js';
import type { OrgScoped } from './types.js';

export interface AttachmentDoc extends OrgScoped {
  invoiceId: ObjectId;
  /** Sanitized original name, for display and Content-Disposition only; never a path. */
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  /** Path relative to UPLOAD_DIR: `<orgId>/<generatedId>`. */
  storageKey: string;
  uploadedBy: string;
}

export const attachmentIndexes: IndexDefinition[] = [
  { name: 'org_invoice', key: { orgId: 1, invoiceId: 1, createdAt: -1 } },
];
