import { Long, serialize, type Document } from 'bson';
import { ErrorCode, MongoCommandError } from '../errors.js';
import { projector } from '../query/projection.js';
import { sortBy, sortDocuments } from '../query/sort.js';
import type { Namespace } from '../storage/contract.js';
import { RawDocument } from '../wire/raw-document.js';
import {
  badValue,
  checkCollation,
  collectionNamespace,
  isDocument,
  nonNegativeInteger,
  nsString,
  optionalBoolean,
  optionalDocument,
  optionalInteger,
  toBigInt,
  typeMismatch,
  typeName,
} from './args.js';
import type { CommandContext } from './context.js';
import { scan, storedBytes } from './storage-access.js';

interface FindResults {
  ns: Namespace;
  filter: Document;
  /** Non-empty, or absent. */
  projection: Document | undefined;
  docs: Document[];
  batchSize: number | undefined;
  singleBatch: boolean;
}

/**
 * find's read: scan, sort, skip, limit. Without a projection the results are the stored
 * documents as RawDocuments (sent without decode and re-encode), and only the fields the filter
 * and the sort read are decoded.
 */
function executeFind(ctx: CommandContext, command: Document): FindResults {
  const ns = collectionNamespace(ctx, command, 'find');
  const filter = optionalDocument(command, 'filter') ?? {};
  const requested = optionalDocument(command, 'projection');
  const projection =
    requested !== undefined && Object.keys(requested).length > 0 ? requested : undefined;
  const raw = projection === undefined;
  const requestedSort = optionalDocument(command, 'sort');
  // `{ $natural: ±1 }` means insertion order (reversed for -1), not a field.
  const natural = requestedSort ? Number(requestedSort.$natural ?? 0) : 0;
  const sort = natural !== 0 ? undefined : requestedSort;
  const skip = nonNegativeInteger(command, 'skip') ?? 0;
  // MongoDB 7.0 refuses negative limits in find; drivers turn limit(-n) into singleBatch.
  const limit = nonNegativeInteger(command, 'limit') ?? 0;
  const singleBatch = optionalBoolean(command, 'singleBatch') ?? false;
  const batchSize = nonNegativeInteger(command, 'batchSize');
  checkCollation(command);
  const hint = hintOf(command);
  // Only this many results can be returned: let the engine stop early when it can.
  const needed = limit > 0 ? skip + limit : singleBatch && batchSize ? skip + batchSize : undefined;
  const result = scan(ctx, ns, {
    filter,
    ...(sort ? { sort } : {}),
    ...(hint !== undefined ? { hint } : {}),
    ...(needed !== undefined && natural >= 0 ? { limit: needed } : {}),
    ...(raw ? { withBytes: true, fields: sort ? topLevelNames(sort) : [] } : {}),
  });
  ctx.server.opcounters.query++;
  const bytes = raw ? storedBytes(result) : undefined;
  let entries: { doc: Document; out: Document }[] = result.docs.map((doc, i) => ({
    doc,
    out: bytes ? new RawDocument(bytes[i]!) : doc,
  }));
  if (!result.plan.sortCovered) entries = sortBy(entries, sort, (entry) => entry.doc);
  if (natural < 0) entries = [...entries].reverse();
  if (skip > 0 || limit > 0) entries = entries.slice(skip, limit > 0 ? skip + limit : undefined);
  const docs = entries.map((entry) => entry.out);
  return { ns, filter, projection, docs, batchSize, singleBatch };
}

/** The top-level fields of a sort specification's paths. */
function topLevelNames(sort: Document): string[] {
  return Object.keys(sort).map((path) => path.split('.', 1)[0]!);
}

export function hintOf(command: Document): string | Document | undefined {
  const hint: unknown = command.hint;
  if (hint === undefined || hint === null) return undefined;
  if (typeof hint === 'string') return hint.length === 0 ? undefined : hint;
  if (isDocument(hint)) return Object.keys(hint).length === 0 ? undefined : hint;
  throw badValue(`hint must be a string or an object, not ${typeName(hint)}`);
}

export function find(ctx: CommandContext, command: Document): Document {
  if (command.tailable === true) {
    throw badValue('error processing query: tailable cursor requested on non capped collection');
  }
  const { ns, filter, projection, docs, batchSize, singleBatch } = executeFind(ctx, command);
  const transform = projector(projection, filter);
  const { batch, id } = ctx.server.cursors.open(nsString(ns), docs, batchSize, {
    singleBatch,
    lsid: ctx.session?.key,
    txnId: ctx.txn?.id,
    transform,
    raw: projection === undefined,
  });
  return { cursor: { firstBatch: batch, id, ns: nsString(ns) }, ok: 1 };
}

