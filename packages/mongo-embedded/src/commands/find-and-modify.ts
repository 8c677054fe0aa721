import type { Document } from 'bson';
import { ErrorCode, MongoCommandError } from '../errors.js';
import { projectDocuments } from '../query/projection.js';
import { sortDocuments } from '../query/sort.js';
import { checkCollation, collectionNamespace, optionalBoolean, optionalDocument } from './args.js';
import type { CommandContext } from './context.js';
import { hintOf } from './find.js';
import { ensureCollection, performWrites, scan } from './storage-access.js';
import { applyUpdateStatement } from './write.js';

export async function findAndModify(
  ctx: CommandContext,
  command: Document,
  name = 'findAndModify',
): Promise<Document> {
  const ns = collectionNamespace(ctx, command, name);
  const query = optionalDocument(command, 'query') ?? {};
  const sort = optionalDocument(command, 'sort');
  const fields = optionalDocument(command, 'fields');
  const remove = optionalBoolean(command, 'remove') ?? false;
  const returnNew = optionalBoolean(command, 'new') ?? false;
  const upsert = optionalBoolean(command, 'upsert') ?? false;
  const updateSpec: unknown = command.update;
  const hint = hintOf(command);
  checkCollation(command);
  if (remove && updateSpec !== undefined) {
    throw new MongoCommandError(
      ErrorCode.FailedToParse,
      'Cannot specify both an update and remove=true',
    );
  }
  if (!remove && updateSpec === undefined) {
    throw new MongoCommandError(
      ErrorCode.FailedToParse,
      'Either an update or remove=true must be specified',
    );
  }
  if (remove && upsert) {
    throw new MongoCommandError(
      ErrorCode.FailedToParse,
      'Cannot specify both upsert=true and remove=true',
    );
  }
  if (remove && returnNew) {
    throw new MongoCommandError(
      ErrorCode.FailedToParse,
      "Cannot specify both new=true and remove=true; 'remove' always returns the deleted document",
    );
  }
  if (upsert) await ensureCollection(ctx, ns);
  const project = (doc: Document | undefined): Document | null =>
    doc === undefined ? null : fields ? (projectDocuments([doc], fields, query)[0] ?? null) : doc;

  return performWrites(ctx, (unit) => {
    if (remove) {
      const found = scan(ctx, ns, {
        filter: query,
        ...(sort ? { sort } : {}),
        ...(hint !== undefined ? { hint } : {}),
        limit: 1,
      });
      const ordered = found.plan.sortCovered ? found.docs : sortDocuments(found.docs, sort);
      const target = ordered[0];
      if (target) {
        unit.remove(ns, target._id);
        ctx.server.opcounters.delete++;
      }
      return { lastErrorObject: { n: target ? 1 : 0 }, value: project(target), ok: 1 };
    }
    const result = applyUpdateStatement(
      ctx,
      unit,
      ns,
      {
        q: query,
        u: updateSpec,
        multi: false,
        upsert,
        arrayFilters: command.arrayFilters as Document[] | undefined,
        hint,
        sort,
      },
      optionalDocument(command, 'let'),
      command.bypassDocumentValidation === true,
    );
    ctx.server.opcounters.update++;
    const lastErrorObject: Document = {
      n: result.upsertedId !== undefined ? 1 : result.matched,
      updatedExisting: result.matched > 0,
    };
    if (result.upsertedId !== undefined) lastErrorObject.upserted = result.upsertedId;
    const value = returnNew ? result.after : result.before;
    return { lastErrorObject, value: project(value), ok: 1 };
  });
}
