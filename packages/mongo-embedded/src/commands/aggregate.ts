import type { Document } from 'bson';
import { ErrorCode, MongoCommandError } from '../errors.js';
import { scanFields } from '../query/dependencies.js';
import { planPipeline, runStages } from '../query/pipeline.js';
import type { Namespace, WriteUnit } from '../storage/contract.js';
import {
  checkCollation,
  isDocument,
  nsString,
  optionalDocument,
  typeMismatch,
  validateCollectionName,
} from './args.js';
import type { CommandContext } from './context.js';
import { hintOf } from './find.js';
import { ensureCollection, performWrites, scan } from './storage-access.js';
import { commandSource, PipelineExecutor } from './lookup.js';
import { sameValue } from '../query/update.js';
import { explainPlan } from './explain.js';

export async function aggregate(ctx: CommandContext, command: Document): Promise<Document> {
  const target: unknown = command.aggregate;
  if (target === 1) return aggregateDatabase(ctx, command);
  if (typeof target !== 'string') {
    throw new MongoCommandError(
      ErrorCode.InvalidNamespace,
      `Invalid {aggregate: ${JSON.stringify(target)}}: a collection name or 1 is required`,
    );
  }
  validateCollectionName(target);
  const ns = { db: ctx.db, coll: target };
  const pipeline: unknown = command.pipeline;
  if (!Array.isArray(pipeline) || !pipeline.every(isDocument)) {
    throw typeMismatch("'pipeline' option must be specified as an array");
  }
  const cursorOption: unknown = command.cursor;
  if (command.explain !== true && !isDocument(cursorOption)) {
    throw new MongoCommandError(
      ErrorCode.FailedToParse,
      "The 'cursor' option is required, except for aggregate with the explain argument",
    );
  }
  checkCollation(command);
  const variables = optionalDocument(command, 'let');
  const first = pipeline[0];
  if (first && ('$collStats' in first || '$indexStats' in first)) {
    // Metadata sources (Compass asks for them): build the input, run the rest through mingo.
    const source =
      '$collStats' in first
        ? collStatsSource(ctx, ns, first.$collStats)
        : indexStatsSource(ctx, ns);
    const results = runStages(source, pipeline.slice(1), () => [], variables);
    const { batch, id } = ctx.server.cursors.open(nsString(ns), results, undefined, {
      lsid: ctx.session?.key,
    });
    return { cursor: { firstBatch: batch, id, ns: nsString(ns) }, ok: 1 };
  }
  const planned = planPipeline(pipeline);
  const hint = hintOf(command);
  // Decode only the top-level fields the stages after the scan can read.
  const fields = scanFields(planned.stages);
  const scanned = scan(ctx, ns, {
    filter: planned.filter,
    ...(fields !== undefined ? { fields } : {}),
    ...(planned.sort ? { sort: planned.sort } : {}),
    ...(hint !== undefined ? { hint } : {}),
    ...(planned.limit !== undefined ? { limit: planned.limit } : {}),
  });
  if (command.explain === true) {
    return {
      ...explainPlan(ns, planned.filter, scanned.plan, scanned.docs.length),
      stages: pipeline,
      ok: 1,
    };
  }
  let stages = planned.stages;
  // When the storage already sorted, the leading $sort is done.
  if (planned.sort && scanned.plan.sortCovered) stages = stages.slice(1);
  // Top-level $lookup stages query the foreign collections through the storage planner.
  const executor = new PipelineExecutor(commandSource(ctx), variables);
  const results = executor.run(scanned.docs, stages, variables, planned.output === undefined);
  if (planned.output) {
    await writeOutput(ctx, planned.output, results);
    return { cursor: { firstBatch: [], id: 0n, ns: nsString(ns) }, ok: 1 };
  }
  const batchSize =
    isDocument(cursorOption) && typeof cursorOption.batchSize === 'number'
      ? cursorOption.batchSize
      : undefined;
  const { batch, id } = ctx.server.cursors.open(nsString(ns), results, batchSize, {
    lsid: ctx.session?.key,
    txnId: ctx.txn?.id,
    raw: executor.joinedRaw,
  });
  return { cursor: { firstBatch: batch, id, ns: nsString(ns) }, ok: 1 };
}

/**
 * `aggregate: 1`: collection-less pipelines. `$documents` supplies literal input;
 * `$currentOp` and `$listLocalSessions` report nothing in flight (tools call them).
 */
function aggregateDatabase(ctx: CommandContext, command: Document): Document {
  const pipeline: unknown = command.pipeline;
  if (!Array.isArray(pipeline) || !pipeline.every(isDocument) || pipeline.length === 0) {
    throw typeMismatch("'pipeline' option must be specified as a non-empty array");
  }
  const [first, ...rest] = pipeline;
  let source: Document[];
  if ('$documents' in first!) {
    const docs: unknown = first.$documents;
    if (!Array.isArray(docs) || !docs.every(isDocument)) {
      throw new MongoCommandError(
        ErrorCode.FailedToParse,
        '$documents must be an array of objects',
      );
    }
    source = docs;
  } else if ('$currentOp' in first! || '$listLocalSessions' in first!) {
    source = [];
  } else {
    throw new MongoCommandError(
      ErrorCode.InvalidNamespace,
      `{aggregate: 1} is not valid for '${Object.keys(first!)[0] ?? ''}'; a collection is required.`,
    );
  }
  const variables = optionalDocument(command, 'let');
  const results = new PipelineExecutor(commandSource(ctx), variables).run(source, rest);
  const ns = `${ctx.db}.$cmd.aggregate`;
  const { batch, id } = ctx.server.cursors.open(ns, results, undefined, { lsid: ctx.session?.key });
  return { cursor: { firstBatch: batch, id, ns }, ok: 1 };
}

