/**
 * A native inclusion `$project` for the shapes report pipelines use, answering exactly what
 * mingo's `$project` answers (the reference; pipeline.ts falls back to mingo otherwise):
 *
 *   { name: 1 | true, name: <expression>, _id: 0 | false | 1 | true }
 *
 * with top-level names (no dots, no `$`, no array-index names, no Object.prototype names) and
 * expressions made of `"$field"` (top-level), string / number / boolean / null literals,
 * `$ifNull`, `$eq`, `$gt`, `$gte`, `$lt`, `$lte` and `$switch`. Values outside strings, numbers
 * (not NaN), booleans, null and missing — and comparisons mingo decides by rules this module
 * does not copy — abandon the fast path (`undefined`); mingo then runs the stage.
 *
 * mingo's output: the included and computed fields in sorted name order (computed ones always,
 * included ones when present), then `_id` unless named or excluded.
 */
import type { Document } from 'bson';

const BAIL = Symbol('bail');
type Value = string | number | boolean | null | undefined;
type Evaluate = (doc: Document) => Value | typeof BAIL;

/** Names mingo reads specially (Object.prototype's): the fast paths leave them to mingo. */
export const PROTO_NAMES = new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__']);

/** A plain object (a document or an operator spec), not a BSON value, array or date. */
export function isPlain(value: unknown): value is Document {
  return (
    value !== null &&
    typeof value === 'object' &&
    Object.getPrototypeOf(value) === Object.prototype &&
    (value as { _bsontype?: unknown })._bsontype === undefined
  );
}

/** A field name the fast path reads and writes as mingo does. */
function simpleName(name: string): boolean {
  return (
    name !== '' &&
    !name.includes('.') &&
    !name.startsWith('$') &&
    !/^(0|[1-9]\d*)$/.test(name) &&
    !PROTO_NAMES.has(name)
  );
}

function isValue(value: unknown): value is Value {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return true;
    case 'number':
      return !Number.isNaN(value);
    default:
      return value === null;
  }
}

/** mingo's `truthy` in strict mode (the server's setting): the empty string is true. */
function truthy(value: Value): boolean {
  return !!value || value === '';
}

function compileArgs(args: unknown, count: number | 'many'): Evaluate[] | undefined {
  if (!Array.isArray(args)) return undefined;
  if (count === 'many' ? args.length < 2 : args.length !== count) return undefined;
  const out: Evaluate[] = [];
  for (const arg of args) {
    const compiled = compileExpression(arg);
    if (compiled === undefined) return undefined;
    out.push(compiled);
  }
  return out;
}

/** `$gt`/`$gte`/`$lt`/`$lte` between two strings or two numbers; different types: false. */
function comparison(args: Evaluate[], test: (order: number) => boolean): Evaluate {
  const [left, right] = args as [Evaluate, Evaluate];
  return (doc) => {
    const a = left(doc);
    const b = right(doc);
    if (a === BAIL || b === BAIL) return BAIL;
    const ta = a === null ? 'null' : typeof a;
    const tb = b === null ? 'null' : typeof b;
    if (ta !== tb) return false;
    if (ta !== 'string' && ta !== 'number') return BAIL;
    return test((a as string | number) < (b as string | number) ? -1 : a === b ? 0 : 1);
  };
}

