import type { CombinedDataTransformer } from '@trpc/server';
import SuperJSON, { type SuperJSONResult } from 'superjson';

/**
 * The router's wire format is superjson's, from one private instance: nothing registers classes,
 * symbols or custom transformers on it, which is what lets `serializeOutput` take its fast path.
 */
const superjson = new SuperJSON();

/** Keys superjson refuses to serialize (prototype pollution); the fallback throws its error. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Superjson's annotations of one container, kept in its order (see `materialize`). */
interface Pending {
  /** [key, annotation] pairs of array-index keys whose value is a Date. */
  indices: unknown[];
  /** [key, annotation or nested Pending] pairs of everything else. */
  rest: unknown[];
}

const NATIVE_DATE_TO_JSON: unknown = Reflect.get(Date.prototype, 'toJSON');
const NATIVE_TO_ISO: unknown = Reflect.get(Date.prototype, 'toISOString');

/** JSON.stringify writes Dates through these two; patched, superjson's copy could differ. */
function dateBuiltInsAreNative(): boolean {
  return (
    Reflect.get(Date.prototype, 'toJSON') === NATIVE_DATE_TO_JSON &&
    Reflect.get(Date.prototype, 'toISOString') === NATIVE_TO_ISO
  );
}

/** Thrown inside the walk when a value is outside the fast path's domain (made once). */
const FALL_BACK = new Error('outside the fast path: superjson serializes this value');

/** `isArrayIndex` of superjson's plainer: a canonical array index below 2^32 - 1. */
function isArrayIndex(key: string): boolean {
  const length = key.length;
  if (length === 0 || length > 10) return false;
  for (let i = 0; i < length; i++) {
    const code = key.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  if (key.charCodeAt(0) === 48) return length === 1;
  return length < 10 || Number(key) < 4294967295;
}

/** `escapeKey` of superjson's pathstringifier. */
function escapeKey(key: string): string {
  return key.includes('\\') || key.includes('.')
    ? key.replace(/\\/g, '\\\\').replace(/\./g, '\\.')
    : key;
}

/** Annotation of one walked value: undefined (none), `['Date']`, or a container's Pending. */
type Annotation = undefined | readonly ['Date'] | Pending;
const DATE: readonly ['Date'] = ['Date'];

function isPending(annotation: Annotation): annotation is Pending {
  return annotation !== undefined && annotation !== DATE;
}

class Walk {
  /** Every object met: a second meeting is a shared reference, which superjson annotates. */
  private readonly seen = new Set<object>();
  annotation: Annotation = undefined;

  value(value: unknown): void {
    switch (typeof value) {
      case 'string':
      case 'boolean':
        this.annotation = undefined;
        return;
      case 'number':
        // NaN, ±Infinity and -0 carry a 'number' annotation.
        if (!Number.isFinite(value) || Object.is(value, -0)) throw FALL_BACK;
        this.annotation = undefined;
        return;
      case 'object':
        if (value === null) this.annotation = undefined;
        else this.object(value);
        return;
      default:
        // undefined, bigint, symbol, function.
        throw FALL_BACK;
    }
  }

  private object(value: object): void {
    if (this.seen.has(value)) throw FALL_BACK;
    this.seen.add(value);
    // superjson treats an object tagged 'Symbol' as a primitive.
    if ((value as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === 'Symbol') {
      throw FALL_BACK;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto === Date.prototype) {
      const date = value as Date;
      if (
        Number.isNaN(date.getTime()) ||
        Object.hasOwn(date, 'toJSON') ||
        Object.hasOwn(date, 'toISOString')
      ) {
        throw FALL_BACK;
      }
      this.annotation = DATE;
      return;
    }
    // JSON.stringify would call a toJSON found anywhere on the chain; superjson would not.
    if ('toJSON' in value) throw FALL_BACK;
    if (proto === Array.prototype) this.array(value as unknown[]);
    else if ((proto === Object.prototype || proto === null) && value !== Object.prototype) {
      this.plain(value as Record<string, unknown>);
    } else throw FALL_BACK;
  }

  private array(value: readonly unknown[]): void {
    // Holes and extra properties: superjson walks Object.keys, not the indices.
    if (Object.keys(value).length !== value.length) throw FALL_BACK;
    let pending: Pending | undefined;
    for (let i = 0; i < value.length; i++) {
      this.value(value[i]);
      if (this.annotation !== undefined) pending = this.collect(pending, String(i), true);
    }
    this.annotation = pending;
  }

  private plain(value: Readonly<Record<string, unknown>>): void {
    let pending: Pending | undefined;
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) throw FALL_BACK;
      this.value(value[key]);
      if (this.annotation !== undefined) {
        const escaped = escapeKey(key);
        pending = this.collect(pending, escaped, isArrayIndex(escaped));
      }
    }
    this.annotation = pending;
  }

  /** Files the last child's annotation under `key`, as superjson's walk does. */
  private collect(pending: Pending | undefined, key: string, index: boolean): Pending {
    const child = this.annotation;
    pending ??= { indices: [], rest: [] };
    if (isPending(child)) pending.rest.push(`${key}.`, child);
    else if (index) pending.indices.push(key, child);
    else pending.rest.push(key, child);
    return pending;
  }
}

