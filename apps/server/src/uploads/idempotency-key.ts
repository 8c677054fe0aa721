import { idempotencyKeySchema } from '@invoice/validators';
import { HttpError } from './http-error.js';

/**
 * The upload's `Idempotency-Key` header: absent, or a key by the rules of the mutations'
 * `idempotencyKey` (1–255 printable ASCII characters). Checked before the body is read, so a
 * bad key costs no upload. Node joins a repeated header with ", ": two keys are one bad key
 * only if the result breaks the rules, and then refused like any other.
 */
export function uploadIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const parsed = idempotencyKeySchema.safeParse(header);
  if (!parsed.success) {
    const problem = parsed.error.issues[0]?.message ?? 'invalid';
    throw new HttpError('BAD_REQUEST', `Idempotency-Key: ${problem}`);
  }
  return parsed.data;
}