export function compileExpression(expr: unknown): Evaluate | undefined {
  if (typeof expr === 'string') {
    if (!expr.startsWith('$')) return () => expr;
    const field = expr.slice(1);
    if (expr.startsWith('$$') || !simpleName(field)) return undefined;
    return (doc) => {
      const value: unknown = doc[field];
      return isValue(value) ? value : BAIL;
    };
  }
  if (expr === null || typeof expr === 'boolean') return () => expr;
  if (typeof expr === 'number') return Number.isNaN(expr) ? undefined : () => expr;
  if (!isPlain(expr)) return undefined;
  const ops = Object.keys(expr);
  if (ops.length !== 1) return undefined;
  const op = ops[0]!;
  const arg: unknown = expr[op];
  switch (op) {
    case '$ifNull': {
      const args = compileArgs(arg, 'many');
      if (args === undefined) return undefined;
      return (doc) => {
        let value: Value | typeof BAIL = undefined;
        for (const input of args) {
          value = input(doc);
          if (value === BAIL) return BAIL;
          if (value !== null && value !== undefined) return value;
        }
        return value;
      };
    }
    case '$eq': {
      const args = compileArgs(arg, 2);
      if (args === undefined) return undefined;
      const [left, right] = args as [Evaluate, Evaluate];
      return (doc) => {
        const a = left(doc);
        const b = right(doc);
        if (a === BAIL || b === BAIL) return BAIL;
        return a === b || ((a === null || a === undefined) && (b === null || b === undefined));
      };
    }
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte': {
      const args = compileArgs(arg, 2);
      if (args === undefined) return undefined;
      const test =
        op === '$gt'
          ? (o: number) => o > 0
          : op === '$gte'
            ? (o: number) => o >= 0
            : op === '$lt'
              ? (o: number) => o < 0
              : (o: number) => o <= 0;
      return comparison(args, test);
    }
    case '$switch': {
      if (!isPlain(arg) || !Array.isArray(arg.branches) || arg.default === undefined) {
        return undefined;
      }
      if (Object.keys(arg).some((k) => k !== 'branches' && k !== 'default')) return undefined;
      const branches: [Evaluate, Evaluate][] = [];
      for (const branch of arg.branches as unknown[]) {
        if (!isPlain(branch) || Object.keys(branch).length !== 2) return undefined;
        const when = compileExpression(branch.case);
        const then = compileExpression(branch.then);
        if (when === undefined || then === undefined) return undefined;
        branches.push([when, then]);
      }
      if (branches.length === 0) return undefined;
      const otherwise = compileExpression(arg.default);
      if (otherwise === undefined) return undefined;
      return (doc) => {
        for (const [when, then] of branches) {
          const condition = when(doc);
          if (condition === BAIL) return BAIL;
          if (truthy(condition)) return then(doc);
        }
        return otherwise(doc);
      };
    }
    default:
      return undefined;
  }
}

/** A compiled `$project`, or undefined when the spec is outside the fast path. */
export type FastProject = (docs: Document[]) => Document[] | undefined;

export function compileFastProject(spec: unknown): FastProject | undefined {
  if (!isPlain(spec)) return undefined;
  const names = Object.keys(spec).sort();
  if (names.length === 0) return undefined;
  let idNamed = false;
  const fields: { name: string; compute: Evaluate | undefined }[] = [];
  for (const name of names) {
    if (!simpleName(name)) return undefined;
    const value: unknown = spec[name];
    if (value === 0 || value === false) {
      // Only `_id` may be excluded in an inclusion projection.
      if (name !== '_id') return undefined;
      idNamed = true;
      continue;
    }
    if (name === '_id') idNamed = true;
    if (value === true || (typeof value === 'number' && !Number.isNaN(value))) {
      fields.push({ name, compute: undefined });
      continue;
    }
    // A string literal or a nested document is a different rule in mingo: not here.
    if (!isPlain(value)) return undefined;
    const compute = compileExpression(value);
    if (compute === undefined) return undefined;
    fields.push({ name, compute });
  }
  if (fields.length === 0) return undefined;
  return (docs) => {
    const out: Document[] = new Array<Document>(docs.length);
    for (let i = 0; i < docs.length; i++) {
      const doc = docs[i]!;
      const projected: Document = {};
      for (const { name, compute } of fields) {
        if (compute === undefined) {
          const value: unknown = doc[name];
          if (value !== undefined) projected[name] = value;
          continue;
        }
        const value = compute(doc);
        // A computed `undefined` stays as a key in mingo: not decided here.
        if (value === BAIL || value === undefined) return undefined;
        projected[name] = value;
      }
      if (!idNamed && Object.hasOwn(doc, '_id')) projected._id = doc._id as unknown;
      out[i] = projected;
    }
    return out;
  };
}
