/**
 * A native `$group` for the simple shapes report pipelines use, answering exactly what mingo's
 * `$group` answers (the reference; pipeline.ts falls back to mingo for anything else):
 *
 *   _id:          null | number | string | boolean | "$field" | { k: "$field" | literal |
 *                 { $substrBytes: ["$field", <int>, <int>] }, ... }
 *   accumulators: { $sum: "$field" } | { $sum: <number> } | { $count: {} }
 *
 * where `field` is a top-level name (no dots, no variables, no Object.prototype name). At run
 * time every key part must be a string, a finite non-negative-zero number, a boolean or null
 * (a missing top-level `_id` value is null, as in mingo); any other value — and any
 * `$substrBytes` argument mingo would refuse or that is not ASCII — abandons the fast path
 * (`undefined`), and mingo runs the stage instead, errors included.
 */
import type { Document } from 'bson';
import { isPlain, PROTO_NAMES } from './fast-project.js';

type KeyPart = string | number | boolean | null;
type Evaluate = (doc: Document) => KeyPart | undefined | typeof BAIL;
type Accumulate =
  { kind: 'sumField'; field: string } | { kind: 'sumConst'; value: number } | { kind: 'count' };

/** A value the fast path does not decide: mingo must run the stage. */
const BAIL = Symbol('bail');

/** `"$field"` → field, for a top-level name the fast path reads as mingo does. */
function fieldOf(expr: unknown): string | undefined {
  if (typeof expr !== 'string' || !expr.startsWith('$') || expr.startsWith('$$')) return undefined;
  const field = expr.slice(1);
  if (field === '' || field.includes('.') || PROTO_NAMES.has(field)) return undefined;
  return field;
}

function isKeyPart(value: unknown): value is KeyPart {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    default:
      return value === null;
  }
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

function compileScalar(expr: unknown): Evaluate | undefined {
  const field = fieldOf(expr);
  if (field !== undefined) {
    return (doc) => {
      const value: unknown = doc[field];
      if (value === undefined) return undefined;
      return isKeyPart(value) ? value : BAIL;
    };
  }
  if (typeof expr === 'string') return expr.startsWith('$') ? undefined : () => expr;
  if (isKeyPart(expr)) return () => expr;
  if (isPlain(expr)) {
    const keys = Object.keys(expr);
    const args: unknown = expr.$substrBytes;
    if (keys.length !== 1 || !Array.isArray(args) || args.length !== 3) return undefined;
    const source = fieldOf(args[0]);
    const [, start, count] = args as [unknown, unknown, unknown];
    if (source === undefined) return undefined;
    if (!Number.isInteger(start) || !Number.isInteger(count)) return undefined;
    const from = start as number;
    const n = count as number;
    if (from < 0 || n < 0) return undefined;
    return (doc) => {
      const value: unknown = doc[source];
      if (value === undefined || value === null) return '';
      // Strings only, ASCII (one byte per character), inside the string: mingo's answer is a
      // slice; anything else (errors, UTF-8 boundaries) is mingo's to decide.
      if (typeof value !== 'string' || !isAscii(value) || from + n > value.length) return BAIL;
      return value.slice(from, from + n);
    };
  }
  return undefined;
}

interface CompiledId {
  /** The group key as a string (equal keys, equal strings), and the `_id` value to emit. */
  key(doc: Document): { text: string; id: unknown } | typeof BAIL;
}

function tag(value: KeyPart): string {
  return value === null
    ? 'n'
    : `${typeof value === 'string' ? 's' : typeof value === 'number' ? 'd' : 'b'}${String(value)}`;
}

function compileId(expr: unknown): CompiledId | undefined {
  if (isPlain(expr) && !Object.keys(expr).some((k) => k.startsWith('$'))) {
    const names = Object.keys(expr);
    if (names.length === 0 || names.some((n) => PROTO_NAMES.has(n))) return undefined;
    const parts: Evaluate[] = [];
    for (const name of names) {
      const part = compileScalar(expr[name]);
      if (part === undefined) return undefined;
      parts.push(part);
    }
    return {
      key(doc) {
        const id: Document = {};
        let text = '';
        for (let i = 0; i < parts.length; i++) {
          const value = parts[i]!(doc);
          // A missing part: mingo keeps `undefined` in the key object; not decided here.
          if (value === BAIL || value === undefined) return BAIL;
          id[names[i]!] = value;
          text += `${tag(value).length}:${tag(value)}`;
        }
        return { text, id };
      },
    };
  }
  const single = compileScalar(expr);
  if (single === undefined) return undefined;
  return {
    key(doc) {
      const value = single(doc);
      if (value === BAIL) return BAIL;
      // mingo groups a missing key as null.
      const id = value === undefined ? null : value;
      return { text: tag(id), id };
    },
  };
}

function compileAccumulator(spec: unknown): Accumulate | undefined {
  if (!isPlain(spec)) return undefined;
  const ops = Object.keys(spec);
  if (ops.length !== 1) return undefined;
  const arg: unknown = spec[ops[0]!];
  if (ops[0] === '$count')
    return isPlain(arg) && Object.keys(arg).length === 0 ? { kind: 'count' } : undefined;
  if (ops[0] !== '$sum') return undefined;
  if (typeof arg === 'number' && !Number.isNaN(arg)) return { kind: 'sumConst', value: arg };
  const field = fieldOf(arg);
  return field === undefined ? undefined : { kind: 'sumField', field };
}

/** A compiled `$group`, or undefined when the spec is outside the fast path. */
export type FastGroup = (docs: Document[]) => Document[] | undefined;

export function compileFastGroup(spec: unknown): FastGroup | undefined {
  if (!isPlain(spec) || !('_id' in spec)) return undefined;
  const id = compileId(spec._id);
  if (id === undefined) return undefined;
  const outputs: { name: string; acc: Accumulate }[] = [];
  for (const name of Object.keys(spec)) {
    if (name === '_id') continue;
    if (PROTO_NAMES.has(name) || name.includes('.') || name.startsWith('$')) return undefined;
    const acc = compileAccumulator(spec[name]);
    if (acc === undefined) return undefined;
    outputs.push({ name, acc });
  }
  return (docs) => {
    const groups = new Map<string, { id: unknown; members: Document[] }>();
    for (const doc of docs) {
      const key = id.key(doc);
      if (key === BAIL) return undefined;
      const group = groups.get(key.text);
      if (group === undefined) groups.set(key.text, { id: key.id, members: [doc] });
      else group.members.push(doc);
    }
    const out: Document[] = [];
    for (const { id: groupId, members } of groups.values()) {
      const row: Document = { _id: groupId };
      for (const { name, acc } of outputs) row[name] = accumulate(acc, members);
      out.push(row);
    }
    return out;
  };
}

/** mingo's `$sum`: a constant times the count; else the sum of the values that are numbers (not NaN). */
function accumulate(acc: Accumulate, members: Document[]): number {
  switch (acc.kind) {
    case 'count':
      return members.length;
    case 'sumConst':
      return members.length * acc.value;
    case 'sumField': {
      let total = 0;
      for (const doc of members) {
        const value: unknown = doc[acc.field];
        if (typeof value === 'number' && !Number.isNaN(value)) total += value;
      }
      return total;
    }
  }
}