/** `materialize` of superjson's plainer: the flat path → annotation record, in its order. */
function materialize(pending: Pending, prefix: string, out: Record<string, unknown>) {
  for (let i = 0; i < pending.indices.length; i += 2) {
    out[prefix + String(pending.indices[i])] = pending.indices[i + 1];
  }
  for (let i = 0; i < pending.rest.length; i += 2) {
    const key = String(pending.rest[i]);
    const value = pending.rest[i + 1];
    if (isPending(value as Annotation)) materialize(value as Pending, prefix + key, out);
    else out[prefix + key] = ['Date'];
  }
  return out;
}

/**
 * `superjson.serialize` for the wire: `JSON.stringify` of the result is exactly the text of
 * `JSON.stringify(superjson.serialize(value))`. For the values procedures return (plain objects
 * and arrays of strings, booleans, null, finite numbers and valid Dates, no object met twice,
 * no `toJSON` but Date's own, unpatched Date built-ins) it does not copy: `json` is `value`
 * itself, whose Dates JSON.stringify writes as the same ISO strings superjson's copy holds, and
 * `meta` carries superjson's annotations in superjson's order. Anything else (undefined, NaN,
 * -0, bigint, Map, Set, class instances, shared references, prototype keys) goes to superjson.
 * The result is only for JSON.stringify (every tRPC response path stringifies it at once); a
 * getter is read by the walk and again by JSON.stringify. Superjson's general walk copies the
 * whole tree and asks every leaf whether it is one of a dozen types: with the stringify, an
 * invoice.list page took about twice as long.
 */
export function serializeOutput(value: unknown): SuperJSONResult {
  if (!dateBuiltInsAreNative()) return superjson.serialize(value);
  const walk = new Walk();
  try {
    walk.value(value);
  } catch (error) {
    if (error === FALL_BACK) return superjson.serialize(value);
    throw error;
  }
  const annotation = walk.annotation;
  // `json` is the value itself: JSON.stringify writes its Dates as superjson's copy holds them.
  const json = value as SuperJSONResult['json'];
  if (annotation === undefined) return { json };
  const values = isPending(annotation) ? materialize(annotation, '', {}) : ['Date'];
  return { json, meta: { values, v: 1 } } as SuperJSONResult;
}

/** The router's transformer: superjson's format, serialized through `serializeOutput`. */
export const transformer: CombinedDataTransformer = {
  input: superjson,
  output: {
    serialize: serializeOutput,
    deserialize: (value: SuperJSONResult): unknown => superjson.deserialize(value),
  },
};

/** The same private superjson instance, for tests that compare with it. */
export const wireSuperjson: SuperJSON = superjson;
