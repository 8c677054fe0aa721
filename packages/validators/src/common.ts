import { z } from 'zod';
import { FORBIDDEN_OBJECT_KEYS, MAX_LENGTH, textSchema } from './text.js';

/** Optional on every mutation: retries with the same key and input return the first result. */
export const idempotencyKeySchema = z
  .string('Must be a string')
  .min(1, 'Must not be empty')
  .max(255, 'Must be at most 255 characters')
  .regex(/^[\x20-\x7E]+$/, 'Must contain printable ASCII characters only')
  .refine((key) => !/^\$[A-Za-z_$]/.test(key), 'Must not start with "$" followed by a name');

export const DEFAULT_PAGE_LIMIT = 20;
export const MAX_PAGE_LIMIT = 100;

/**
 * Calls per batched tRPC HTTP request: the server's default TRPC_MAX_BATCH (it refuses larger
 * batches) and @invoice/client's default `maxItems`, one number for both.
 */
export const DEFAULT_MAX_BATCH_ITEMS = 20;

/**
 * The message of the server's 503 while it sheds load (heap or event loop over its bound), which
 * `invoice-admin health` recognizes in place of a readiness body.
 */
export const SHEDDING_MESSAGE = 'Server overloaded, retry later';

export const limitSchema = z
  .int('Must be an integer')
  .min(1, 'Must be at least 1')
  .max(MAX_PAGE_LIMIT, `Must be at most ${MAX_PAGE_LIMIT}`)
  .default(DEFAULT_PAGE_LIMIT);

/** Opaque to clients; the server encodes it as base64url, so nothing else is accepted. */
export const cursorSchema = z
  .string('Must be a cursor string')
  .min(1, 'Must not be empty')
  .max(1024, 'Must be at most 1024 characters')
  .regex(/^[A-Za-z0-9_-]+$/, 'Must be a cursor returned by a previous page');

/** `limit` and `cursor`, spread into every list input. */
export const paginationShape = {
  limit: limitSchema,
  cursor: cursorSchema.optional(),
};

export const sortDirectionSchema = z.enum(['asc', 'desc']);

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.strictObject({
    items: z.array(item).max(MAX_PAGE_LIMIT),
    nextCursor: cursorSchema.nullable(),
  });
}

/** Search terms end up in an anchored, escaped regex or a text index: never an operator. */
export const searchSchema = textSchema({ max: 100, noLeadingDollar: 'strict' });

export const emailSchema = z
  .email('Must be an email address')
  .max(MAX_LENGTH.email, `Must be at most ${MAX_LENGTH.email} characters`)
  .toLowerCase();

export const nameSchema = textSchema({ max: MAX_LENGTH.name });

export const notesSchema = textSchema({ max: MAX_LENGTH.notes, multiline: true });

/** Tax or VAT identification number: letters, digits and the usual separators. */
export const taxIdSchema = textSchema({ max: MAX_LENGTH.taxId }).pipe(
  z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9 .\-/]*$/,
      'Must be a tax id: letters, digits, " ", ".", "-", "/"',
    ),
);

/** ISO 3166-1 alpha-2 country code. */
export const countryCodeSchema = z
  .string('Must be a country code')
  .regex(/^[A-Z]{2}$/, 'Must be an ISO 3166-1 alpha-2 country code such as "FR"');

/** An address's shape, with `text(max)` for its free-text lines (input or stored rules). */
export function addressShapeOf<T extends z.ZodType>(text: (max: number) => T) {
  return z.strictObject({
    line1: text(MAX_LENGTH.addressLine),
    line2: text(MAX_LENGTH.addressLine).optional(),
    city: text(MAX_LENGTH.city),
    postalCode: text(MAX_LENGTH.postalCode).optional(),
    region: text(MAX_LENGTH.region).optional(),
    country: countryCodeSchema,
  });
}

export const addressSchema = addressShapeOf((max) => textSchema({ max }));

export const MAX_METADATA_ENTRIES = 20;

/**
 * Metadata keys become document field names, so no `$`, no `.`, no prototype keys: a letter,
 * then letters, digits, `_` or `-`, 40 at most.
 */
export const metadataKeySchema = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9_-]{0,39}$/,
    'Metadata keys must start with a letter and hold 1-40 letters, digits, "_" or "-"',
  )
  .refine((key) => !FORBIDDEN_OBJECT_KEYS.has(key), 'Metadata key is reserved');

export const metadataValueSchema = textSchema({ max: MAX_LENGTH.metadataValue, min: 0 });

const metadataRecord = z
  .record(z.string(), metadataValueSchema)
  .refine(
    (record) => Object.keys(record).length <= MAX_METADATA_ENTRIES,
    `At most ${MAX_METADATA_ENTRIES} metadata entries`,
  );

/**
 * Keys are checked on the raw object, before zod's record sees it: the record silently drops an
 * own `__proto__` key (JSON.parse creates one), and its own key errors only say "Invalid key".
 * Here every bad key is refused by name, with the rule it breaks.
 */
export const metadataSchema = z.preprocess<unknown, typeof metadataRecord, Record<string, string>>(
  (raw, ctx) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
    const keys = Object.keys(raw);
    // Count first: a body with thousands of keys gets one issue, not thousands of checks.
    if (keys.length > MAX_METADATA_ENTRIES) {
      ctx.addIssue({
        code: 'custom',
        message: `At most ${MAX_METADATA_ENTRIES} metadata entries`,
        input: raw,
      });
      return raw;
    }
    for (const key of keys) {
      if (FORBIDDEN_OBJECT_KEYS.has(key)) {
        ctx.addIssue({
          code: 'custom',
          message: `Metadata key "${key}" is not allowed`,
          input: raw,
          path: [key],
        });
        continue;
      }
      const checked = metadataKeySchema.safeParse(key);
      if (!checked.success) {
        const reason = checked.error.issues[0]?.message ?? 'Invalid metadata key';
        ctx.addIssue({
          code: 'custom',
          message: `${reason} (got "${key.slice(0, 50)}")`,
          input: raw,
          path: [key],
        });
      }
    }
    return raw;
  },
  metadataRecord,
);

export type Address = z.infer<typeof addressSchema>;
export type Metadata = z.infer<typeof metadataSchema>;
export type Email = z.infer<typeof emailSchema>;

export const AT_LEAST_ONE_CHANGE = 'Give at least one field to change';

/** Partial updates must change something besides the keys that address the document. */
export function hasChange(value: object, addressingKeys: readonly string[]): boolean {
  return Object.entries(value).some(
    ([key, item]) => !addressingKeys.includes(key) && item !== undefined,
  );
}
