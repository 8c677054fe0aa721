/**
 * A canonical string for a BSON value such that two values get the same string exactly
 * when MongoDB considers them equal (1, 1.0 and Long(1) share one key). Used as the key of
 * the `_id` hash map and to de-duplicate index keys.
 */
import { TypeRank, typeRank } from '../query/compare.js';

function numberKey(value: unknown): string {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'N';
    if (Number.isInteger(value)) {
      return Number.isSafeInteger(value) ? `i${value === 0 ? 0 : value}` : `i${BigInt(value)}`;
    }
    return `d${value}`;
  }
  if (typeof value === 'bigint') {
    return value >= -9007199254740991n && value <= 9007199254740991n
      ? `i${Number(value)}`
      : `i${value}`;
  }
  const v = value as { _bsontype?: string; value?: unknown; toBigInt?: () => bigint };
  if (v._bsontype === 'Long' && v.toBigInt) return numberKey(v.toBigInt());
  if (v._bsontype === 'Int32' || v._bsontype === 'Double') return numberKey(Number(v.value));
  // Decimal128: integers exactly, others through their nearest double (see compare.ts).
  const text = String(value);
  if (/^-?\d+$/.test(text)) return numberKey(BigInt(text));
  if (text === 'NaN' || text === '-NaN') return 'N';
  return numberKey(Number(text));
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * Parts joined with a length before each: decodable one way only, and linear in the parts'
 * length. (Nesting JSON.stringify once per level doubled a key's length with every level of
 * an embedded document or array: 134 M characters at depth 24; MongoDB allows depth 100.)
 */
function joined(parts: readonly string[]): string {
  let out = '';
  for (const part of parts) out += `${part.length}:${part}`;
  return out;
}

export function keyString(value: unknown): string {
  switch (typeRank(value)) {
    case TypeRank.MinKey:
      return 'm';
    case TypeRank.MaxKey:
      return 'M';
    case TypeRank.Null:
      return 'n';
    case TypeRank.Number:
      return numberKey(value);
    case TypeRank.String:
      return `s${typeof value === 'string' ? value : String((value as { value: unknown }).value)}`;
    case TypeRank.ObjectId:
      return `o${(value as { toHexString(): string }).toHexString()}`;
    case TypeRank.Boolean:
      return value === true ? 'b1' : 'b0';
    case TypeRank.Date:
      return `t${(value as Date).getTime()}`;
    case TypeRank.Timestamp: {
      const ts = value as { t: number; i: number };
      return `T${ts.t}:${ts.i}`;
    }
    case TypeRank.BinData: {
      if (value instanceof Uint8Array) return `B0:${hex(value)}`;
      const bin = value as { sub_type: number; buffer: Uint8Array; position: number };
      return `B${bin.sub_type}:${hex(bin.buffer.subarray(0, bin.position))}`;
    }
    case TypeRank.RegExp: {
      if (value instanceof RegExp) return `r${JSON.stringify([value.source, value.flags])}`;
      const r = value as { pattern: string; options: string };
      return `r${JSON.stringify([r.pattern, r.options])}`;
    }
    case TypeRank.Code:
      return `c${(value as { code: string }).code}`;
    case TypeRank.Array:
      return `a${joined((value as unknown[]).map((v) => keyString(v)))}`;
    case TypeRank.DBRef: {
      const ref = value as { collection: string; oid: unknown; db?: string };
      const db = ref.db === undefined ? [] : [ref.db];
      return `R${joined([ref.collection, keyString(ref.oid), ...db])}`;
    }
    default:
      return `O${joined(Object.entries(value as object).flatMap(([k, v]) => [k, keyString(v)]))}`;
  }
}

/** Key string of a compound index key (a tuple of values). */
export function tupleKeyString(values: readonly unknown[]): string {
  if (values.length === 1) return keyString(values[0]);
  return JSON.stringify(values.map((v) => keyString(v)));
}
