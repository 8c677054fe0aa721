import { Long, ObjectId, serialize, type Document } from 'bson';
import { Aggregator } from 'mingo/aggregator';
import { update as mingoUpdate } from 'mingo/updater';
import { ErrorCode, MongoCommandError } from '../errors.js';
import { typeName } from '../commands/args.js';
import { cloneDocument } from './clone.js';
import { mingoOptions, queryOnlyOptions } from './mingo-options.js';

/** Update operators MongoDB 7.0 accepts; mingo implements all but $setOnInsert, which we map. */
const UPDATE_OPERATORS = new Set([
  '$set',
  '$unset',
  '$inc',
  '$mul',
  '$min',
  '$max',
  '$rename',
  '$currentDate',
  '$setOnInsert',
  '$push',
  '$addToSet',
  '$pop',
  '$pull',
  '$pullAll',
  '$bit',
]);
const PIPELINE_UPDATE_STAGES = new Set([
  '$addFields',
  '$set',
  '$project',
  '$unset',
  '$replaceRoot',
  '$replaceWith',
]);

export type UpdateSpec =
  | { kind: 'replacement'; doc: Document }
  | { kind: 'operators'; ops: Document }
  | { kind: 'pipeline'; stages: Document[] };

/** Classifies and validates the `u` of an update statement (FailedToParse on bad input). */
export function parseUpdateSpec(u: unknown): UpdateSpec {
  if (Array.isArray(u)) {
    for (const stage of u as unknown[]) {
      const name = stage !== null && typeof stage === 'object' ? Object.keys(stage)[0] : undefined;
      if (name === undefined || !PIPELINE_UPDATE_STAGES.has(name)) {
        throw new MongoCommandError(
          ErrorCode.InvalidOptions,
          `${String(name)} is not allowed to be used within an update`,
        );
      }
    }
    return { kind: 'pipeline', stages: u as Document[] };
  }
  if (u === null || typeof u !== 'object') {
    throw new MongoCommandError(
      ErrorCode.FailedToParse,
      'Update argument must be either an object or an array',
    );
  }
  const doc = u as Document;
  const keys = Object.keys(doc);
  const operatorKeys = keys.filter((k) => k.startsWith('$'));
  if (operatorKeys.length === 0) {
    return { kind: 'replacement', doc };
  }
  if (operatorKeys.length !== keys.length) {
    const plain = keys.find((k) => !k.startsWith('$'));
    throw new MongoCommandError(
      ErrorCode.FailedToParse,
      `Unknown modifier: ${String(plain)}. Expected a valid update modifier or pipeline-style update specified as an array`,
    );
  }
  const seen: string[] = [];
  for (const op of operatorKeys) {
    if (!UPDATE_OPERATORS.has(op)) {
      throw new MongoCommandError(
        ErrorCode.FailedToParse,
        `Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`,
      );
    }
    const fields: unknown = doc[op];
    if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) {
      throw new MongoCommandError(
        ErrorCode.FailedToParse,
        `Modifiers operate on fields but we found type ${Array.isArray(fields) ? 'array' : typeof fields} instead. For example: {$mod: {<field>: ...}} not {${op}: ${JSON.stringify(fields)}}`,
      );
    }
    for (const path of Object.keys(fields)) {
      const paths = op === '$rename' ? [path, String((fields as Document)[path])] : [path];
      for (const p of paths) {
        const clash = seen.find((other) => conflicts(other, p));
        if (clash !== undefined) {
          throw new MongoCommandError(
            ErrorCode.ConflictingUpdateOperators,
            `Updating the path '${p}' would create a conflict at '${commonPrefix(clash, p)}'`,
          );
        }
        seen.push(p);
      }
    }
  }
  return { kind: 'operators', ops: doc };
}

const NUMERIC_OPERATORS = new Set(['$inc', '$mul']);
/** Operators that create the field when it is missing. */
const CREATING_OPERATORS = new Set([
  '$set',
  '$setOnInsert',
  '$inc',
  '$mul',
  '$min',
  '$max',
  '$currentDate',
  '$push',
  '$addToSet',
]);

