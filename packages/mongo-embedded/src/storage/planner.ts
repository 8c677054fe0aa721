/**
 * Chooses how to read a collection for a filter and sort: `_id` lookups (IDHACK), a bounded
 * index scan (equality, $in and ranges on a prefix of an index, optionally giving the sort
 * order), a full index scan that gives the sort order, or a collection scan. The index only
 * narrows: the engine re-checks the whole filter on every candidate, so bounds may be loose
 * but must never exclude a matching document.
 */
import type { Document } from 'bson';
import { ErrorCode, MongoCommandError } from '../errors.js';
import { compareValues, typeRank, TypeRank } from '../query/compare.js';
import type { IndexTable } from './index-table.js';
import { sameKeyPattern } from './index-spec.js';

interface Bound {
  value: unknown;
  inclusive: boolean;
}

export interface FieldBounds {
  points?: unknown[];
  lo?: Bound;
  hi?: Bound;
}

/** Position of an index key relative to an interval, in index order. */
export type Interval = (key: unknown[]) => -1 | 0 | 1;

export type Plan =
  | { kind: 'collscan'; reverse: boolean; sortCovered: boolean }
  | { kind: 'id'; ids: unknown[]; exact: boolean; sortCovered: boolean }
  | {
      kind: 'ixscan';
      index: IndexTable;
      intervals: Interval[];
      reverse: boolean;
      sortCovered: boolean;
      /** Several intervals or a multikey index can yield one record more than once. */
      dedupe: boolean;
      /**
       * What candidates are re-checked against: the filter minus what the bounds express
       * (empty when the bounds express the whole filter).
       */
      residual: Document;
      /** Whole-key points (in interval order) when every index field is pinned: hash lookups. */
      points?: unknown[][];
    };

const MAX_INTERVALS = 1000;

function bsonTag(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const tag = (value as { _bsontype?: unknown })._bsontype;
  return typeof tag === 'string' ? tag : undefined;
}

function isRegex(value: unknown): boolean {
  return value instanceof RegExp || bsonTag(value) === 'BSONRegExp';
}

function isOperatorObject(value: unknown): value is Document {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  if (value instanceof Date || value instanceof RegExp || bsonTag(value) !== undefined)
    return false;
  const first = Object.keys(value)[0];
  return first !== undefined && first.startsWith('$');
}

/** Values an equality can use as an index point: arrays and regexes match more than equal keys. */
function pointEligible(value: unknown): boolean {
  return value !== undefined && !Array.isArray(value) && !isRegex(value);
}

function rangeEligible(value: unknown): boolean {
  if (!pointEligible(value)) return false;
  const rank = typeRank(value);
  return rank !== TypeRank.Null && rank !== TypeRank.MinKey && rank !== TypeRank.MaxKey;
}

function addCondition(out: Map<string, FieldBounds>, path: string, cond: unknown): void {
  const b = out.get(path) ?? {};
  if (!isOperatorObject(cond)) {
    if (pointEligible(cond)) b.points ??= [cond];
  } else {
    for (const [op, value] of Object.entries(cond)) {
      switch (op) {
        case '$eq':
          if (pointEligible(value)) b.points ??= [value];
          break;
        case '$in':
          if (Array.isArray(value) && value.every((v) => pointEligible(v))) b.points ??= value;
          break;
        case '$gt':
        case '$gte':
          if (rangeEligible(value)) b.lo ??= { value, inclusive: op === '$gte' };
          break;
        case '$lt':
        case '$lte':
          if (rangeEligible(value)) b.hi ??= { value, inclusive: op === '$lte' };
          break;
        default:
          // Other operators ($ne, $exists, $elemMatch, ...) don't bound the scan.
          break;
      }
    }
  }
  if (b.points !== undefined || b.lo !== undefined || b.hi !== undefined) out.set(path, b);
}

