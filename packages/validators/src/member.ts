import { z } from 'zod';
import { emailSchema, idempotencyKeySchema } from './common.js';
import { instantSchema } from './dates.js';
import { membershipIdSchema, orgIdSchema, userIdSchema } from './ids.js';
import { storedEmailSchema } from './stored.js';

/** Roles from least to most powerful; each includes every role before it. */
export const ROLES = ['viewer', 'accountant', 'admin', 'owner'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

export const MEMBERSHIP_STATUSES = ['active', 'pending'] as const;
export const membershipStatusSchema = z.enum(MEMBERSHIP_STATUSES);

/**
 * A member is addressed by `userId` once bound to a Firebase user, or by `email` while the
 * invite is pending: exactly one of the two.
 */
const memberTargetShape = {
  orgId: orgIdSchema,
  userId: userIdSchema.optional(),
  email: emailSchema.optional(),
};

function exactlyOneTarget(value: { userId?: string | undefined; email?: string | undefined }) {
  return (value.userId === undefined) !== (value.email === undefined);
}
const exactlyOneTargetMessage = {
  message: 'Give exactly one of userId (active member) or email (pending invite)',
  path: ['userId'],
};

export const memberListInput = z.strictObject({ orgId: orgIdSchema });

export const memberAddInput = z.strictObject({
  orgId: orgIdSchema,
  email: emailSchema,
  role: roleSchema,
  idempotencyKey: idempotencyKeySchema.optional(),
});

export const memberUpdateRoleInput = z
  .strictObject({
    ...memberTargetShape,
    role: roleSchema,
    idempotencyKey: idempotencyKeySchema.optional(),
  })
  .refine(exactlyOneTarget, exactlyOneTargetMessage);

export const memberRemoveInput = z
  .strictObject({ ...memberTargetShape, idempotencyKey: idempotencyKeySchema.optional() })
  .refine(exactlyOneTarget, exactlyOneTargetMessage);

/** What `member.remove` returns. */
export const memberRemoveOutput = z.strictObject({ removed: z.literal(true) });

export const membershipSchema = z.strictObject({
  id: membershipIdSchema,
  orgId: orgIdSchema,
  /** Null while the invite is pending (no Firebase user has claimed it yet). */
  userId: userIdSchema.nullable(),
  email: storedEmailSchema,
  role: roleSchema,
  status: membershipStatusSchema,
  createdAt: instantSchema,
  updatedAt: instantSchema,
});

export const memberListOutput = z.array(membershipSchema).max(1000);

export type MemberAddInput = z.input<typeof memberAddInput>;
export type MemberUpdateRoleInput = z.input<typeof memberUpdateRoleInput>;
export type MemberRemoveInput = z.input<typeof memberRemoveInput>;
export type Membership = z.infer<typeof membershipSchema>;
