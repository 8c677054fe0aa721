import type { Document } from 'bson';
import { typeName } from '../commands/args.js';

/**
 * The subset of MongoDB's `$jsonSchema` used by collection validators: bsonType/type,
 * required, properties, additionalProperties, enum, numeric and length bounds,
 * pattern, items, array bounds, allOf/anyOf/oneOf/not.
 */
export function compileJsonSchema(schema: Document): (value: unknown) => boolean {
  return (value) => matches(schema, value);
}

const TYPE_ALIASES: Record<string, string[]> = {
  int: ['int'],
  long: ['long', 'int'],
  double: ['double', 'int'],
  decimal: ['decimal128'],
  number: ['int', 'long', 'double', 'decimal128'],
  string: ['string'],
  object: ['object'],
  array: ['array'],
  bool: ['bool'],
  boolean: ['bool'],
  null: ['null'],
  objectId: ['objectid'],
  date: ['date'],
  binData: ['binary'],
  timestamp: ['timestamp'],
  regex: ['bsonregexp', 'regexp'],
  integer: ['int', 'long'],
};

function bsonTypeOf(value: unknown): string {
  if (value instanceof Date) return 'date';
  if (value instanceof RegExp) return 'regexp';
  return typeName(value);
}

function typeMatches(expected: unknown, value: unknown): boolean {
  const list = Array.isArray(expected) ? (expected as unknown[]) : [expected];
  const actual = bsonTypeOf(value);
  return list.some((t) => {
    const accepted = TYPE_ALIASES[String(t)] ?? [String(t).toLowerCase()];
    // A JS number that is integral may have been sent as a double: accept it for double.
    return accepted.includes(actual) || (actual === 'int' && accepted.includes('double'));
  });
}

function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (
    value !== null &&
    typeof value === 'object' &&
    'toNumber' in value &&
    typeof value.toNumber === 'function'
  ) {
    return Number((value as { toNumber(): number }).toNumber());
  }
  return undefined;
}

function matches(schema: Document, value: unknown): boolean {
  if (schema.bsonType !== undefined && !typeMatches(schema.bsonType, value)) return false;
  if (schema.type !== undefined && !typeMatches(schema.type, value)) return false;
  if (
    Array.isArray(schema.enum) &&
    !(schema.enum as unknown[]).some((e) => JSON.stringify(e) === JSON.stringify(value))
  ) {
    return false;
  }
  const n = numeric(value);
  if (n !== undefined) {
    const min = numeric(schema.minimum);
    const max = numeric(schema.maximum);
    if (min !== undefined && (schema.exclusiveMinimum === true ? n <= min : n < min)) return false;
    if (max !== undefined && (schema.exclusiveMaximum === true ? n >= max : n > max)) return false;
  }
  if (typeof value === 'string') {
    const minLength = numeric(schema.minLength);
    const maxLength = numeric(schema.maxLength);
    if (minLength !== undefined && [...value].length < minLength) return false;
    if (maxLength !== undefined && [...value].length > maxLength) return false;
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value))
      return false;
  }
  if (Array.isArray(value)) {
    const minItems = numeric(schema.minItems);
    const maxItems = numeric(schema.maxItems);
    if (minItems !== undefined && value.length < minItems) return false;
    if (maxItems !== undefined && value.length > maxItems) return false;
    if (schema.items !== null && typeof schema.items === 'object' && !Array.isArray(schema.items)) {
      if (!(value as unknown[]).every((item) => matches(schema.items as Document, item)))
        return false;
    }
    if (
      schema.uniqueItems === true &&
      new Set(value.map((v) => JSON.stringify(v))).size !== value.length
    )
      return false;
  }
  const isObject =
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    bsonTypeOf(value) === 'object';
  if (isObject) {
    const doc = value as Document;
    if (
      Array.isArray(schema.required) &&
      !(schema.required as unknown[]).every((k) => typeof k === 'string' && k in doc)
    ) {
      return false;
    }
    const properties = (schema.properties ?? {}) as Document;
    for (const [key, sub] of Object.entries(properties)) {
      if (key in doc && !matches(sub as Document, doc[key])) return false;
    }
    if (schema.additionalProperties === false) {
      if (Object.keys(doc).some((k) => !(k in properties))) return false;
    } else if (
      schema.additionalProperties !== null &&
      typeof schema.additionalProperties === 'object'
    ) {
      for (const key of Object.keys(doc)) {
        if (!(key in properties) && !matches(schema.additionalProperties as Document, doc[key]))
          return false;
      }
    }
    const minProperties = numeric(schema.minProperties);
    const maxProperties = numeric(schema.maxProperties);
    if (minProperties !== undefined && Object.keys(doc).length < minProperties) return false;
    if (maxProperties !== undefined && Object.keys(doc).length > maxProperties) return false;
  }
  if (Array.isArray(schema.allOf) && !(schema.allOf as Document[]).every((s) => matches(s, value)))
    return false;
  if (Array.isArray(schema.anyOf) && !(schema.anyOf as Document[]).some((s) => matches(s, value)))
    return false;
  if (
    Array.isArray(schema.oneOf) &&
    (schema.oneOf as Document[]).filter((s) => matches(s, value)).length !== 1
  )
    return false;
  if (
    schema.not !== null &&
    typeof schema.not === 'object' &&
    matches(schema.not as Document, value)
  )
    return false;
  return true;
}
