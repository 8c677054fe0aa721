import { calculateObjectSize, ObjectId, type Document } from 'bson';
import { ErrorCode, MongoCommandError } from '../errors.js';
import { sortDocuments } from '../query/sort.js';
import { applyUpdate, buildUpsertDocument, parseUpdateSpec, withIdFirst } from '../query/update.js';
import type { Namespace, WriteUnit } from '../storage/contract.js';
import { sequenceSizes } from '../wire/document-sizes.js';
import { MAX_BSON_OBJECT_SIZE, MAX_WRITE_BATCH_SIZE } from '../wire/limits.js';
import {
  checkCollation,
  collectionNamespace,
  documentArray,
  optionalBoolean,
  optionalDocument,
  optionalInteger,
  typeMismatch,
} from './args.js';
import type { CommandContext } from './context.js';
import { hintOf } from './find.js';
import { ensureCollection, performWrites, scan } from './storage-access.js';
import { validateDocument } from './validation.js';

/** type byte + '_id\0' + 12-byte ObjectId. */
const ID_ELEMENT_BYTES = 1 + 4 + 12;

interface BatchOutcome {
  n: number;
  writeErrors: Document[];
}

function orderedOf(command: Document): boolean {
  return optionalBoolean(command, 'ordered') ?? true;
}

function checkBatchSize(count: number): void {
  if (count < 1 || count > MAX_WRITE_BATCH_SIZE) {
    throw new MongoCommandError(
      ErrorCode.InvalidLength,
      `Write batch sizes must be between 1 and ${MAX_WRITE_BATCH_SIZE}. Got ${count} operations.`,
    );
  }
}

/** Errors of one statement go to writeErrors; anything else is a command failure. */
function statementError(error: unknown, index: number): Document {
  if (error instanceof MongoCommandError) {
    if (error.code === ErrorCode.WriteConflict) throw error;
    return error.toWriteError(index);
  }
  throw error;
}

function finishReply(outcome: BatchOutcome, extra: Document = {}): Document {
  const reply: Document = { n: outcome.n, ...extra };
  if (outcome.writeErrors.length > 0) reply.writeErrors = outcome.writeErrors;
  reply.ok = 1;
  return reply;
}

/**
 * MongoDB refuses an inserted document above 16 MB with BadValue ("object to insert
 * too large") and an update whose result is too large with 17419.
 */
export function checkDocumentSize(
  doc: Document,
  kind: 'insert' | 'update' = 'insert',
  knownSize?: number,
): void {
  const size = knownSize ?? calculateObjectSize(doc);
  if (size <= MAX_BSON_OBJECT_SIZE) return;
  if (kind === 'insert') {
    throw new MongoCommandError(
      ErrorCode.BadValue,
      `object to insert too large. size in bytes: ${size}, max size: ${MAX_BSON_OBJECT_SIZE}`,
    );
  }
  throw new MongoCommandError(
    ErrorCode.Location17419,
    `Resulting document after update is larger than ${MAX_BSON_OBJECT_SIZE}`,
  );
}

function checkFieldNames(doc: Document): void {
  for (const key of Object.keys(doc)) {
    if (key.startsWith('$')) {
      throw new MongoCommandError(
        ErrorCode.DollarPrefixedFieldName,
        `Document can't have $ prefixed field names: ${key}`,
      );
    }
  }
  const id: unknown = doc._id;
  // MongoDB's insert path (fixDocumentForInsert) answers these with BadValue.
  if (Array.isArray(id)) {
    throw new MongoCommandError(ErrorCode.BadValue, "can't use an array for _id");
  }
  if (id instanceof RegExp) {
    throw new MongoCommandError(ErrorCode.BadValue, "can't use a regex for _id");
  }
}

