import { z } from 'zod';
import {
  AT_LEAST_ONE_CHANGE,
  addressSchema,
  hasChange,
  idempotencyKeySchema,
  nameSchema,
  taxIdSchema,
} from './common.js';
import { currencyCodeSchema } from './currency.js';
import { instantSchema, timeZoneSchema } from './dates.js';
import { orgIdSchema } from './ids.js';
import { taxRatesSchema } from './money.js';
import { roleSchema } from './member.js';
import { storedPartyShape, storedTimeZoneSchema } from './stored.js';

/** Prefixes are printed on documents and become part of a unique key: a short plain token. */
const numberPrefixSchema = z
  .string('Must be a prefix string')
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_/-]{0,15}$/,
    'Prefix must be 1-16 letters, digits, "_", "/" or "-", starting with a letter or digit',
  );

export const NUMBER_SEPARATORS = ['-', '/', '.', '_', ''] as const;

const numberingFields = {
  prefix: numberPrefixSchema,
  creditNotePrefix: numberPrefixSchema,
  includeYear: z.boolean(),
  separator: z.enum(NUMBER_SEPARATORS),
  padding: z.int().min(1, 'Padding must be 1-12').max(12, 'Padding must be 1-12'),
  resetYearly: z.boolean(),
};

/** Every numbering field, required and without defaults (stored numberings have them all). */
const wholeNumbering = z.strictObject(numberingFields);

/** The rules a whole numbering must keep, checked after defaults or a partial update. */
function withNumberingRules<T extends z.ZodType<z.infer<typeof wholeNumbering>>>(schema: T) {
  return schema
    .refine((n) => !n.resetYearly || n.includeYear, {
      message: 'A yearly reset needs the year in the number, or numbers would repeat every year',
      path: ['resetYearly'],
    })
    .refine((n) => n.prefix !== n.creditNotePrefix, {
      message: 'Invoice and credit note prefixes must differ',
      path: ['creditNotePrefix'],
    });
}

/**
 * How document numbers are printed: `${prefix}${year}${separator}${sequence}`, e.g.
 * `INV-2026-00042`, or `${prefix}${sequence}` without the year. `resetYearly` starts a new
 * series (at 1) every calendar year of the issue date; otherwise one series runs forever.
 */
export const numberingSchema = withNumberingRules(
  z.strictObject({
    prefix: numberingFields.prefix.default('INV-'),
    creditNotePrefix: numberingFields.creditNotePrefix.default('CN-'),
    includeYear: numberingFields.includeYear.default(true),
    separator: numberingFields.separator.default('-'),
    padding: numberingFields.padding.default(5),
    resetYearly: numberingFields.resetYearly.default(false),
  }),
);

/**
 * `organization.update`'s numbering: the fields to change, no defaults (a field left out keeps
 * its stored value). The merged result must pass `completeNumbering`.
 */
export const numberingPatchSchema = wholeNumbering.partial();

/** A stored numbering with a patch applied, checked against the numbering rules. */
export const completeNumbering = withNumberingRules(wholeNumbering);

export const paymentTermsDaysSchema = z
  .int('Must be a whole number of days')
  .min(0, 'Must not be negative')
  .max(365, 'Must be at most 365 days');

export const DEFAULT_PAYMENT_TERMS_DAYS = 30;

export const organizationCreateInput = z.strictObject({
  name: nameSchema,
  currency: currencyCodeSchema,
  timezone: timeZoneSchema,
  numbering: numberingSchema.optional(),
  idempotencyKey: idempotencyKeySchema.optional(),
});

export const organizationByIdInput = z.strictObject({ orgId: orgIdSchema });

/** Fields left out stay unchanged; `null` clears an optional field. At least one change. */
export const organizationUpdateInput = z
  .strictObject({
    orgId: orgIdSchema,
    name: nameSchema.optional(),
    address: addressSchema.nullable().optional(),
    taxId: taxIdSchema.nullable().optional(),
    currency: currencyCodeSchema.optional(),
    timezone: timeZoneSchema.optional(),
    numbering: numberingPatchSchema.optional(),
    paymentTermsDays: paymentTermsDaysSchema.optional(),
    defaultTaxRates: taxRatesSchema.optional(),
    idempotencyKey: idempotencyKeySchema.optional(),
  })
  .refine((value) => hasChange(value, ['orgId', 'idempotencyKey']), AT_LEAST_ONE_CHANGE);

export const organizationSchema = z.strictObject({
  id: orgIdSchema,
  name: storedPartyShape.name,
  address: storedPartyShape.address,
  taxId: storedPartyShape.taxId,
  currency: currencyCodeSchema,
  timezone: storedTimeZoneSchema,
  numbering: numberingSchema,
  paymentTermsDays: paymentTermsDaysSchema,
  defaultTaxRates: taxRatesSchema,
  createdAt: instantSchema,
  updatedAt: instantSchema,
});

/** An organization with the caller's role in it (`organization.create` answers `owner`). */
export const organizationWithRoleSchema = organizationSchema.extend({ role: roleSchema });

/** `organization.list`: every org the caller belongs to, with the caller's role in it. */
export const organizationListOutput = z.array(organizationWithRoleSchema).max(1000);

export type Numbering = z.infer<typeof numberingSchema>;
export type NumberingInput = z.input<typeof numberingSchema>;
export type OrganizationCreateInput = z.input<typeof organizationCreateInput>;
export type OrganizationUpdateInput = z.input<typeof organizationUpdateInput>;
export type Organization = z.infer<typeof organizationSchema>;
