/**
 * Which top-level fields of the scanned documents a query filter or the rest of a pipeline can
 * read (MongoDB's dependency tracker, reduced to top-level names). The scan then decodes only
 * those fields. The analysis is conservative: `ALL` (decode everything) whenever a stage or
 * operator could read the whole document, pass it on unchanged, or is not understood. A field
 * set may hold names nobody reads (over-approximation is harmless); it never misses one.
 */
import type { Document } from 'bson';
import { isPlainDocument } from './compare.js';

/** Every field: no pushdown. */
export const ALL = 'all';
export type Dependencies = Set<string> | typeof ALL;

/** The top-level field a dotted path starts with (`a.b.0` → `a`). */
function topLevel(path: string): string {
  const dot = path.indexOf('.');
  return dot === -1 ? path : path.slice(0, dot);
}

/**
 * Thrown inside the walkers when the answer is "everything" deep inside a filter, expression or
 * malformed stage; caught at the entry points. One instance, made once: a new Error would
 * capture a stack trace each time. The common answers (a `$lookup` or other whole-document
 * stage, a pipeline that returns its documents whole) are returned, not thrown.
 */
class Everything extends Error {}
const EVERYTHING = new Everything('dependencies: everything');

function everything(): never {
  throw EVERYTHING;
}

/** Query operators at the top of a filter (or inside $and/$or/$nor) that need no field. */
const FILTER_NEUTRAL = new Set(['$comment']);
/** Expression operators whose argument is never an expression. */
const LITERAL_OPERATORS = new Set(['$literal', '$meta', '$rand']);
/**
 * Expression operators that read the current document without a `$path` string: `$getField`'s
 * string form names a field of $$CURRENT, script operators see everything.
 */
const OPAQUE_OPERATORS = new Set([
  '$getField',
  '$setField',
  '$unsetField',
  '$function',
  '$accumulator',
  '$where',
]);

/** Adds the fields an aggregation expression references; throws Everything for $$ROOT/$$CURRENT. */
function addExpression(expr: unknown, out: Set<string>): void {
  if (typeof expr === 'string') {
    if (!expr.startsWith('$')) return;
    if (expr.startsWith('$$')) {
      // A variable: $$ROOT and $$CURRENT are the document; others ($$this, $$value, user and
      // `let` variables, $$NOW, $$REMOVE) are values computed elsewhere or constants.
      const name = topLevel(expr.slice(2));
      if (name === 'ROOT' || name === 'CURRENT') everything();
      return;
    }
    out.add(topLevel(expr.slice(1)));
    return;
  }
  if (Array.isArray(expr)) {
    for (const item of expr) addExpression(item, out);
    return;
  }
  if (!isPlainDocument(expr)) return;
  for (const [key, value] of Object.entries(expr)) {
    if (key.startsWith('$')) {
      if (OPAQUE_OPERATORS.has(key)) everything();
      if (LITERAL_OPERATORS.has(key)) continue;
    }
    addExpression(value, out);
  }
}

/** Adds the fields a query filter reads; throws Everything for operators that see the document. */
function addFilter(filter: unknown, out: Set<string>): void {
  if (!isPlainDocument(filter)) everything();
  for (const [key, value] of Object.entries(filter)) {
    if (!key.startsWith('$')) {
      // `{path: value-or-operators}`: whatever the operators are ($elemMatch included), they
      // look at this path only.
      out.add(topLevel(key));
      continue;
    }
    switch (key) {
      case '$and':
      case '$or':
      case '$nor':
        if (!Array.isArray(value)) everything();
        for (const clause of value) addFilter(clause, out);
        break;
      case '$expr':
        addExpression(value, out);
        break;
      default:
        // $where, $jsonSchema, $text, unknown operators: anything may matter.
        if (!FILTER_NEUTRAL.has(key)) everything();
    }
  }
}

/** The accumulators of a $group / $bucket `output` spec. */
function addAccumulators(spec: Document, out: Set<string>, skip: string | undefined): void {
  for (const [name, accumulator] of Object.entries(spec)) {
    if (name === skip) continue;
    if (!isPlainDocument(accumulator)) everything();
    for (const [op, arg] of Object.entries(accumulator)) {
      if (op === '$accumulator' || op === '$function') everything();
      if (
        (op === '$top' || op === '$bottom' || op === '$topN' || op === '$bottomN') &&
        isPlainDocument(arg)
      ) {
        // sortBy names fields without `$`.
        const sortBy: unknown = arg.sortBy;
        if (sortBy !== undefined) {
          if (!isPlainDocument(sortBy)) everything();
          for (const path of Object.keys(sortBy)) out.add(topLevel(path));
        }
      }
      addExpression(arg, out);
    }
  }
}

/** True when a projection leaf excludes (0 / false). */
function excludes(value: unknown): boolean {
  return value === 0 || value === false;
}