export async function insert(ctx: CommandContext, command: Document): Promise<Document> {
  const ns = collectionNamespace(ctx, command, 'insert');
  const docs = documentArray(command, 'documents', true);
  checkBatchSize(docs.length);
  const ordered = orderedOf(command);
  const bypassValidation = command.bypassDocumentValidation === true;
  await ensureCollection(ctx, ns);
  // Sizes as received (document sequence); a generated ObjectId _id adds 17 bytes.
  const receivedSizes = sequenceSizes(docs);
  const sizes: (number | undefined)[] = [];
  const prepared = docs.map((doc, i) => {
    const received = receivedSizes?.[i];
    if (doc._id !== undefined) {
      sizes.push(received);
      return doc;
    }
    sizes.push(received === undefined ? undefined : received + ID_ELEMENT_BYTES);
    return withIdFirst(doc, new ObjectId());
  });
  // The storage may roll the unit back and run the work again (it waited for a
  // transaction): all per-attempt state lives inside the work function.
  const outcome = await performWrites(ctx, (unit) => {
    const outcome: BatchOutcome = { n: 0, writeErrors: [] };
    for (let i = 0; i < prepared.length; i++) {
      const doc = prepared[i]!;
      try {
        checkDocumentSize(doc, 'insert', sizes[i]);
        checkFieldNames(doc);
        if (!bypassValidation) validateDocument(ctx, ns, doc);
        unit.insert(ns, doc);
        outcome.n++;
        ctx.server.opcounters.insert++;
      } catch (error) {
        outcome.writeErrors.push(statementError(error, i));
        if (ordered) break;
      }
    }
    return outcome;
  });
  return finishReply(outcome);
}

interface UpdateStatement {
  q: Document;
  u: unknown;
  multi: boolean;
  upsert: boolean;
  arrayFilters: Document[] | undefined;
  hint: string | Document | undefined;
  sort: Document | undefined;
}

function parseUpdateStatement(raw: Document): UpdateStatement {
  const q = optionalDocument(raw, 'q');
  if (!q)
    throw new MongoCommandError(
      ErrorCode.Location40414,
      "BSON field 'update.updates.q' is missing but a required field",
    );
  if (raw.u === undefined)
    throw new MongoCommandError(
      ErrorCode.Location40414,
      "BSON field 'update.updates.u' is missing but a required field",
    );
  checkCollation(raw);
  const arrayFilters: unknown = raw.arrayFilters;
  if (arrayFilters !== undefined && !Array.isArray(arrayFilters))
    throw typeMismatch('arrayFilters must be an array');
  return {
    q,
    u: raw.u,
    multi: optionalBoolean(raw, 'multi') ?? false,
    upsert: optionalBoolean(raw, 'upsert') ?? false,
    arrayFilters: arrayFilters as Document[] | undefined,
    hint: hintOf(raw),
    sort: optionalDocument(raw, 'sort'),
  };
}

export interface UpdateOneResult {
  matched: number;
  modified: number;
  upsertedId?: unknown;
  /** Documents before and after (for findAndModify), of the last affected document. */
  before?: Document | undefined;
  after?: Document | undefined;
}

/**
 * Applies one update statement inside a write unit: synchronous, so the read of
 * matching documents and their replacement are atomic.
 */
export function applyUpdateStatement(
  ctx: CommandContext,
  unit: WriteUnit,
  ns: Namespace,
  statement: UpdateStatement,
  variables: Document | undefined,
  bypassValidation: boolean,
): UpdateOneResult {
  const spec = parseUpdateSpec(statement.u);
  if (spec.kind === 'replacement' && statement.multi) {
    throw new MongoCommandError(
      ErrorCode.FailedToParse,
      'multi update is not supported for replacement-style update',
    );
  }
  if (spec.kind === 'replacement') checkFieldNames(spec.doc);
  const scanOptions = {
    filter: statement.q,
    ...(statement.sort ? { sort: statement.sort } : {}),
    ...(statement.hint !== undefined ? { hint: statement.hint } : {}),
  };
  const found = scan(ctx, ns, statement.multi ? scanOptions : { ...scanOptions, limit: 1 });
  let matches = found.plan.sortCovered ? found.docs : sortDocuments(found.docs, statement.sort);
  if (!statement.multi) matches = matches.slice(0, 1);
  const applyOptions = { filter: statement.q, arrayFilters: statement.arrayFilters, variables };
  if (matches.length === 0) {
    if (!statement.upsert) return { matched: 0, modified: 0 };
    const doc = buildUpsertDocument(statement.q, spec, applyOptions);
    checkDocumentSize(doc);
    checkFieldNames(doc);
    if (!bypassValidation) validateDocument(ctx, ns, doc);
    unit.insert(ns, doc);
    return { matched: 0, modified: 0, upsertedId: doc._id, after: doc };
  }
  let modified = 0;
  let before: Document | undefined;
  let after: Document | undefined;
  for (const doc of matches) {
    const result = applyUpdate(doc, spec, { ...applyOptions, inserting: false });
    before = doc;
    after = result.doc;
    if (!result.modified) continue;
    checkDocumentSize(result.doc, 'update');
    if (!bypassValidation) validateDocument(ctx, ns, result.doc);
    unit.replace(ns, result.doc);
    modified++;
  }
  return { matched: matches.length, modified, before, after };
}