/** Per-field bounds implied by a filter's top-level conjunction (including `$and`). */
export function extractBounds(
  filter: Document,
  out = new Map<string, FieldBounds>(),
): Map<string, FieldBounds> {
  for (const [key, cond] of Object.entries(filter)) {
    if (key === '$and' && Array.isArray(cond)) {
      for (const part of cond as unknown[]) {
        if (typeof part === 'object' && part !== null && !Array.isArray(part)) {
          extractBounds(part, out);
        }
      }
    } else if (key === '$or' && Array.isArray(cond)) {
      addOrHull(out, cond as unknown[]);
    } else if (!key.startsWith('$')) {
      addCondition(out, key, cond);
    }
  }
  return out;
}

/** A branch's bounds on one field as one range (points become their span), or undefined. */
function branchRange(
  b: FieldBounds,
): { lo?: Bound; hi?: Bound; rank: ReturnType<typeof typeRank> } | undefined {
  const values: unknown[] = [];
  if (b.points !== undefined) {
    if (b.points.length === 0 || !b.points.every((v) => rangeEligible(v))) return undefined;
    values.push(...b.points);
  }
  if (b.lo !== undefined) values.push(b.lo.value);
  if (b.hi !== undefined) values.push(b.hi.value);
  const rank = typeRank(values[0]);
  if (values.some((v) => typeRank(v) !== rank)) return undefined;
  if (b.points !== undefined) {
    const sorted = [...b.points].sort(compareValues);
    // Points and a range on one field both hold: the points' span is already a superset.
    return {
      lo: { value: sorted[0], inclusive: true },
      hi: { value: sorted[sorted.length - 1], inclusive: true },
      rank,
    };
  }
  return { ...(b.lo ? { lo: b.lo } : {}), ...(b.hi ? { hi: b.hi } : {}), rank };
}

/**
 * An `$or` bounds a field when every branch does, within one type bracket: the hull of the
 * branches' ranges (lowest low, highest high) holds every document any branch matches. This is
 * what turns a keyset cursor (`{ $or: [{ at: { $lt: x } }, { at: x, _id: { $lt: id } }] }`)
 * into a scan that starts at `x` instead of at the beginning of the index.
 */
function addOrHull(out: Map<string, FieldBounds>, branches: unknown[]): void {
  if (branches.length === 0) return;
  const maps: Map<string, FieldBounds>[] = [];
  for (const branch of branches) {
    if (typeof branch !== 'object' || branch === null || Array.isArray(branch)) return;
    maps.push(extractBounds(branch));
  }
  for (const path of (maps[0] as Map<string, FieldBounds>).keys()) {
    const ranges = maps.map((m) => {
      const b = m.get(path);
      return b === undefined ? undefined : branchRange(b);
    });
    if (ranges.some((r) => r === undefined)) continue;
    const defined = ranges as { lo?: Bound; hi?: Bound; rank: ReturnType<typeof typeRank> }[];
    if (defined.some((r) => r.rank !== defined[0]?.rank)) continue;
    let lo: Bound | undefined = defined[0]?.lo;
    let hi: Bound | undefined = defined[0]?.hi;
    for (const r of defined) {
      lo = r.lo === undefined || lo === undefined ? undefined : widerLow(lo, r.lo);
      hi = r.hi === undefined || hi === undefined ? undefined : widerHigh(hi, r.hi);
    }
    if (lo === undefined && hi === undefined) continue;
    const b = out.get(path) ?? {};
    if (lo !== undefined) b.lo ??= lo;
    if (hi !== undefined) b.hi ??= hi;
    out.set(path, b);
  }
}

function widerLow(a: Bound, b: Bound): Bound {
  const c = compareValues(a.value, b.value);
  if (c !== 0) return c < 0 ? a : b;
  return { value: a.value, inclusive: a.inclusive || b.inclusive };
}

function widerHigh(a: Bound, b: Bound): Bound {
  const c = compareValues(a.value, b.value);
  if (c !== 0) return c > 0 ? a : b;
  return { value: a.value, inclusive: a.inclusive || b.inclusive };
}