/** MongoDB refuses to create a field below a scalar (or a named field inside an array). */
function checkPathViable(doc: Document, path: string): void {
  const parts = path.split('.');
  let node: unknown = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i]!;
    if (part.startsWith('$')) return;
    const child: unknown = Array.isArray(node)
      ? /^\d+$/.test(part)
        ? (node as unknown[])[Number(part)]
        : undefined
      : (node as Document)[part];
    if (child === undefined) return;
    const next = parts[i + 1]!;
    const isContainer =
      child !== null &&
      typeof child === 'object' &&
      (Array.isArray(child) || typeName(child) === 'object');
    if (!isContainer || (Array.isArray(child) && !/^\d+$/.test(next) && !next.startsWith('$'))) {
      throw new MongoCommandError(
        ErrorCode.PathNotViable,
        `Cannot create field '${next}' in element {${part}: ${JSON.stringify(child)}}`,
      );
    }
    node = child;
  }
}
const ARRAY_OPERATORS = new Set(['$push', '$addToSet', '$pop', '$pull', '$pullAll']);

function isNumeric(value: unknown): boolean {
  if (typeof value === 'number' || typeof value === 'bigint') return true;
  const tag = (value as { _bsontype?: unknown } | null)?._bsontype;
  return tag === 'Long' || tag === 'Int32' || tag === 'Double' || tag === 'Decimal128';
}

/** The value at a plain dotted path (no positional parts); undefined when absent. */
function plainPathValue(doc: Document, path: string): unknown {
  let node: unknown = doc;
  for (const part of path.split('.')) {
    if (part.startsWith('$')) return undefined;
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Document)[part];
  }
  return node;
}

/**
 * Checks MongoDB refuses but mingo lets through silently: arithmetic on non-numbers,
 * array operators on non-arrays, and arrayFilters identifiers without a use (or uses
 * without a filter).
 */
function checkOperatorTargets(
  doc: Document,
  modifier: Document,
  arrayFilters: Document[] | undefined,
): void {
  const idText = JSON.stringify(doc._id ?? null);
  const usedIdentifiers = new Set<string>();
  for (const [op, fields] of Object.entries(modifier)) {
    for (const [path, argument] of Object.entries(fields as Document)) {
      if (CREATING_OPERATORS.has(op)) checkPathViable(doc, path);
      for (const match of path.matchAll(/\$\[(\w+)\]/g)) usedIdentifiers.add(match[1]!);
      if (NUMERIC_OPERATORS.has(op)) {
        if (!isNumeric(argument)) {
          throw new MongoCommandError(
            ErrorCode.TypeMismatch,
            `Cannot ${op === '$inc' ? 'increment' : 'multiply'} with non-numeric argument: {${path}: ${JSON.stringify(argument)}}`,
          );
        }
        const current = plainPathValue(doc, path);
        if (current !== undefined && !isNumeric(current)) {
          throw new MongoCommandError(
            ErrorCode.TypeMismatch,
            `Cannot apply ${op} to a value of non-numeric type. {_id: ${idText}} has the field '${path.split('.').pop() ?? path}' of non-numeric type ${typeName(current)}`,
          );
        }
      } else if (ARRAY_OPERATORS.has(op)) {
        const current = plainPathValue(doc, path);
        if (current !== undefined && current !== null && !Array.isArray(current)) {
          throw new MongoCommandError(
            ErrorCode.BadValue,
            `The field '${path}' must be an array but is of type ${typeName(current)} in document {_id: ${idText}}`,
          );
        }
      }
    }
  }
  const declared = new Set<string>();
  for (const filter of arrayFilters ?? []) {
    const first = Object.keys(filter)[0];
    if (first !== undefined) declared.add(first.split('.')[0]!);
  }
  for (const identifier of declared) {
    if (!usedIdentifiers.has(identifier)) {
      throw new MongoCommandError(
        ErrorCode.FailedToParse,
        `The array filter for identifier '${identifier}' was not used in the update ${JSON.stringify(modifier)}`,
      );
    }
  }
  for (const identifier of usedIdentifiers) {
    if (!declared.has(identifier)) {
      throw new MongoCommandError(
        ErrorCode.BadValue,
        `No array filter found for identifier '${identifier}'`,
      );
    }
  }
}

function bsonTag(value: unknown): string | undefined {
  const tag = (value as { _bsontype?: unknown } | null)?._bsontype;
  return typeof tag === 'string' ? tag : undefined;
}

/** Integral value as a BigInt (number, Int32, Long), else undefined. */
function asBigInt(value: unknown): bigint | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : undefined;
  if (typeof value === 'bigint') return value;
  if (value instanceof Long) return value.toBigInt();
  if (bsonTag(value) === 'Int32') return BigInt(Number((value as { valueOf(): number }).valueOf()));
  return undefined;
}

