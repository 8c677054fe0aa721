import { Binary, type Document } from 'bson';
import { ErrorCode, MongoCommandError } from '../errors.js';
import { filterQuery } from '../query/mingo-options.js';
import type { IndexSpec } from '../storage/contract.js';
import {
  badValue,
  collectionNamespace,
  documentArray,
  isDocument,
  nsString,
  optionalBoolean,
  optionalDocument,
  typeMismatch,
  typeName,
  validateCollectionName,
  validateDatabaseName,
} from './args.js';
import type { CommandContext } from './context.js';
import { compileValidator } from './validation.js';

/** Options of `create` we keep in the catalog (validation, and what listCollections echoes). */
const CREATE_OPTIONS = [
  'validator',
  'validationLevel',
  'validationAction',
  'collation',
  'comment',
  'storageEngine',
  'indexOptionDefaults',
];
const REFUSED_CREATE_OPTIONS = [
  'capped',
  'timeseries',
  'viewOn',
  'clusteredIndex',
  'changeStreamPreAndPostImages',
];

export async function create(ctx: CommandContext, command: Document): Promise<Document> {
  const ns = collectionNamespace(ctx, command, 'create');
  for (const option of REFUSED_CREATE_OPTIONS) {
    if (command[option] !== undefined && command[option] !== false) {
      throw new MongoCommandError(
        ErrorCode.InvalidOptions,
        `mongo-embedded does not support the '${option}' collection option`,
      );
    }
  }
  const options: Document = {};
  for (const option of CREATE_OPTIONS) {
    if (command[option] !== undefined) options[option] = command[option] as unknown;
  }
  if (options.validator !== undefined) {
    if (!isDocument(options.validator)) throw typeMismatch("'validator' must be an object");
    try {
      compileValidator(options.validator);
    } catch (error) {
      throw badValue(error instanceof Error ? error.message : String(error));
    }
  }
  if (ctx.server.storage.getCollection(ns)) {
    throw new MongoCommandError(
      ErrorCode.NamespaceExists,
      `Collection ${nsString(ns)} already exists.`,
    );
  }
  await ctx.server.storage.createCollection(ns, options);
  ctx.server.clock.tick();
  return { ok: 1 };
}

export async function drop(ctx: CommandContext, command: Document): Promise<Document> {
  const ns = collectionNamespace(ctx, command, 'drop');
  const info = ctx.server.storage.getCollection(ns);
  if (!info) {
    // MongoDB 7.0 answers ok for a missing collection.
    return { ok: 1 };
  }
  const nIndexesWas = ctx.server.storage.listIndexes(ns).length;
  await ctx.server.storage.dropCollection(ns);
  ctx.server.clock.tick();
  return { nIndexesWas, ns: nsString(ns), ok: 1 };
}

export async function dropDatabase(ctx: CommandContext): Promise<Document> {
  await ctx.server.storage.dropDatabase(ctx.db);
  ctx.server.clock.tick();
  return { dropped: ctx.db, ok: 1 };
}

function parseFullNamespace(value: unknown, field: string): { db: string; coll: string } {
  if (typeof value !== 'string')
    throw typeMismatch(`'${field}' must be of type string, not ${typeName(value)}`);
  const dot = value.indexOf('.');
  if (dot <= 0 || dot === value.length - 1) {
    throw new MongoCommandError(
      ErrorCode.InvalidNamespace,
      `Invalid namespace specified '${value}'`,
    );
  }
  const ns = { db: value.slice(0, dot), coll: value.slice(dot + 1) };
  validateDatabaseName(ns.db);
  validateCollectionName(ns.coll);
  return ns;
}

export async function renameCollection(ctx: CommandContext, command: Document): Promise<Document> {
  if (ctx.db !== 'admin') {
    throw new MongoCommandError(
      ErrorCode.Unauthorized,
      'renameCollection may only be run against the admin database.',
    );
  }
  const from = parseFullNamespace(command.renameCollection, 'renameCollection');
  const to = parseFullNamespace(command.to, 'to');
  const dropTarget = optionalBoolean(command, 'dropTarget') ?? false;
  if (!ctx.server.storage.getCollection(from)) {
    throw new MongoCommandError(
      ErrorCode.NamespaceNotFound,
      `Source collection ${nsString(from)} does not exist`,
    );
  }
  if (nsString(from) === nsString(to)) {
    throw new MongoCommandError(ErrorCode.IllegalOperation, "Can't rename a collection to itself");
  }
  if (ctx.server.storage.getCollection(to) && !dropTarget) {
    throw new MongoCommandError(ErrorCode.NamespaceExists, 'target namespace exists');
  }
  await ctx.server.storage.renameCollection(from, to, dropTarget);
  ctx.server.clock.tick();
  return { ok: 1 };
}

