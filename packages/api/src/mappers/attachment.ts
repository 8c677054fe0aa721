import type { AttachmentDoc } from '@invoice/db';
import type { Attachment } from '@invoice/validators';

/** The storage key stays on the server: clients download through the org-checked route. */
export function toAttachment(doc: AttachmentDoc): Attachment {
  return {
    id: doc._id.toHexString(),
    orgId: doc.orgId.toHexString(),
    invoiceId: doc.invoiceId.toHexString(),
    filename: doc.filename,
    contentType: doc.contentType as Attachment['contentType'],
    size: doc.size,
    sha256: doc.sha256,
    uploadedBy: doc.uploadedBy,
    createdAt: doc.createdAt,
  };
}