function collStatsSource(ctx: CommandContext, ns: Namespace, spec: unknown): Document[] {
  const options = isDocument(spec) ? spec : {};
  const exists = ctx.server.storage.getCollection(ns) !== undefined;
  if (!exists) {
    throw new MongoCommandError(
      ErrorCode.NamespaceNotFound,
      `Unable to retrieve storageStats in $collStats stage :: caused by :: Collection [${nsString(ns)}] not found.`,
    );
  }
  const stats = ctx.server.storage.stats(ns);
  const doc: Document = {
    ns: nsString(ns),
    host: `${ctx.connection.localAddress}:${ctx.connection.localPort}`,
    localTime: new Date(),
  };
  if (options.storageStats !== undefined) {
    const totalIndexSize = Object.values(stats.indexSizes).reduce((a, b) => a + b, 0);
    doc.storageStats = {
      size: stats.size,
      count: stats.count,
      avgObjSize: stats.avgObjSize,
      storageSize: stats.size,
      freeStorageSize: 0,
      capped: false,
      nindexes: stats.nindexes,
      indexSizes: stats.indexSizes,
      totalIndexSize,
      totalSize: stats.size + totalIndexSize,
      scaleFactor: 1,
    };
  }
  if (options.count !== undefined) doc.count = stats.count;
  if (options.latencyStats !== undefined) {
    const zero = { latency: 0, ops: 0 };
    doc.latencyStats = { reads: zero, writes: zero, commands: zero, transactions: zero };
  }
  return [doc];
}

function indexStatsSource(ctx: CommandContext, ns: Namespace): Document[] {
  if (!ctx.server.storage.getCollection(ns)) return [];
  const host = `${ctx.connection.localAddress}:${ctx.connection.localPort}`;
  return ctx.server.storage.listIndexes(ns).map((spec) => ({
    name: spec.name,
    key: spec.key,
    host,
    accesses: { ops: 0, since: new Date(ctx.server.startedAt) },
    spec,
  }));
}

function outputNamespace(ctx: CommandContext, spec: unknown, stage: string): Namespace {
  if (typeof spec === 'string') return { db: ctx.db, coll: spec };
  if (isDocument(spec)) {
    const into: unknown = stage === '$merge' ? spec.into : spec;
    if (typeof into === 'string') return { db: ctx.db, coll: into };
    if (isDocument(into) && typeof into.coll === 'string') {
      return { db: typeof into.db === 'string' ? into.db : ctx.db, coll: into.coll };
    }
  }
  throw new MongoCommandError(ErrorCode.FailedToParse, `${stage} needs a target collection`);
}

async function writeOutput(
  ctx: CommandContext,
  output: { kind: '$out' | '$merge'; spec: unknown },
  results: Document[],
): Promise<void> {
  if (ctx.txn) {
    throw new MongoCommandError(
      ErrorCode.OperationNotSupportedInTransaction,
      `${output.kind} cannot be used in a transaction`,
    );
  }
  const target = outputNamespace(ctx, output.spec, output.kind);
  validateCollectionName(target.coll);
  if (output.kind === '$out') {
    // Replace the target's documents; its indexes stay, as in MongoDB.
    await ensureCollection(ctx, target);
    await performWrites(ctx, (unit) => {
      for (const old of scan(ctx, target, { filter: {} }).docs) unit.remove(target, old._id);
      for (const doc of results) unit.insert(target, doc);
    });
    return;
  }
  const spec = output.spec as Document;
  const on: string[] =
    spec.on === undefined
      ? ['_id']
      : Array.isArray(spec.on)
        ? (spec.on as string[])
        : [String(spec.on)];
  const whenMatched: unknown = spec.whenMatched ?? 'merge';
  const whenNotMatched: unknown = spec.whenNotMatched ?? 'insert';
  await ensureCollection(ctx, target);
  await performWrites(ctx, (unit) => {
    for (const doc of results) mergeOne(ctx, unit, target, doc, on, whenMatched, whenNotMatched);
  });
}

function mergeOne(
  ctx: CommandContext,
  unit: WriteUnit,
  target: Namespace,
  doc: Document,
  on: string[],
  whenMatched: unknown,
  whenNotMatched: unknown,
): void {
  const filter: Document = {};
  for (const field of on) filter[field] = (doc[field] as unknown) ?? null;
  const [existing] = scan(ctx, target, { filter }).docs;
  if (!existing) {
    if (whenNotMatched === 'insert') unit.insert(target, doc);
    else if (whenNotMatched === 'fail') {
      throw new MongoCommandError(
        13113,
        '$merge could not find a matching document in the target collection for at least one document in the source collection',
      );
    }
    return;
  }
  if (whenMatched === 'keepExisting') return;
  if (whenMatched === 'fail') {
    throw new MongoCommandError(
      ErrorCode.DuplicateKey,
      `$merge with whenMatched: fail found an existing document with the same values for ${on.join(', ')}`,
    );
  }
  let next: Document;
  if (whenMatched === 'replace') next = { ...doc, _id: existing._id as unknown };
  else if (whenMatched === 'merge') next = { ...existing, ...doc, _id: existing._id as unknown };
  else if (Array.isArray(whenMatched)) {
    next = runStages([existing], whenMatched as Document[], () => [], { new: doc })[0] ?? existing;
  } else {
    throw new MongoCommandError(ErrorCode.BadValue, 'Unsupported $merge whenMatched mode');
  }
  if (!sameValue(next, existing)) unit.replace(target, next);
}