/**
 * mingo's $inc/$mul only understand JS numbers: on a Long they silently do nothing and
 * a Long argument fails. Compute those here (exact BigInt arithmetic, Long result) and
 * hand mingo a plain $set; Decimal128 arithmetic is refused rather than done wrong.
 */
function applyWideArithmetic(doc: Document, modifier: Document): void {
  for (const op of ['$inc', '$mul'] as const) {
    const fields = modifier[op] as Document | undefined;
    if (!fields) continue;
    for (const [path, argument] of Object.entries(fields)) {
      if (path.includes('$')) continue;
      const current = plainPathValue(doc, path);
      const tags = [bsonTag(current), bsonTag(argument)];
      if (tags.includes('Decimal128')) {
        throw new MongoCommandError(
          ErrorCode.BadValue,
          `mongo-embedded does not implement ${op} on Decimal128 values (field '${path}')`,
        );
      }
      if (!tags.includes('Long') && !tags.includes('Int32') && !tags.includes('Double')) continue;
      const a = asBigInt(current ?? 0);
      const b = asBigInt(argument);
      let result: unknown;
      if (a !== undefined && b !== undefined) {
        const value = op === '$inc' ? a + b : a * b;
        result =
          tags.includes('Long') || value > 2147483647n || value < -2147483648n
            ? Long.fromBigInt(value)
            : Number(value);
      } else {
        const x = Number(current ?? 0);
        const y = Number(argument);
        result = op === '$inc' ? x + y : x * y;
      }
      delete fields[path];
      modifier.$set = { ...(modifier.$set as Document | undefined), [path]: result };
    }
    if (Object.keys(fields).length === 0) delete modifier[op];
  }
}

/**
 * mingo refuses any update path on `_id`; MongoDB allows setting it to its current value
 * (and, for an upsert's new document, to anything). Apply those here, refuse the rest.
 */
function handleIdUpdates(target: Document, modifier: Document, inserting: boolean): void {
  for (const [op, fields] of Object.entries(modifier)) {
    const entries = fields as Document;
    for (const path of Object.keys(entries)) {
      if (path !== '_id' && !path.startsWith('_id.')) continue;
      const value: unknown = entries[path];
      if (op === '$set' && path === '_id' && (inserting || sameValue(value, target._id))) {
        target._id = value;
        delete entries[path];
        continue;
      }
      throw immutableId();
    }
    if (Object.keys(entries).length === 0) delete modifier[op];
  }
}

function usesPositional(modifier: Document): boolean {
  for (const fields of Object.values(modifier)) {
    for (const path of Object.keys(fields as Document)) {
      if (/\.\$(\.|$)/.test(path)) return true;
    }
  }
  return false;
}

function conflicts(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);
}

function commonPrefix(a: string, b: string): string {
  return a.length < b.length ? a : b;
}

export interface ApplyUpdateOptions {
  /** The statement's filter (for the positional `$` operator). */
  filter: Document;
  arrayFilters?: Document[] | undefined;
  /** True when building the document inserted by an upsert: $setOnInsert applies. */
  inserting: boolean;
  variables?: Document | undefined;
}

