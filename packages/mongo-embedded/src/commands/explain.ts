import type { Document } from 'bson';
import { ErrorCode, MongoCommandError } from '../errors.js';
import type { Namespace, ReadPlan } from '../storage/contract.js';
import { isDocument, nsString, optionalDocument } from './args.js';
import type { CommandContext } from './context.js';
import { SERVER_VERSION } from './handshake.js';
import { hintOf } from './find.js';
import { planPipeline } from '../query/pipeline.js';
import { scan } from './storage-access.js';

/** The winning plan in MongoDB's shape: FETCH over IXSCAN, IDHACK, COLLSCAN or EOF. */
export function winningPlan(ns: Namespace, plan: ReadPlan, ctx?: CommandContext): Document {
  if (plan.stage === 'IXSCAN') {
    const spec = ctx?.server.storage.listIndexes(ns).find((index) => index.name === plan.indexName);
    return {
      stage: 'FETCH',
      inputStage: {
        stage: 'IXSCAN',
        indexName: plan.indexName,
        keyPattern: spec?.key ?? {},
        isMultiKey: false,
        direction: 'forward',
      },
    };
  }
  return { stage: plan.stage };
}

export function explainPlan(
  ns: Namespace,
  filter: Document,
  plan: ReadPlan,
  nReturned: number,
  ctx?: CommandContext,
): Document {
  const winning = winningPlan(ns, plan, ctx);
  return {
    queryPlanner: {
      namespace: nsString(ns),
      parsedQuery: filter,
      indexFilterSet: false,
      winningPlan: winning,
      rejectedPlans: [],
    },
    executionStats: {
      executionSuccess: true,
      nReturned,
      totalKeysExamined: plan.keysExamined,
      totalDocsExamined: plan.docsExamined,
      executionStages: { ...winning, nReturned, docsExamined: plan.docsExamined },
    },
    serverInfo: { host: 'mongo-embedded', version: SERVER_VERSION },
  };
}

/** `explain: { find | count | distinct | aggregate | update | delete | findAndModify }`. */
export function explain(ctx: CommandContext, command: Document): Document {
  const inner = optionalDocument(command, 'explain');
  if (!inner)
    throw new MongoCommandError(
      ErrorCode.FailedToParse,
      'explain command requires a nested object',
    );
  const name = Object.keys(inner)[0];
  const coll: unknown = name === undefined ? undefined : inner[name];
  if (typeof coll !== 'string')
    throw new MongoCommandError(
      ErrorCode.FailedToParse,
      `Explain failed: '${String(name)}' needs a collection name`,
    );
  const ns = { db: ctx.db, coll };
  let filter: Document;
  let sort: Document | undefined;
  switch (name) {
    case 'find':
      filter = (inner.filter as Document | undefined) ?? {};
      sort = inner.sort as Document | undefined;
      break;
    case 'count':
    case 'distinct':
      filter = (inner.query as Document | undefined) ?? {};
      break;
    case 'findAndModify':
      filter = (inner.query as Document | undefined) ?? {};
      sort = inner.sort as Document | undefined;
      break;
    case 'update':
    case 'delete': {
      const statements: unknown = inner[name === 'update' ? 'updates' : 'deletes'];
      const first: unknown = Array.isArray(statements) ? statements[0] : undefined;
      filter = isDocument(first) && isDocument(first.q) ? first.q : {};
      break;
    }
    case 'aggregate': {
      const planned = planPipeline(
        Array.isArray(inner.pipeline) ? (inner.pipeline as Document[]) : [],
      );
      filter = planned.filter;
      sort = planned.sort;
      break;
    }
    default:
      throw new MongoCommandError(
        ErrorCode.CommandNotFound,
        `Explain failed due to unknown command: ${String(name)}`,
      );
  }
  const hint = hintOf(inner);
  const result = scan(ctx, ns, {
    filter,
    ...(sort ? { sort } : {}),
    ...(hint !== undefined ? { hint } : {}),
  });
  return {
    ...explainPlan(ns, filter, result.plan, result.docs.length, ctx),
    command: inner,
    ok: 1,
  };
}
