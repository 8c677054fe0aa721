/**
 * MongoDB's BSON comparison order, shared by sort (command layer) and index keys (storage).
 *
 * Type brackets, lowest first: MinKey < null/undefined/missing < numbers < string/symbol <
 * object < array < BinData < ObjectId < bool < Date < Timestamp < RegExp < DBRef < Code <
 * MaxKey. Numbers compare by value across int/long/double/Decimal128, NaN lowest among them.
 * Strings use the "simple" collation: code-point (UTF-8 byte) order.
 */
import type { Document } from 'bson';

/** Rank of a value's type bracket; equal ranks compare by value. */
export const TypeRank = {
  MinKey: 0,
  Null: 1,
  Number: 2,
  String: 3,
  Object: 4,
  Array: 5,
  BinData: 6,
  ObjectId: 7,
  Boolean: 8,
  Date: 9,
  Timestamp: 10,
  RegExp: 11,
  DBRef: 12,
  Code: 13,
  MaxKey: 14,
} as const;

interface BsonTagged {
  _bsontype: string;
}

function bsonTag(value: object): string | undefined {
  const tag = (value as Partial<BsonTagged>)._bsontype;
  return typeof tag === 'string' ? tag : undefined;
}

export function typeRank(value: unknown): number {
  switch (typeof value) {
    case 'undefined':
      return TypeRank.Null;
    case 'number':
    case 'bigint':
      return TypeRank.Number;
    case 'string':
      return TypeRank.String;
    case 'boolean':
      return TypeRank.Boolean;
    case 'object':
      break;
    default:
      // functions/symbols never come out of BSON; order them with objects.
      return TypeRank.Object;
  }
  if (value === null) return TypeRank.Null;
  if (Array.isArray(value)) return TypeRank.Array;
  if (value instanceof Date) return TypeRank.Date;
  if (value instanceof RegExp) return TypeRank.RegExp;
  if (value instanceof Uint8Array) return TypeRank.BinData;
  switch (bsonTag(value)) {
    case undefined:
      return TypeRank.Object;
    case 'MinKey':
      return TypeRank.MinKey;
    case 'MaxKey':
      return TypeRank.MaxKey;
    case 'Long':
    case 'Int32':
    case 'Double':
    case 'Decimal128':
      return TypeRank.Number;
    case 'BSONSymbol':
      return TypeRank.String;
    case 'Binary':
      return TypeRank.BinData;
    case 'ObjectId':
      return TypeRank.ObjectId;
    case 'Timestamp':
      return TypeRank.Timestamp;
    case 'BSONRegExp':
      return TypeRank.RegExp;
    case 'DBRef':
      return TypeRank.DBRef;
    case 'Code':
      return TypeRank.Code;
    default:
      return TypeRank.Object;
  }
}

// ----- numbers -----

/** A number as either an IEEE double or an exact integer (for longs beyond 2^53). */
type Numeric = number | bigint;

interface LongLike {
  toBigInt(): bigint;
}

function toNumeric(value: unknown): Numeric {
  if (typeof value === 'number' || typeof value === 'bigint') return value;
  const v = value as { _bsontype?: string; value?: unknown };
  switch (v._bsontype) {
    case 'Long': {
      const big = (value as LongLike).toBigInt();
      return big >= -9007199254740991n && big <= 9007199254740991n ? Number(big) : big;
    }
    case 'Int32':
    case 'Double':
      return Number(v.value);
    case 'Decimal128': {
      // Approximation: Decimal128 values are compared through their nearest double (or
      // exactly when they are integers), which is exact for every value a double can hold.
      const text = String(value);
      if (/^-?\d+$/.test(text)) {
        const big = BigInt(text);
        return big >= -9007199254740991n && big <= 9007199254740991n ? Number(big) : big;
      }
      if (text === 'NaN' || text === '-NaN') return Number.NaN;
      if (text === 'Infinity') return Number.POSITIVE_INFINITY;
      if (text === '-Infinity') return Number.NEGATIVE_INFINITY;
      return Number(text);
    }
    default:
      return Number.NaN;
  }
}

function compareBigToNumber(big: bigint, num: number): number {
  if (Number.isNaN(num)) return 1;
  if (num === Number.POSITIVE_INFINITY) return -1;
  if (num === Number.NEGATIVE_INFINITY) return 1;
  const floor = Math.floor(num);
  const floorBig = BigInt(floor);
  if (big < floorBig) return -1;
  if (big > floorBig) return 1;
  return floor === num ? 0 : -1;
}

export function compareNumbers(a: unknown, b: unknown): number {
  const x = toNumeric(a);
  const y = toNumeric(b);
  if (typeof x === 'number' && typeof y === 'number') {
    if (x < y) return -1;
    if (x > y) return 1;
    if (x === y) return 0;
    // At least one NaN: NaN equals NaN and sorts below every other number.
    const xn = Number.isNaN(x);
    const yn = Number.isNaN(y);
    return xn === yn ? 0 : xn ? -1 : 1;
  }
  if (typeof x === 'bigint' && typeof y === 'bigint') return x < y ? -1 : x > y ? 1 : 0;
  if (typeof x === 'bigint') return compareBigToNumber(x, y as number);
  return -compareBigToNumber(y as bigint, x);
}