function rangePosition(v: unknown, lo: Bound | undefined, hi: Bound | undefined): -1 | 0 | 1 {
  // Ranges are type-bracketed: { $gt: 5 } covers numbers above 5 and nothing else.
  const rank = typeRank(v);
  if (lo !== undefined) {
    const loRank = typeRank(lo.value);
    if (rank < loRank) return -1;
    if (rank === loRank) {
      const c = compareValues(v, lo.value);
      if (c < 0 || (c === 0 && !lo.inclusive)) return -1;
    }
    if (hi === undefined && rank > loRank) return 1;
  }
  if (hi !== undefined) {
    const hiRank = typeRank(hi.value);
    if (rank > hiRank) return 1;
    if (rank === hiRank) {
      const c = compareValues(v, hi.value);
      if (c > 0 || (c === 0 && !hi.inclusive)) return 1;
    }
    if (lo === undefined && rank < hiRank) return -1;
  }
  return 0;
}

function sortedPoints(points: unknown[], direction: 1 | -1): unknown[] {
  const sorted = [...points].sort((a, b) => compareValues(a, b) * direction);
  return sorted.filter((v, i) => i === 0 || compareValues(v, sorted[i - 1]) !== 0);
}

interface IndexBounds {
  intervals: Interval[];
  /** Leading fields pinned to one value (results are constant on them). */
  singlePointFields: Set<string>;
  singlePointPrefix: number;
  /** Leading fields with point bounds. */
  pointPrefix: number;
  hasRange: boolean;
  /** Some bound admits null/missing (then a sparse index could miss documents). */
  admitsNull: boolean;
  dedupe: boolean;
  /** The point tuples, when they pin every index field. */
  points: unknown[][] | undefined;
}

function boundsForIndex(index: IndexTable, bounds: Map<string, FieldBounds>): IndexBounds {
  const fields = index.fields;
  const pointLists: unknown[][] = [];
  let combos = 1;
  let admitsNull = false;
  for (const field of fields) {
    const points = bounds.get(field.path)?.points;
    if (points === undefined) break;
    const sorted = sortedPoints(points, field.direction);
    if (combos * Math.max(sorted.length, 1) > MAX_INTERVALS) break;
    combos *= Math.max(sorted.length, 1);
    if (sorted.some((p) => typeRank(p) === TypeRank.Null)) admitsNull = true;
    pointLists.push(sorted);
  }
  const k = pointLists.length;
  let singlePointPrefix = 0;
  const singlePointFields = new Set<string>();
  for (let i = 0; i < k && pointLists[i]?.length === 1; i++) {
    singlePointPrefix++;
    singlePointFields.add((fields[i] as { path: string }).path);
  }
  const rangeField = fields[k];
  const rb = rangeField === undefined ? undefined : bounds.get(rangeField.path);
  let lo = rb?.lo;
  let hi = rb?.hi;
  // On a multikey index two range operators may be satisfied by different elements, so
  // MongoDB (and we) may only use one of them as a bound.
  if (index.multikey && lo !== undefined && hi !== undefined) hi = undefined;
  const hasRange = lo !== undefined || hi !== undefined;
  if (!hasRange) {
    lo = undefined;
    hi = undefined;
  }
  const dirs = fields.map((f) => f.direction);
  let tuples: unknown[][] = [[]];
  for (const list of pointLists) {
    const next: unknown[][] = [];
    for (const t of tuples) for (const p of list) next.push([...t, p]);
    tuples = next;
  }
  const intervals = tuples.map((tuple): Interval => {
    return (key) => {
      for (let i = 0; i < k; i++) {
        const c = compareValues(key[i], tuple[i]);
        if (c !== 0) return (dirs[i] === 1 ? c : -c) < 0 ? -1 : 1;
      }
      if (hasRange) {
        const r = rangePosition(key[k], lo, hi);
        if (r !== 0) return dirs[k] === 1 ? r : r === 1 ? -1 : 1;
      }
      return 0;
    };
  });
  return {
    intervals,
    singlePointFields,
    singlePointPrefix,
    pointPrefix: k,
    hasRange,
    admitsNull,
    dedupe: index.multikey || intervals.length > 1,
    points: k === fields.length ? tuples : undefined,
  };
}

