/** Builders of hostile variants of a valid input, shared by the hostile-input and fuzz suites. */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Path = (string | number)[];

export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

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

function containerAt(root: unknown, path: Path): Record<string | number, unknown> {
  let target = root as Record<string | number, unknown>;
  for (const segment of path) target = target[segment] as Record<string | number, unknown>;
  return target;
}

/** A copy of `root` with `value` at `path`, defined as an own property (even `__proto__`). */
export function withValue(root: unknown, path: Path, value: unknown): unknown {
  const copy = clone(root);
  if (path.length === 0) return value;
  const parent = containerAt(copy, path.slice(0, -1));
  Object.defineProperty(parent, path[path.length - 1] as string | number, {
    value,
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