// ----- strings -----

/** Code-point order (equal to UTF-8 byte order), unlike JS's UTF-16 code-unit order. */
const HIGH_CODE_UNIT = /[\uD800-\uFFFF]/;

export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  // UTF-16 order equals code-point order unless both strings hold code units >= U+D800.
  if (!HIGH_CODE_UNIT.test(a) || !HIGH_CODE_UNIT.test(b)) return a < b ? -1 : 1;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        // Surrogates (astral code points) sort above U+E000..U+FFFF in code-point order.
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x < y ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

function stringOf(value: unknown): string {
  if (typeof value === 'string') return value;
  // BSONSymbol keeps its text in `value`.
  const inner = (value as { value?: unknown }).value;
  return typeof inner === 'string' ? inner : '';
}

// ----- composite and other types -----

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

interface BinaryLike {
  sub_type: number;
  buffer: Uint8Array;
  position: number;
}

function binaryParts(value: unknown): { subtype: number; bytes: Uint8Array } {
  if (value instanceof Uint8Array) return { subtype: 0, bytes: value };
  const bin = value as BinaryLike;
  return { subtype: bin.sub_type, bytes: bin.buffer.subarray(0, bin.position) };
}

function compareBinData(a: unknown, b: unknown): number {
  const x = binaryParts(a);
  const y = binaryParts(b);
  // MongoDB orders BinData by length, then subtype, then bytes.
  if (x.bytes.length !== y.bytes.length) return x.bytes.length < y.bytes.length ? -1 : 1;
  if (x.subtype !== y.subtype) return x.subtype < y.subtype ? -1 : 1;
  return compareBytes(x.bytes, y.bytes);
}

interface ObjectIdLike {
  id: Uint8Array;
}

/** bson 7 keeps an ObjectId as four 24-bit words; `id` allocates a fresh buffer per call. */
interface ObjectIdWords {
  i0?: unknown;
  i1: number;
  i2: number;
  i3: number;
}

function compareObjectIds(a: ObjectIdLike, b: ObjectIdLike): number {
  const x = a as unknown as ObjectIdWords;
  const y = b as unknown as ObjectIdWords;
  if (typeof x.i0 === 'number' && typeof y.i0 === 'number') {
    // Words are unsigned 24-bit, so numeric order is byte order.
    if (x.i0 !== y.i0) return x.i0 < y.i0 ? -1 : 1;
    if (x.i1 !== y.i1) return x.i1 < y.i1 ? -1 : 1;
    if (x.i2 !== y.i2) return x.i2 < y.i2 ? -1 : 1;
    return x.i3 < y.i3 ? -1 : x.i3 > y.i3 ? 1 : 0;
  }
  return compareBytes(a.id, b.id);
}

interface TimestampLike {
  t: number;
  i: number;
}

function regexParts(value: unknown): { source: string; flags: string } {
  if (value instanceof RegExp) return { source: value.source, flags: value.flags };
  const r = value as { pattern: string; options: string };
  return { source: r.pattern, flags: r.options };
}

function canonicalEntries(value: object): [string, unknown][] {
  const tag = bsonTag(value);
  if (tag === 'DBRef') {
    const ref = value as { collection: string; oid: unknown; db?: string };
    const entries: [string, unknown][] = [
      ['$ref', ref.collection],
      ['$id', ref.oid],
    ];
    if (ref.db !== undefined) entries.push(['$db', ref.db]);
    return entries;
  }
  return Object.entries(value);
}