/** Applies an update to a copy of `doc`; returns the new document and whether it changed. */
export function applyUpdate(
  doc: Document,
  spec: UpdateSpec,
  options: ApplyUpdateOptions,
): { doc: Document; modified: boolean } {
  let next: Document;
  let operatorModified: boolean | undefined;
  if (spec.kind === 'replacement') {
    next = withIdFirst(spec.doc, doc._id);
    if (spec.doc._id !== undefined && !sameValue(spec.doc._id, doc._id) && !options.inserting) {
      throw immutableId();
    }
  } else if (spec.kind === 'pipeline') {
    const result = new Aggregator(
      spec.stages,
      mingoOptions(options.variables ? { variables: options.variables } : {}),
    ).run([cloneDocument(doc)]);
    next = (result[0] as Document | undefined) ?? {};
    if (doc._id !== undefined) {
      if (next._id !== undefined && !sameValue(next._id, doc._id)) throw immutableId();
      next = withIdFirst(next, doc._id);
    }
  } else {
    next = cloneDocument(doc);
    operatorModified = false;
    const modifier: Document = {};
    for (const [op, fields] of Object.entries(spec.ops)) {
      if (op === '$setOnInsert') {
        if (!options.inserting) continue;
        modifier.$set = { ...(modifier.$set as Document | undefined), ...(fields as Document) };
      } else if (op === '$set') {
        modifier.$set = { ...(modifier.$set as Document | undefined), ...(fields as Document) };
      } else {
        modifier[op] = { ...(fields as Document) };
      }
    }
    checkOperatorTargets(doc, modifier, options.arrayFilters);
    applyWideArithmetic(doc, modifier);
    handleIdUpdates(next, modifier, options.inserting);
    if (Object.keys(modifier).length > 0) {
      // mingo re-tests the condition before updating; only the positional `$` needs it.
      const condition = !options.inserting && usesPositional(modifier) ? options.filter : {};
      const arrayFilters = options.arrayFilters ?? [];
      const changedPaths = mingoUpdate(next, modifier, arrayFilters, condition, {
        cloneMode: 'deep',
        // mingo copies every operator table of the context it is given on each call (~100 µs
        // with all of them); update operators evaluate query operators only (conditions, array
        // filters, $pull), unless one of those holds an aggregation expression.
        queryOptions: queryOnlyOptions(condition, arrayFilters, modifier),
      });
      // mingo lists the paths it really changed (a $set to the same value lists none),
      // which spares comparing whole documents.
      operatorModified = changedPaths.length > 0;
    }
    if (doc._id !== undefined && !sameValue(next._id, doc._id)) throw immutableId();
  }
  if (next._id === undefined && doc._id !== undefined) next = withIdFirst(next, doc._id);
  return { doc: next, modified: operatorModified ?? !sameValue(next, doc) };
}

/**
 * The document an upsert starts from: equality conditions of the filter (top level,
 * `$eq`, and inside `$and`), with dotted paths expanded, as MongoDB does.
 */
export function upsertSeed(filter: Document): Document {
  const seed: Document = {};
  collectEqualities(filter, seed);
  return seed;
}

function collectEqualities(filter: Document, seed: Document): void {
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$and' && Array.isArray(value)) {
      for (const part of value as unknown[]) {
        if (part !== null && typeof part === 'object') collectEqualities(part, seed);
      }
      continue;
    }
    if (key.startsWith('$')) continue;
    if (isOperatorObject(value)) {
      if ('$eq' in value) setPath(seed, key, value.$eq);
      continue;
    }
    if (
      value instanceof RegExp ||
      (value !== null &&
        typeof value === 'object' &&
        (value as { _bsontype?: string })._bsontype === 'BSONRegExp')
    )
      continue;
    setPath(seed, key, value);
  }
}

function isOperatorObject(value: unknown): value is Document {
  if (
    value === null ||
    typeof value !== 'object' ||
    Array.isArray(value) ||
    '_bsontype' in value ||
    value instanceof Date
  ) {
    return false;
  }
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => k.startsWith('$'));
}

function setPath(target: Document, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i]!;
    const child: unknown = node[part];
    if (child === null || typeof child !== 'object') node[part] = {};
    node = node[part] as Document;
  }
  node[parts[parts.length - 1]!] = value;
}

/** Puts `_id` first, as MongoDB stores it. */
export function withIdFirst(doc: Document, id: unknown): Document {
  const out: Document = { _id: id === undefined ? (doc._id as unknown) : id };
  for (const key of Object.keys(doc)) if (key !== '_id') out[key] = doc[key] as unknown;
  return out;
}

/** Builds the document an upsert inserts. */
export function buildUpsertDocument(
  filter: Document,
  spec: UpdateSpec,
  options: Omit<ApplyUpdateOptions, 'inserting'>,
): Document {
  const seed = spec.kind === 'replacement' ? pick(upsertSeed(filter), '_id') : upsertSeed(filter);
  let doc: Document;
  if (spec.kind === 'replacement') {
    doc = { ...seed, ...spec.doc };
  } else {
    doc = applyUpdate(seed, spec, { ...options, inserting: true }).doc;
  }
  if (doc._id === undefined) doc = withIdFirst(doc, new ObjectId());
  else doc = withIdFirst(doc, doc._id);
  return doc;
}

function pick(doc: Document, key: string): Document {
  return key in doc ? { [key]: doc[key] as unknown } : {};
}

function immutableId(): MongoCommandError {
  return new MongoCommandError(
    ErrorCode.ImmutableField,
    "Performing an update on the path '_id' would modify the immutable field '_id'",
  );
}

/** BSON-level equality (type and value), used for change detection and _id checks. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return Buffer.from(serialize({ v: a })).equals(Buffer.from(serialize({ v: b })));
}
