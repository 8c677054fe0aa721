import { z } from 'zod';
import {
  AT_LEAST_ONE_CHANGE,
  addressSchema,
  emailSchema,
  hasChange,
  idempotencyKeySchema,
  nameSchema,
  pageSchema,
  paginationShape,
  searchSchema,
  sortDirectionSchema,
  taxIdSchema,
} from './common.js';
import { currencyCodeSchema } from './currency.js';
import { instantSchema } from './dates.js';
import { customerIdSchema, orgIdSchema } from './ids.js';
import { storedPartyShape } from './stored.js';

export const customerCreateInput = z.strictObject({
  orgId: orgIdSchema,
  name: nameSchema,
  email: emailSchema.optional(),
  address: addressSchema.optional(),
  taxId: taxIdSchema.optional(),
  /** Default currency of this customer's invoices; the org's currency when absent. */
  currency: currencyCodeSchema.optional(),
  idempotencyKey: idempotencyKeySchema.optional(),
});

/** Fields left out stay unchanged; `null` clears an optional field. At least one change. */
export const customerUpdateInput = z
  .strictObject({
    orgId: orgIdSchema,
    customerId: customerIdSchema,
    name: nameSchema.optional(),
    email: emailSchema.nullable().optional(),
    address: addressSchema.nullable().optional(),
    taxId: taxIdSchema.nullable().optional(),
    currency: currencyCodeSchema.nullable().optional(),
    idempotencyKey: idempotencyKeySchema.optional(),
  })
  .refine(
    (value) => hasChange(value, ['orgId', 'customerId', 'idempotencyKey']),
    AT_LEAST_ONE_CHANGE,
  );

export const customerByIdInput = z.strictObject({
  orgId: orgIdSchema,
  customerId: customerIdSchema,
});

export const customerArchiveInput = z.strictObject({
  orgId: orgIdSchema,
  customerId: customerIdSchema,
  idempotencyKey: idempotencyKeySchema.optional(),
});

export const CUSTOMER_SORT_FIELDS = ['name', 'createdAt'] as const;

export const customerListInput = z.strictObject({
  orgId: orgIdSchema,
  ...paginationShape,
  /** Matches the customer name (prefix, case-insensitive) or the exact email. */
  search: searchSchema.optional(),
  includeArchived: z.boolean().default(false),
  sort: z.enum(CUSTOMER_SORT_FIELDS).default('name'),
  direction: sortDirectionSchema.default('asc'),
});

export const customerSchema = z.strictObject({
  id: customerIdSchema,
  orgId: orgIdSchema,
  ...storedPartyShape,
  currency: currencyCodeSchema.nullable(),
  archivedAt: instantSchema.nullable(),
  createdAt: instantSchema,
  updatedAt: instantSchema,
});

export const customerListOutput = pageSchema(customerSchema);

export type CustomerCreateInput = z.input<typeof customerCreateInput>;
export type CustomerUpdateInput = z.input<typeof customerUpdateInput>;
export type CustomerListInput = z.input<typeof customerListInput>;
export type Customer = z.infer<typeof customerSchema>;