function compareEntryLists(a: [string, unknown][], b: [string, unknown][]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const [ka, va] = a[i] as [string, unknown];
    const [kb, vb] = b[i] as [string, unknown];
    // BSON element order: type bracket first, then field name, then value.
    const ra = typeRank(va);
    const rb = typeRank(vb);
    if (ra !== rb) return ra < rb ? -1 : 1;
    const kc = compareStrings(ka, kb);
    if (kc !== 0) return kc;
    const vc = compareValues(va, vb);
    if (vc !== 0) return vc;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

function compareArrays(a: unknown[], b: unknown[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const va = a[i];
    const vb = b[i];
    const ra = typeRank(va);
    const rb = typeRank(vb);
    if (ra !== rb) return ra < rb ? -1 : 1;
    const vc = compareValues(va, vb);
    if (vc !== 0) return vc;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/**
 * Total order over BSON values as MongoDB compares them (missing/undefined equal null).
 * Returns a negative number, zero or a positive number.
 */
export function compareValues(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case TypeRank.MinKey:
    case TypeRank.Null:
    case TypeRank.MaxKey:
      return 0;
    case TypeRank.Number:
      return compareNumbers(a, b);
    case TypeRank.String:
      return compareStrings(stringOf(a), stringOf(b));
    case TypeRank.Object:
    case TypeRank.DBRef:
      return compareEntryLists(canonicalEntries(a as object), canonicalEntries(b as object));
    case TypeRank.Array:
      return compareArrays(a as unknown[], b as unknown[]);
    case TypeRank.BinData:
      return compareBinData(a, b);
    case TypeRank.ObjectId:
      return compareObjectIds(a as ObjectIdLike, b as ObjectIdLike);
    case TypeRank.Boolean:
      return a === b ? 0 : a === false ? -1 : 1;
    case TypeRank.Date: {
      const x = (a as Date).getTime();
      const y = (b as Date).getTime();
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case TypeRank.Timestamp: {
      const x = a as TimestampLike;
      const y = b as TimestampLike;
      if (x.t !== y.t) return x.t < y.t ? -1 : 1;
      return x.i < y.i ? -1 : x.i > y.i ? 1 : 0;
    }
    case TypeRank.RegExp: {
      const x = regexParts(a);
      const y = regexParts(b);
      return compareStrings(x.source, y.source) || compareStrings(x.flags, y.flags);
    }
    case TypeRank.Code: {
      const x = (a as { code: string }).code;
      const y = (b as { code: string }).code;
      return compareStrings(x, y);
    }
    default:
      return 0;
  }
}

/** MongoDB equality: same type bracket and same value (1, 1.0 and Long(1) are equal). */
export function valuesEqual(a: unknown, b: unknown): boolean {
  return compareValues(a, b) === 0;
}

// ----- sort -----

/** Marker for an empty array in a sort key: MongoDB sorts it below null/missing. */
const EMPTY_ARRAY_SORT_KEY: unique symbol = Symbol('emptyArray');

function sortKeyOf(value: unknown, direction: 1 | -1): unknown {
  if (!Array.isArray(value)) return value;
  if (value.length === 0) return EMPTY_ARRAY_SORT_KEY;
  // Ascending sorts use an array's smallest element, descending its largest.
  let best: unknown = value[0];
  for (let i = 1; i < value.length; i++) {
    const c = compareValues(value[i], best);
    if (direction === 1 ? c < 0 : c > 0) best = value[i];
  }
  return best;
}

function compareSortKeys(a: unknown, b: unknown): number {
  const ea = a === EMPTY_ARRAY_SORT_KEY;
  const eb = b === EMPTY_ARRAY_SORT_KEY;
  if (ea || eb) {
    if (ea && eb) return 0;
    if (ea) return typeRank(b) === TypeRank.MinKey ? 1 : -1;
    return typeRank(a) === TypeRank.MinKey ? -1 : 1;
  }
  return compareValues(a, b);
}

/**
 * Compares two field values for a sort in `direction`, with MongoDB's array semantics
 * (min element ascending, max element descending).
 */
export function compareForSort(a: unknown, b: unknown, direction: 1 | -1): number {
  const c = compareSortKeys(sortKeyOf(a, direction), sortKeyOf(b, direction));
  return direction === 1 ? c : -c;
}

/** A plain (sub)document: not an array, Date, RegExp, binary or other BSON value class. */
export function isPlainDocument(value: unknown): value is Document {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Date) &&
    !(value instanceof RegExp) &&
    !(value instanceof Uint8Array) &&
    bsonTag(value) === undefined
  );
}

const EMPTY_MARK: unique symbol = Symbol('emptyArrayAtPath');

/**
 * All values reachable by a dotted path, descending into arrays the way MongoDB's sort
 * does; `undefined` when nothing is reachable (sorts as null).
 */
export function valueForSortPath(doc: unknown, path: string): unknown {
  const parts = path.split('.');
  const found: unknown[] = [];
  let sawArray = false;
  const walk = (value: unknown, i: number): void => {
    if (i === parts.length) {
      if (Array.isArray(value)) {
        sawArray = true;
        found.push(...(value as unknown[]));
        if (value.length === 0) found.push(EMPTY_MARK);
      } else if (value !== undefined) found.push(value);
      return;
    }
    const part = parts[i] as string;
    if (Array.isArray(value)) {
      sawArray = true;
      const index = /^\d+$/.test(part) ? Number(part) : -1;
      if (index >= 0 && index < value.length) walk(value[index], i + 1);
      for (const element of value) if (isPlainDocument(element)) walk(element[part], i + 1);
      return;
    }
    if (isPlainDocument(value)) walk(value[part], i + 1);
  };
  walk(doc, 0);
  if (!sawArray) return found[0];
  const values = found.filter((v) => v !== EMPTY_MARK);
  if (values.length === 0) return found.length > 0 ? [] : undefined;
  return values;
}

/** A comparator for documents following a sort specification such as `{ a: 1, 'b.c': -1 }`. */
export function makeSortComparator(spec: Document): (a: Document, b: Document) => number {
  const fields = Object.entries(spec).map(([path, dir]): { path: string; direction: 1 | -1 } => ({
    path,
    direction: Number(dir) < 0 ? -1 : 1,
  }));
  return (a, b) => {
    for (const { path, direction } of fields) {
      const c = compareForSort(valueForSortPath(a, path), valueForSortPath(b, path), direction);
      if (c !== 0) return c;
    }
    return 0;
  };
}
