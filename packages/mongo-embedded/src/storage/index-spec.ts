/**
 * Validation and normalisation of index specifications, with MongoDB's error codes.
 */
import type { Document } from 'bson';
import { isPlainDocument } from '../query/compare.js';
import { ErrorCode, MongoCommandError } from '../errors.js';
import { keyString } from './key-string.js';
import type { IndexSpec } from './contract.js';

const UNSUPPORTED_TYPES = new Set(['text', '2d', '2dsphere', 'hashed', 'geoHaystack', 'wildcard']);

const KNOWN_FIELDS = new Set([
  'v',
  'key',
  'name',
  'unique',
  'sparse',
  'partialFilterExpression',
  'expireAfterSeconds',
  'background',
  'hidden',
  'collation',
  'ns',
  'storageEngine',
]);

const MAX_TTL_SECONDS = 2147483647;

function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  const v = value as { _bsontype?: string; value?: unknown; toNumber?: () => number };
  if (v !== null && typeof v === 'object') {
    if (v._bsontype === 'Int32' || v._bsontype === 'Double') return Number(v.value);
    if (v._bsontype === 'Long' && v.toNumber) return v.toNumber();
    if (v._bsontype === 'Decimal128') return Number(String(value));
  }
  return undefined;
}

function cannotCreate(message: string): MongoCommandError {
  return new MongoCommandError(ErrorCode.CannotCreateIndex, message);
}

/** Checks a spec and returns it normalised: `{ v: 2, key, name, ...options }`, numeric directions. */
export function normalizeIndexSpec(raw: IndexSpec): IndexSpec {
  const spec = raw as unknown as Document;
  for (const field of Object.keys(spec)) {
    if (!KNOWN_FIELDS.has(field)) {
      throw new MongoCommandError(
        ErrorCode.InvalidIndexSpecificationOption,
        `The field '${field}' is not valid for an index specification. Specification: ${JSON.stringify(spec)}`,
      );
    }
  }
  if (typeof spec.name !== 'string' || spec.name === '') {
    throw new MongoCommandError(
      ErrorCode.FailedToParse,
      "The 'name' field is a required property of an index specification",
    );
  }
  const name: string = spec.name;
  if (!isPlainDocument(spec.key) || Object.keys(spec.key).length === 0) {
    throw new MongoCommandError(
      ErrorCode.FailedToParse,
      `Error in specification for index ${name}: The 'key' field must be a non-empty object`,
    );
  }
  const entries = Object.entries(spec.key);
  if (entries.length > 32) throw cannotCreate('Index key pattern has more than 32 fields');
  const key: Document = {};
  for (const [field, dir] of entries) {
    if (field === '' || field.startsWith('$') || field.split('.').some((p) => p === '')) {
      throw cannotCreate(`Index key contains an illegal field name: '${field}'`);
    }
    if (typeof dir === 'string') {
      throw cannotCreate(
        UNSUPPORTED_TYPES.has(dir)
          ? `Index type '${dir}' is not supported by the embedded server (index ${name})`
          : `Unknown index plugin '${dir}'`,
      );
    }
    const n = numeric(dir);
    if (n === undefined || n === 0 || Number.isNaN(n)) {
      throw cannotCreate(
        `Values in the index key pattern can only be non-zero numbers or strings; found ${field}: ${String(dir)}`,
      );
    }
    // Kept as given (MongoDB reports { a: -2 } back as -2); only the sign matters.
    key[field] = n;
  }

  const isId = entries.length === 1 && entries[0]?.[0] === '_id';
  const out: Document = { v: 2, key, name };
  if (spec.unique !== undefined) {
    if (name === '_id_') {
      throw new MongoCommandError(
        ErrorCode.InvalidIndexSpecificationOption,
        "The field 'unique' is not valid for an _id index specification",
      );
    }
    if (typeof spec.unique !== 'boolean') {
      throw new MongoCommandError(ErrorCode.TypeMismatch, "The field 'unique' must be a boolean");
    }
    if (spec.unique) out.unique = true;
  }
  if (spec.sparse !== undefined) {
    if (typeof spec.sparse !== 'boolean') {
      throw new MongoCommandError(ErrorCode.TypeMismatch, "The field 'sparse' must be a boolean");
    }
    if (spec.sparse) out.sparse = true;
  }
  if (spec.partialFilterExpression !== undefined) {
    if (!isPlainDocument(spec.partialFilterExpression)) {
      throw new MongoCommandError(
        ErrorCode.TypeMismatch,
        "The field 'partialFilterExpression' must be an object",
      );
    }
    if (out.sparse === true) {
      throw cannotCreate('cannot mix "partialFilterExpression" and "sparse" options');
    }
    out.partialFilterExpression = spec.partialFilterExpression;
  }
  if (spec.expireAfterSeconds !== undefined) {
    const ttl = numeric(spec.expireAfterSeconds);
    if (ttl === undefined || !Number.isFinite(ttl)) {
      throw new MongoCommandError(
        ErrorCode.TypeMismatch,
        "The field 'expireAfterSeconds' must be a number",
      );
    }
    if (ttl < 0 || ttl > MAX_TTL_SECONDS) {
      throw new MongoCommandError(
        ErrorCode.InvalidOptions,
        `TTL index 'expireAfterSeconds' option must be within an acceptable range, try a value between 0 and ${MAX_TTL_SECONDS}`,
      );
    }
    if (entries.length > 1)
      throw cannotCreate(
        'TTL indexes are single-field indexes, compound indexes do not support TTL',
      );
    if (isId)
      throw cannotCreate(
        "The field 'expireAfterSeconds' is not valid for an _id index specification",
      );
    out.expireAfterSeconds = Math.floor(ttl);
  }
  if (spec.collation !== undefined) {
    const locale: unknown = isPlainDocument(spec.collation) ? spec.collation.locale : undefined;
    if (locale !== 'simple') {
      throw cannotCreate('The embedded server supports only the simple collation for indexes');
    }
  }
  if (spec.hidden === true) out.hidden = true;
  return out as unknown as IndexSpec;
}