/** Whether scanning `index` (within `b`) yields documents in `sort` order, and in which direction. */
function sortCoverage(
  index: IndexTable,
  b: Pick<IndexBounds, 'singlePointFields' | 'singlePointPrefix'>,
  sort: [string, 1 | -1][],
): { covered: boolean; reverse: boolean } {
  if (sort.length === 0) return { covered: true, reverse: false };
  if (index.multikey) return { covered: false, reverse: false };
  const rest = sort.filter(([field]) => !b.singlePointFields.has(field));
  let forward: boolean | undefined;
  for (let j = 0; j < rest.length; j++) {
    const field = index.fields[b.singlePointPrefix + j];
    const [path, dir] = rest[j] as [string, 1 | -1];
    if (field?.path !== path) return { covered: false, reverse: false };
    const same = field.direction === dir;
    if (forward === undefined) forward = same;
    else if (forward !== same) return { covered: false, reverse: false };
  }
  return { covered: true, reverse: forward === false };
}

function sortEntries(sort: Document | undefined): [string, 1 | -1][] | undefined {
  if (sort === undefined) return [];
  const out: [string, 1 | -1][] = [];
  for (const [field, dir] of Object.entries(sort)) {
    // { $meta: ... } and other non-numeric sorts can't come from an index.
    if (typeof dir !== 'number' && bsonTag(dir) === undefined) return undefined;
    out.push([field, Number(dir) < 0 ? -1 : 1]);
  }
  return out;
}

