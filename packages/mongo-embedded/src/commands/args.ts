import { Long, type Document } from 'bson';
import { ErrorCode, MongoCommandError } from '../errors.js';
import type { Namespace } from '../storage/contract.js';
import type { CommandContext } from './context.js';

export function badValue(message: string): MongoCommandError {
  return new MongoCommandError(ErrorCode.BadValue, message);
}

export function typeMismatch(message: string): MongoCommandError {
  return new MongoCommandError(ErrorCode.TypeMismatch, message);
}

export function isDocument(value: unknown): value is Document {
  return (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    !('_bsontype' in value) &&
    !(value instanceof Date) &&
    !(value instanceof RegExp) &&
    !(value instanceof Uint8Array)
  );
}

/** The collection named by the command's first field, validated as MongoDB does. */
export function collectionNamespace(
  ctx: CommandContext,
  command: Document,
  commandName: string,
): Namespace {
  const coll: unknown = command[commandName];
  if (typeof coll !== 'string') {
    throw new MongoCommandError(
      ErrorCode.InvalidNamespace,
      `collection name has invalid type ${typeName(coll)}`,
    );
  }
  validateCollectionName(coll);
  return { db: ctx.db, coll };
}

export function validateCollectionName(coll: string): void {
  if (coll.length === 0 || coll.includes('\0') || coll.startsWith('.') || coll.includes('$')) {
    throw new MongoCommandError(ErrorCode.InvalidNamespace, `Invalid collection name: ${coll}`);
  }
}

export function validateDatabaseName(db: string): void {
  if (db.length === 0 || db.length > 63 || /[/\\. "$*<>:|?\0]/.test(db)) {
    throw new MongoCommandError(ErrorCode.InvalidNamespace, `Invalid database name: '${db}'`);
  }
}

export function nsString(ns: Namespace): string {
  return `${ns.db}.${ns.coll}`;
}

export function typeName(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'double';
  if (typeof value === 'object' && '_bsontype' in value)
    return String(value._bsontype).toLowerCase();
  return 'object';
}

/** Reads an optional integer option (int, long or integral double). */
export function optionalInteger(command: Document, field: string): number | undefined {
  const value: unknown = command[field];
  if (value === undefined || value === null) return undefined;
  const n = toNumber(value);
  if (n === undefined || !Number.isFinite(n)) {
    throw typeMismatch(`Field '${field}' should be a number, not ${typeName(value)}`);
  }
  return Math.trunc(n);
}

export function nonNegativeInteger(command: Document, field: string): number | undefined {
  const n = optionalInteger(command, field);
  if (n !== undefined && n < 0) {
    throw new MongoCommandError(
      ErrorCode.Location51024,
      `BSON field '${field}' value must be >= 0, actual value '${n}'`,
    );
  }
  return n;
}

export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Long) return value.toNumber();
  if (value !== null && typeof value === 'object' && '_bsontype' in value) {
    const bsonValue = value as { _bsontype: string; valueOf(): unknown; toString(): string };
    if (bsonValue._bsontype === 'Int32' || bsonValue._bsontype === 'Double')
      return Number(bsonValue.valueOf());
    if (bsonValue._bsontype === 'Decimal128') return Number(bsonValue.toString());
  }
  return undefined;
}

export function toBigInt(value: unknown): bigint | undefined {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (value instanceof Long) return value.toBigInt();
  return undefined;
}

export function optionalDocument(command: Document, field: string): Document | undefined {
  const value: unknown = command[field];
  if (value === undefined || value === null) return undefined;
  if (!isDocument(value))
    throw typeMismatch(
      `BSON field '${field}' is the wrong type '${typeName(value)}', expected type 'object'`,
    );
  return value;
}

export function optionalBoolean(command: Document, field: string): boolean | undefined {
  const value: unknown = command[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  const n = toNumber(value);
  if (n !== undefined) return n !== 0;
  throw typeMismatch(
    `BSON field '${field}' is the wrong type '${typeName(value)}', expected type 'bool'`,
  );
}

export function documentArray(command: Document, field: string, required: boolean): Document[] {
  const value: unknown = command[field];
  if (value === undefined) {
    if (required)
      throw new MongoCommandError(40414, `BSON field '${field}' is missing but a required field`);
    return [];
  }
  if (!Array.isArray(value))
    throw typeMismatch(
      `BSON field '${field}' is the wrong type '${typeName(value)}', expected type 'array'`,
    );
  for (const entry of value) {
    if (!isDocument(entry)) throw typeMismatch(`BSON field '${field}' must be an array of objects`);
  }
  return value as Document[];
}

/** Refuses any collation other than the simple (binary) one. */
export function checkCollation(command: Document): void {
  const collation: unknown = command.collation;
  if (collation === undefined || collation === null) return;
  if (
    isDocument(collation) &&
    (collation.locale === 'simple' || Object.keys(collation).length === 0)
  )
    return;
  throw new MongoCommandError(
    ErrorCode.BadValue,
    'mongo-embedded supports only the simple collation',
  );
}