/** Options that make two indexes on the same key pattern different indexes. */
function identityOptions(spec: IndexSpec): string {
  return keyString([
    spec.unique === true,
    spec.sparse === true,
    spec.partialFilterExpression ?? null,
    spec.expireAfterSeconds ?? null,
  ]);
}

export function sameKeyPattern(a: Document, b: Document): boolean {
  const ea = Object.entries(a);
  const eb = Object.entries(b);
  return (
    ea.length === eb.length &&
    ea.every(([k, v], i) => eb[i]?.[0] === k && Number(eb[i]?.[1]) === Number(v))
  );
}

/**
 * How a requested spec relates to an existing one: 'same' (nothing to do), 'unrelated', or
 * a conflict error as MongoDB reports it.
 */
export function relateSpecs(requested: IndexSpec, existing: IndexSpec): 'same' | 'unrelated' {
  const sameKey = sameKeyPattern(requested.key, existing.key);
  const sameOptions = identityOptions(requested) === identityOptions(existing);
  if (requested.name === existing.name) {
    if (!sameKey) {
      throw new MongoCommandError(
        ErrorCode.IndexKeySpecsConflict,
        `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${JSON.stringify(requested)}, existing index: ${JSON.stringify(existing)}`,
      );
    }
    if (!sameOptions) {
      throw new MongoCommandError(
        ErrorCode.IndexOptionsConflict,
        `An equivalent index already exists with the same name but different options. Requested index: ${JSON.stringify(requested)}, existing index: ${JSON.stringify(existing)}`,
      );
    }
    return 'same';
  }
  if (sameKey) {
    const samePartial =
      keyString(requested.partialFilterExpression ?? null) ===
      keyString(existing.partialFilterExpression ?? null);
    if (samePartial) {
      throw new MongoCommandError(
        ErrorCode.IndexOptionsConflict,
        `Index already exists with a different name: ${existing.name}`,
      );
    }
  }
  return 'unrelated';
}