/**
 * An inclusion $project: the fields it includes or computes from. Exclusion projections (any
 * 0/false other than `_id`) pass every other field on, so they need everything.
 */
function addProjection(spec: unknown, out: Set<string>): void {
  if (!isPlainDocument(spec)) everything();
  let included = false;
  const walk = (value: unknown, key: string, top: boolean): void => {
    if (isPlainDocument(value) && !Object.keys(value).some((k) => k.startsWith('$'))) {
      // A nested projection `{a: {b: 1}}`.
      for (const [sub, inner] of Object.entries(value)) walk(inner, sub, false);
      return;
    }
    if (excludes(value)) {
      if (!(top && key === '_id')) everything();
      return;
    }
    included = true;
    addExpression(value, out);
  };
  for (const [key, value] of Object.entries(spec)) {
    // `_id: 0` reads nothing.
    if (!(key === '_id' && excludes(value))) out.add(topLevel(key));
    walk(value, key, true);
  }
  // `{ _id: 0 }` alone is an exclusion projection.
  if (!included) everything();
  // An inclusion projection passes `_id` on unless it excludes it.
  if (!('_id' in spec)) out.add('_id');
}

/**
 * Adds a stage's reads; returns true when the stage replaces the document (later stages see its
 * output), ALL when the stage may read or pass on the whole document.
 */
function addStage(stage: Document, out: Set<string>): boolean | typeof ALL {
  const names = Object.keys(stage);
  if (names.length !== 1) everything();
  const name = names[0] as string;
  const spec: unknown = stage[name];
  switch (name) {
    case '$match':
      addFilter(spec, out);
      return false;
    case '$sort':
      if (!isPlainDocument(spec)) everything();
      for (const path of Object.keys(spec)) out.add(topLevel(path));
      return false;
    case '$limit':
    case '$skip':
      return false;
    case '$unwind': {
      const path: unknown = isPlainDocument(spec) ? spec.path : spec;
      if (typeof path !== 'string' || !path.startsWith('$') || path.startsWith('$$')) everything();
      out.add(topLevel(path.slice(1)));
      return false;
    }
    case '$addFields':
    case '$set':
      if (!isPlainDocument(spec)) everything();
      for (const [key, value] of Object.entries(spec)) {
        out.add(topLevel(key));
        addExpression(value, out);
      }
      return false;
    case '$project':
      addProjection(spec, out);
      return true;
    case '$group':
      if (!isPlainDocument(spec) || !('_id' in spec)) everything();
      addExpression(spec._id, out);
      addAccumulators(spec, out, '_id');
      return true;
    case '$count':
      return true;
    case '$sortByCount':
      addExpression(spec, out);
      return true;
    case '$bucket':
    case '$bucketAuto':
      if (!isPlainDocument(spec)) everything();
      addExpression(spec.groupBy, out);
      if (spec.output !== undefined) {
        if (!isPlainDocument(spec.output)) everything();
        addAccumulators(spec.output, out, undefined);
      }
      return true;
    default:
      // $lookup, $facet, $replaceRoot, $unset, $out/$merge, unknown stages... Returned, not
      // thrown: a $lookup pipeline ends here on every call, and a throw costs microseconds.
      return ALL;
  }
}

function guard(work: (out: Set<string>) => void): Dependencies {
  const out = new Set<string>();
  try {
    work(out);
  } catch (err) {
    // Too deep to walk (a hostile pipeline): decode everything, mingo answers as before.
    if (err === EVERYTHING || err instanceof RangeError) return ALL;
    throw err;
  }
  return out;
}

/** The top-level fields a query filter reads. */
export function filterDependencies(filter: Document): Dependencies {
  return guard((out) => addFilter(filter, out));
}

/** The top-level fields an aggregation expression reads. */
export function expressionDependencies(expr: unknown): Dependencies {
  return guard((out) => addExpression(expr, out));
}

/**
 * The top-level fields of its input documents a pipeline can read: ALL unless some stage
 * replaces the documents ($group, inclusion $project, $count, ...) before the end, since the
 * documents that reach the end are returned whole.
 */
export function pipelineDependencies(stages: Document[]): Dependencies {
  let all = true;
  const deps = guard((out) => {
    for (const stage of stages) {
      const outcome = addStage(stage, out);
      if (outcome === ALL) return;
      if (outcome) {
        all = false;
        return;
      }
    }
  });
  return all ? ALL : deps;
}

/**
 * The fields a scan feeding `stages` must decode, or undefined when every field may matter.
 * `_id` only when a stage reads it or an inclusion $project passes it on: a $group, $count or
 * $bucket never sees the input's `_id` unless it names it. The scan adds what its own filter
 * reads.
 */
export function scanFields(stages: Document[]): string[] | undefined {
  const deps = pipelineDependencies(stages);
  if (deps === ALL) return undefined;
  return [...deps];
}