function simpleScalar(value: unknown): boolean {
  if (typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return !Number.isNaN(value);
  return value instanceof Date || bsonTag(value) === 'ObjectId';
}

/**
 * Whether one top-level condition is exactly what the bounds of a pinned index field express:
 * an equality or $in on scalar values (then key equality is exactly the filter's equality).
 */
function exactlyBounded(cond: unknown): boolean {
  if (!isOperatorObject(cond)) return simpleScalar(cond);
  const ops = Object.entries(cond);
  if (ops.length !== 1) return false;
  const [op, value] = ops[0] as [string, unknown];
  if (op === '$eq') return simpleScalar(value);
  if (op === '$in') return Array.isArray(value) && value.every((v) => simpleScalar(v));
  return false;
}

/**
 * What candidates of an index scan must still be checked against, as MongoDB's FETCH filter:
 * the filter without the top-level conditions the bounds of the index's pinned prefix express
 * exactly (equalities and $in on scalar values over a non-multikey, non-partial index). Every
 * other condition stays, so the bounds plus the residual match exactly what the filter does.
 */
function residualFilter(index: IndexTable, filter: Document, pointPrefix: number): Document {
  if (index.multikey || index.partial !== undefined || pointPrefix === 0) return filter;
  const pinned = new Set(index.fields.slice(0, pointPrefix).map((f) => f.path));
  const residual: Document = {};
  for (const [key, cond] of Object.entries(filter) as [string, unknown][]) {
    if (!(pinned.has(key) && exactlyBounded(cond))) residual[key] = cond;
  }
  return residual;
}

function isHidden(index: IndexTable): boolean {
  return (index.spec as { hidden?: unknown }).hidden === true;
}

function findHinted(indexes: Iterable<IndexTable>, hint: string | Document): IndexTable {
  for (const index of indexes) {
    if (typeof hint === 'string' ? index.name === hint : sameKeyPattern(index.spec.key, hint)) {
      return index;
    }
  }
  throw new MongoCommandError(
    ErrorCode.BadValue,
    'error processing query: planner returned error :: caused by :: hint provided does not correspond to an existing index',
  );
}

function isOnlyIdEquality(filter: Document): boolean {
  const keys = Object.keys(filter);
  if (keys.length !== 1 || keys[0] !== '_id') return false;
  const cond: unknown = filter._id;
  if (!isOperatorObject(cond)) return pointEligible(cond);
  const ops = Object.keys(cond);
  return ops.length === 1 && ops[0] === '$eq' && pointEligible(cond.$eq);
}

export function planRead(
  indexes: Map<string, IndexTable>,
  filter: Document,
  sort: Document | undefined,
  hint: string | Document | undefined,
): Plan {
  const sortList = sortEntries(sort);
  const natural = sortList?.find(([field]) => field === '$natural');
  const hintNatural =
    typeof hint === 'object' && hint !== null && Object.keys(hint)[0] === '$natural';
  if (hintNatural || (natural !== undefined && hint === undefined)) {
    const naturalOnly = sortList !== undefined && sortList.length === 1 && natural !== undefined;
    const reverse =
      natural !== undefined ? natural[1] === -1 : Number((hint as Document).$natural) < 0;
    return { kind: 'collscan', reverse, sortCovered: naturalOnly };
  }
  const bounds = extractBounds(filter);

  if (hint !== undefined) {
    const index = findHinted(indexes.values(), hint);
    const b = boundsForIndex(index, bounds);
    const intervals = b.pointPrefix > 0 || b.hasRange ? b.intervals : [() => 0 as const];
    const cov =
      sortList === undefined
        ? { covered: false, reverse: false }
        : sortCoverage(index, b, sortList);
    return {
      kind: 'ixscan',
      index,
      intervals,
      reverse: cov.covered && cov.reverse,
      sortCovered: cov.covered && sortList !== undefined && sortList.length > 0,
      dedupe: b.dedupe || index.multikey,
      residual: residualFilter(index, filter, b.pointPrefix),
    };
  }

  const idPoints = bounds.get('_id')?.points;
  if (idPoints !== undefined) {
    return {
      kind: 'id',
      ids: idPoints,
      exact: isOnlyIdEquality(filter),
      sortCovered: sortList !== undefined && sortList.length > 0 && idPoints.length <= 1,
    };
  }

  let best: { score: number; plan: Plan } | undefined;
  for (const index of indexes.values()) {
    if (index.partial !== undefined || isHidden(index)) continue;
    const first = index.fields[0];
    if (first === undefined || !bounds.has(first.path)) continue;
    const b = boundsForIndex(index, bounds);
    if (b.pointPrefix === 0 && !b.hasRange) continue;
    if (index.sparse && b.admitsNull) continue;
    const cov =
      sortList === undefined
        ? { covered: false, reverse: false }
        : sortCoverage(index, b, sortList);
    const wantsSort = sortList !== undefined && sortList.length > 0;
    const fullyPinned =
      index.unique && b.pointPrefix === index.fields.length && b.intervals.length === 1;
    const score =
      (fullyPinned ? 1000 : 0) +
      b.pointPrefix * 8 +
      (b.hasRange ? 4 : 0) +
      (wantsSort && cov.covered ? 2 : 0) -
      index.fields.length * 0.01;
    if (best === undefined || score > best.score) {
      best = {
        score,
        plan: {
          kind: 'ixscan',
          index,
          intervals: b.intervals,
          reverse: cov.covered && cov.reverse,
          sortCovered: wantsSort && cov.covered,
          dedupe: b.dedupe,
          residual: residualFilter(index, filter, b.pointPrefix),
          ...(b.points !== undefined ? { points: b.points } : {}),
        },
      };
    }
  }
  if (best !== undefined) return best.plan;

  if (sortList !== undefined && sortList.length > 0) {
    for (const index of indexes.values()) {
      if (index.partial !== undefined || index.sparse || isHidden(index)) continue;
      const cov = sortCoverage(
        index,
        { singlePointFields: new Set(), singlePointPrefix: 0 },
        sortList,
      );
      if (cov.covered) {
        return {
          kind: 'ixscan',
          index,
          intervals: [() => 0],
          reverse: cov.reverse,
          sortCovered: true,
          dedupe: false,
          residual: filter,
        };
      }
    }
  }
  return { kind: 'collscan', reverse: false, sortCovered: false };
}
