import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted and `undefined` members dropped, so two inputs that mean the same
 * thing serialize identically whatever the key order. Dates are tagged so they never collide
 * with a string of the same text. Anything that is not plain data is refused.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') {
    return JSON.stringify(value);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('Cannot fingerprint a non-finite number');
    return JSON.stringify(value);
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError('Cannot fingerprint an invalid date');
    return JSON.stringify({ $date: value.toISOString() });
  }
  if (Array.isArray(value)) {
    return `[${value.map((item: unknown) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`);
    return `{${entries.join(',')}}`;
  }
  throw new TypeError(`Cannot fingerprint a value of type ${typeof value}`);
}

/**
 * Fingerprint stored with an idempotency key: the procedure and its parsed input (defaults
 * applied, so an omitted `limit` and `limit: 20` agree), without the key itself. A retry with
 * the same key and another fingerprint is a CONFLICT.
 */
export function inputFingerprint(
  procedure: string,
  input: Readonly<Record<string, unknown>>,
): string {
  const { idempotencyKey: _key, ...rest } = input;
  return createHash('sha256')
    .update(procedure)
    .update('\n')
    .update(canonicalJson(rest))
    .digest('hex');
}
