import { z } from 'zod';
import { idempotencyKeySchema, pageSchema, paginationShape } from './common.js';
import { instantSchema } from './dates.js';
import { attachmentIdSchema, invoiceIdSchema, orgIdSchema, userIdSchema } from './ids.js';
import { MAX_LENGTH, textSchema } from './text.js';
import { storedTextSchema } from './stored.js';

/**
 * The largest attachment any server configuration stores: the maximum of the server's
 * UPLOAD_MAX_BYTES (its default is DEFAULT_ATTACHMENT_MAX_BYTES). The output contract's cap, so
 * whatever a server was configured to store can be listed.
 */
export const MAX_ATTACHMENT_BYTES = 1024 * 1024 * 1024;
/** UPLOAD_MAX_BYTES's default: 10 MiB (the handbook's upload SLO assumes 10 MB). */
export const DEFAULT_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024;

/** Types we store and serve back; the server checks the bytes, not only the declared type. */
export const ATTACHMENT_CONTENT_TYPES = [
  'application/pdf',
  'image/png',
  'image/jpeg',
  'image/webp',
  'text/plain',
  'text/csv',
] as const;
export const attachmentContentTypeSchema = z.enum(ATTACHMENT_CONTENT_TYPES);

/**
 * A file name as shown and offered on download: no path separators, no leading dot, no
 * control characters, so it can go into Content-Disposition and never names a path.
 */
export const attachmentFilenameSchema = textSchema({ max: MAX_LENGTH.filename }).pipe(
  z
    .string()
    .regex(/^[^/\\]+$/, 'File name must not contain "/" or "\\"')
    .refine((name) => !name.startsWith('.'), 'File name must not start with "."')
    // Bidirectional overrides make "invoice\u202Efdp.exe" display as "invoiceexe.pdf".
    .refine(
      (name) => !/[\u202A-\u202E\u2066-\u2069]/.test(name),
      'File name must not contain bidirectional control characters',
    ),
);

/** Path parameters of the upload route. */
export const attachmentUploadParams = z.strictObject({
  orgId: orgIdSchema,
  invoiceId: invoiceIdSchema,
});

/** Path parameters of the download route. */
export const attachmentDownloadParams = z.strictObject({
  orgId: orgIdSchema,
  attachmentId: attachmentIdSchema,
});

export const attachmentListInput = z.strictObject({
  orgId: orgIdSchema,
  invoiceId: invoiceIdSchema,
  ...paginationShape,
});

export const attachmentDeleteInput = z.strictObject({
  orgId: orgIdSchema,
  attachmentId: attachmentIdSchema,
  idempotencyKey: idempotencyKeySchema.optional(),
});

/** What `attachment.delete` returns: the id of the attachment that is gone. */
export const attachmentDeleteOutput = z.strictObject({
  deleted: z.literal(true),
  id: attachmentIdSchema,
});

export const attachmentSchema = z.strictObject({
  id: attachmentIdSchema,
  orgId: orgIdSchema,
  invoiceId: invoiceIdSchema,
  filename: storedTextSchema(MAX_LENGTH.filename),
  contentType: attachmentContentTypeSchema,
  size: z.int().min(0).max(MAX_ATTACHMENT_BYTES),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  uploadedBy: userIdSchema,
  createdAt: instantSchema,
});

export const attachmentListOutput = pageSchema(attachmentSchema);

export type Attachment = z.infer<typeof attachmentSchema>;
