import type { Document } from 'bson';
import { Query } from 'mingo/query';
import { ErrorCode, MongoCommandError } from '../errors.js';
import { compileJsonSchema } from '../query/json-schema.js';
import { mingoOptions } from '../query/mingo-options.js';
import type { Namespace } from '../storage/contract.js';
import type { CommandContext } from './context.js';

const compiled = new WeakMap<Document, Query>();

/** Compiles a collection validator (throws on unknown operators). */
export function compileValidator(validator: Document): Query {
  return new Query(validator, { ...mingoOptions(), jsonSchemaValidator: compileJsonSchema });
}

/** Enforces the collection's `validator` (query operators and `$jsonSchema`). */
export function validateDocument(ctx: CommandContext, ns: Namespace, doc: Document): void {
  const info = ctx.server.storage.getCollection(ns);
  const validator = info?.options.validator as Document | undefined;
  if (
    !validator ||
    info?.options.validationLevel === 'off' ||
    info?.options.validationAction === 'warn'
  )
    return;
  let query = compiled.get(validator);
  if (!query) {
    query = compileValidator(validator);
    compiled.set(validator, query);
  }
  if (!query.test(doc)) {
    throw new MongoCommandError(ErrorCode.DocumentValidationFailure, 'Document failed validation', {
      extra: {
        errInfo: {
          failingDocumentId: doc._id as unknown,
          details: { operatorName: Object.keys(validator)[0] ?? '$and' },
        },
      },
    });
  }
}
