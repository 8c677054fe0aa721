/** Builders of hostile variants of a valid input, shared by the hostile-input and fuzz suites. */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Path = (string | number)[];

/** Every leaf and container path of a JSON value (arrays: their first element only). */
export function pathsOf(value: unknown, prefix: Path = []): Path[] {
  const paths: Path[] = prefix.length > 0 ? [prefix] : [];
  if (Array.isArray(value)) {
    if (value.length > 0) paths.push(...pathsOf(value[0], [...prefix, 0]));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value))
      paths.push(...pathsOf(child, [...prefix, key]));
  }
  return paths;
}

/** Paths of the nested objects (the root included), where unknown keys can be slipped in. */
export function objectPaths(value: unknown, prefix: Path = []): Path[] {
  if (Array.isArray(value)) return value.length > 0 ? objectPaths(value[0], [...prefix, 0]) : [];
  if (typeof value !== 'object' || value === null) return [];
  return [
    prefix,
    ...Object.entries(value).flatMap(([key, child]) => objectPaths(child, [...prefix, key])),
  ];
}

function shallowCopy(value: unknown): Record<string | number, unknown> {
  if (Array.isArray(value)) return [...(value as unknown[])] as unknown as Record<number, unknown>;
  if (typeof value === 'object' && value !== null) {
    return Object.defineProperties({}, Object.getOwnPropertyDescriptors(value));
  }
  return {};
}

/**
 * A copy of `root` with `value` at `path`, defined as an own property (even `__proto__`).
 * Only the containers along the path are copied, so values JSON cannot hold (BigInt, Date,
 * boxed primitives) survive elsewhere.
 */
export function withValue(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string | number, ...Path];
  const copy = shallowCopy(root);
  Object.defineProperty(copy, head, {
    value: withValue(copy[head], rest, value),
    enumerable: true,
    configurable: true,
    writable: true,
  });
  return copy;
}

export function label(path: Path): string {
  return path.length === 0 ? '(root)' : path.join('.');
}

export const OPERATOR_VALUES: Json[] = [{ $ne: '' }, { $gt: '' }, { $where: 'sleep(1000)' }];
export const DOLLAR_STRINGS = ['$where', '$field'];
export const OVERSIZED_STRING = 'x'.repeat(100_000);
export const OVERSIZED_ARRAY_LENGTH = 10_000;
/** Server-owned fields a client must never set (mass assignment). */
export const SERVER_OWNED_KEYS: Record<string, Json> = {
  status: 'paid',
  total: 1,
  number: 'INV-1',
  createdBy: 'attacker',
  amountPaid: 999,
  _id: '0123456789abcdef01234567',
  $set: { role: 'owner' },
};