export function listCollections(ctx: CommandContext, command: Document): Document {
  const filter = optionalDocument(command, 'filter');
  const nameOnly = optionalBoolean(command, 'nameOnly') ?? false;
  const authorizedCollections = optionalBoolean(command, 'authorizedCollections') ?? false;
  void authorizedCollections;
  let entries: Document[] = ctx.server.storage.listCollections(ctx.db).map((info) => ({
    name: info.name,
    type: 'collection',
    options: info.options,
    info: { readOnly: false, uuid: new Binary(info.uuid, Binary.SUBTYPE_UUID) },
    idIndex: { v: 2, key: { _id: 1 }, name: '_id_' },
  }));
  if (filter && Object.keys(filter).length > 0) {
    const query = filterQuery(filter);
    entries = entries.filter((entry) => query.test(entry));
  }
  if (nameOnly)
    entries = entries.map((entry) => ({ name: entry.name as string, type: 'collection' }));
  entries.sort((a, b) => String(a.name).localeCompare(String(b.name)));
  const ns = `${ctx.db}.$cmd.listCollections`;
  const batchSize =
    isDocument(command.cursor) && typeof command.cursor.batchSize === 'number'
      ? command.cursor.batchSize
      : undefined;
  const { batch, id } = ctx.server.cursors.open(ns, entries, batchSize, { lsid: ctx.session?.key });
  return { cursor: { id, ns, firstBatch: batch }, ok: 1 };
}

function indexNameOf(key: Document): string {
  return Object.entries(key)
    .map(([field, dir]) => `${field}_${String(dir)}`)
    .join('_');
}

/**
 * Fills in the default index name (`a_1_b_-1`), the one thing the command adds. Everything
 * else (key pattern, options and their types) is validated once, with MongoDB's codes, by the
 * storage's `normalizeIndexSpec`.
 */
function withDefaultName(raw: Document): IndexSpec {
  const spec =
    raw.name === undefined && isDocument(raw.key) ? { ...raw, name: indexNameOf(raw.key) } : raw;
  return spec as IndexSpec;
}

export async function createIndexes(ctx: CommandContext, command: Document): Promise<Document> {
  const ns = collectionNamespace(ctx, command, 'createIndexes');
  const specs = documentArray(command, 'indexes', true).map(withDefaultName);
  if (specs.length === 0) throw badValue('Must specify at least one index.');
  const result = await ctx.server.storage.createIndexes(ns, specs);
  ctx.server.clock.tick();
  const reply: Document = {
    numIndexesBefore: result.numIndexesBefore,
    numIndexesAfter: result.numIndexesAfter,
    createdCollectionAutomatically: result.createdCollectionAutomatically,
  };
  if (result.note !== undefined) reply.note = result.note;
  reply.ok = 1;
  return reply;
}

export function listIndexes(ctx: CommandContext, command: Document): Document {
  const ns = collectionNamespace(ctx, command, 'listIndexes');
  if (!ctx.server.storage.getCollection(ns)) {
    throw new MongoCommandError(ErrorCode.NamespaceNotFound, `ns does not exist: ${nsString(ns)}`);
  }
  const indexes = ctx.server.storage.listIndexes(ns).map((spec) => ({ ...spec, v: spec.v ?? 2 }));
  const cursorNs = `${ctx.db}.$cmd.listIndexes.${ns.coll}`;
  const batchSize =
    isDocument(command.cursor) && typeof command.cursor.batchSize === 'number'
      ? command.cursor.batchSize
      : undefined;
  const { batch, id } = ctx.server.cursors.open(cursorNs, indexes, batchSize, {
    lsid: ctx.session?.key,
  });
  return { cursor: { id, ns: nsString(ns), firstBatch: batch }, ok: 1 };
}

export async function dropIndexes(ctx: CommandContext, command: Document): Promise<Document> {
  const ns = collectionNamespace(ctx, command, 'dropIndexes');
  if (!ctx.server.storage.getCollection(ns)) {
    throw new MongoCommandError(ErrorCode.NamespaceNotFound, `ns not found ${nsString(ns)}`);
  }
  const index: unknown = command.index;
  let names: string[] | '*';
  if (index === '*') names = '*';
  else if (typeof index === 'string') names = [index];
  else if (Array.isArray(index) && index.every((n) => typeof n === 'string')) names = index;
  else if (isDocument(index)) {
    const wanted = JSON.stringify(index);
    const match = ctx.server.storage
      .listIndexes(ns)
      .find((spec) => JSON.stringify(spec.key) === wanted);
    if (!match)
      throw new MongoCommandError(ErrorCode.IndexNotFound, `can't find index with key: ${wanted}`);
    names = [match.name];
  } else {
    throw typeMismatch("'index' must be a string, an array of strings or an index key pattern");
  }
  if (names !== '*' && names.includes('_id_')) {
    throw new MongoCommandError(ErrorCode.InvalidOptions, 'cannot drop _id index');
  }
  const result = await ctx.server.storage.dropIndexes(ns, names);
  ctx.server.clock.tick();
  return { nIndexesWas: result.nIndexesWas, ok: 1 };
}