export async function update(ctx: CommandContext, command: Document): Promise<Document> {
  const ns = collectionNamespace(ctx, command, 'update');
  const raw = documentArray(command, 'updates', true);
  checkBatchSize(raw.length);
  const ordered = orderedOf(command);
  const variables = optionalDocument(command, 'let');
  const bypassValidation = command.bypassDocumentValidation === true;
  const statements = raw.map((entry) => {
    try {
      return parseUpdateStatement(entry);
    } catch (error) {
      return error;
    }
  });
  if (statements.some((s) => !(s instanceof Error) && (s as UpdateStatement).upsert)) {
    await ensureCollection(ctx, ns);
  }
  const { outcome, nModified, upserted } = await performWrites(ctx, (unit) => {
    const outcome: BatchOutcome = { n: 0, writeErrors: [] };
    let nModified = 0;
    const upserted: Document[] = [];
    for (let i = 0; i < statements.length; i++) {
      const statement = statements[i];
      try {
        if (statement instanceof Error) throw statement;
        const result = applyUpdateStatement(
          ctx,
          unit,
          ns,
          statement as UpdateStatement,
          variables,
          bypassValidation,
        );
        ctx.server.opcounters.update++;
        if (result.upsertedId !== undefined) {
          upserted.push({ index: i, _id: result.upsertedId });
          outcome.n += 1;
        } else {
          outcome.n += result.matched;
          nModified += result.modified;
        }
      } catch (error) {
        outcome.writeErrors.push(statementError(error, i));
        if (ordered) break;
      }
    }
    return { outcome, nModified, upserted };
  });
  const extra: Document = { nModified };
  if (upserted.length > 0) {
    return finishReply(outcome, { upserted, nModified });
  }
  return finishReply(outcome, extra);
}

export async function deleteCommand(ctx: CommandContext, command: Document): Promise<Document> {
  const ns = collectionNamespace(ctx, command, 'delete');
  const raw = documentArray(command, 'deletes', true);
  checkBatchSize(raw.length);
  const ordered = orderedOf(command);
  const outcome = await performWrites(ctx, (unit) => {
    const outcome: BatchOutcome = { n: 0, writeErrors: [] };
    for (let i = 0; i < raw.length; i++) {
      try {
        const entry = raw[i]!;
        const q = optionalDocument(entry, 'q');
        if (!q)
          throw new MongoCommandError(
            ErrorCode.Location40414,
            "BSON field 'delete.deletes.q' is missing but a required field",
          );
        const limit = optionalInteger(entry, 'limit');
        if (limit === undefined)
          throw new MongoCommandError(
            ErrorCode.Location40414,
            "BSON field 'delete.deletes.limit' is missing but a required field",
          );
        if (limit !== 0 && limit !== 1)
          throw new MongoCommandError(
            ErrorCode.FailedToParse,
            `The limit field in delete objects must be 0 or 1. Got ${limit}`,
          );
        checkCollation(entry);
        const hint = hintOf(entry);
        const { docs } = scan(ctx, ns, {
          filter: q,
          ...(hint !== undefined ? { hint } : {}),
          ...(limit === 1 ? { limit: 1 } : {}),
        });
        const targets = limit === 1 ? docs.slice(0, 1) : docs;
        for (const doc of targets) {
          if (unit.remove(ns, doc._id)) outcome.n++;
          ctx.server.opcounters.delete++;
        }
      } catch (error) {
        outcome.writeErrors.push(statementError(error, i));
        if (ordered) break;
      }
    }
    return outcome;
  });
  return finishReply(outcome);
}