export function getMore(ctx: CommandContext, command: Document): Document {
  const id = toBigInt(command.getMore);
  if (id === undefined) {
    throw typeMismatch(`Field 'getMore' must be of type long in: ${typeName(command.getMore)}`);
  }
  const coll: unknown = command.collection;
  if (typeof coll !== 'string') {
    throw typeMismatch(`Field 'collection' must be of type string in getMore`);
  }
  const ns = `${ctx.db}.${coll}`;
  const batchSize = optionalInteger(command, 'batchSize');
  ctx.server.opcounters.getmore++;
  const { batch, id: next } = ctx.server.cursors.getMore(
    id,
    ns,
    batchSize && batchSize > 0 ? batchSize : undefined,
    { lsid: ctx.session?.key, txnId: ctx.txn?.id },
  );
  return { cursor: { nextBatch: batch, id: next, ns }, ok: 1 };
}

export function killCursors(ctx: CommandContext, command: Document): Document {
  const coll: unknown = command.killCursors;
  if (typeof coll !== 'string') throw typeMismatch('killCursors needs a collection name');
  const raw: unknown = command.cursors;
  if (!Array.isArray(raw)) throw typeMismatch("Field 'cursors' must be an array of cursor ids");
  const ids = (raw as unknown[]).map((value) => {
    const id = toBigInt(value);
    if (id === undefined) throw typeMismatch('cursor ids must be 64-bit integers');
    return id;
  });
  const { killed, notFound } = ctx.server.cursors.kill(ids);
  return {
    cursorsKilled: killed.map((id) => Long.fromBigInt(id)),
    cursorsNotFound: notFound.map((id) => Long.fromBigInt(id)),
    cursorsAlive: [],
    cursorsUnknown: [],
    ok: 1,
  };
}

export function count(ctx: CommandContext, command: Document): Document {
  const ns = collectionNamespace(ctx, command, 'count');
  const filter = optionalDocument(command, 'query') ?? {};
  const skip = nonNegativeInteger(command, 'skip') ?? 0;
  const limit = Math.abs(optionalInteger(command, 'limit') ?? 0);
  checkCollation(command);
  const hint = hintOf(command);
  if (!ctx.server.storage.getCollection(ns)) return { n: 0, ok: 1 };
  let n = ctx.server.storage.count(ns, {
    filter,
    ...(hint !== undefined ? { hint } : {}),
    ...(ctx.txn ? { txn: ctx.txn } : {}),
  });
  n = Math.max(0, n - skip);
  if (limit > 0) n = Math.min(n, limit);
  return { n, ok: 1 };
}

export function distinct(ctx: CommandContext, command: Document): Document {
  const ns = collectionNamespace(ctx, command, 'distinct');
  const key: unknown = command.key;
  if (typeof key !== 'string') {
    if (key === undefined)
      throw new MongoCommandError(
        ErrorCode.Location40414,
        "BSON field 'distinct.key' is missing but a required field",
      );
    throw typeMismatch(
      `BSON field 'distinct.key' is the wrong type '${typeName(key)}', expected type 'string'`,
    );
  }
  const filter = optionalDocument(command, 'query') ?? {};
  checkCollation(command);
  const { docs } = scan(ctx, ns, { filter });
  const seen = new Set<string>();
  const values: unknown[] = [];
  for (const doc of docs) {
    for (const value of valuesAtPath(doc, key.split('.'), 0)) {
      const hash = Buffer.from(serialize({ v: value })).toString('base64');
      if (seen.has(hash)) continue;
      seen.add(hash);
      values.push(value);
    }
  }
  const sorted = sortDocuments(
    values.map((v) => ({ v })),
    { v: 1 },
  ).map((d) => d.v as unknown);
  return { values: sorted, ok: 1 };
}

/** Values at a dotted path, descending into arrays and flattening array leaves (distinct's rules). */
export function valuesAtPath(value: unknown, parts: string[], index: number): unknown[] {
  if (index === parts.length) {
    return Array.isArray(value) ? (value as unknown[]) : value === undefined ? [] : [value];
  }
  if (Array.isArray(value)) {
    const part = parts[index]!;
    if (/^\d+$/.test(part))
      return valuesAtPath((value as unknown[])[Number(part)], parts, index + 1);
    return (value as unknown[]).flatMap((item) => valuesAtPath(item, parts, index));
  }
  if (value === null || typeof value !== 'object') return [];
  return valuesAtPath((value as Document)[parts[index]!], parts, index + 1);
}
