import { z } from 'zod';
import { pageSchema, paginationShape } from './common.js';
import { instantSchema } from './dates.js';
import { auditEventIdSchema, objectIdSchema, orgIdSchema, userIdSchema } from './ids.js';
import { storedEmailSchema } from './stored.js';

export const AUDIT_ENTITY_TYPES = [
  'organization',
  'member',
  'customer',
  'invoice',
  'payment',
  'creditNote',
  'attachment',
] as const;
export const auditEntityTypeSchema = z.enum(AUDIT_ENTITY_TYPES);

/** The procedure that made the change, e.g. `invoice.issue`. */
export const auditActionSchema = z
  .string()
  .regex(
    /^[a-z][A-Za-z]{0,39}\.[a-z][A-Za-z]{0,39}$/,
    'Must be a procedure name such as invoice.issue',
  );

/**
 * Before/after summaries hold a few scalar fields (status, totals, number…), never whole
 * documents: bounded keys and values keep the append-only log small and safe to display.
 */
export const auditSummarySchema = z
  .record(
    z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,39}$/),
    z.union([z.string().max(500), z.number(), z.boolean(), z.null()]),
  )
  .refine((r) => Object.keys(r).length <= 50, 'At most 50 summary fields');

export const auditListInput = z
  .strictObject({
    orgId: orgIdSchema,
    entityType: auditEntityTypeSchema.optional(),
    entityId: objectIdSchema.optional(),
    ...paginationShape,
  })
  .refine((v) => v.entityId === undefined || v.entityType !== undefined, {
    message: 'entityId needs entityType',
    path: ['entityType'],
  });

export const auditEventSchema = z.strictObject({
  id: auditEventIdSchema,
  orgId: orgIdSchema,
  actor: z.strictObject({ userId: userIdSchema, email: storedEmailSchema.nullable() }),
  action: auditActionSchema,
  entityType: auditEntityTypeSchema,
  entityId: objectIdSchema,
  before: auditSummarySchema.nullable(),
  after: auditSummarySchema.nullable(),
  at: instantSchema,
});

export const auditListOutput = pageSchema(auditEventSchema);

export type AuditEntityType = z.infer<typeof auditEntityTypeSchema>;
export type AuditSummary = z.infer<typeof auditSummarySchema>;
export type AuditEvent = z.infer<typeof auditEventSchema>;
export type AuditListInput = z.input<typeof auditListInput>;
