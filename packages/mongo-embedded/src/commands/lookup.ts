/**
 * Runs the stages of an aggregate that follow the storage scan, executing top-level `$lookup`
 * stages against the storage (so the planner can use indexes) instead of handing mingo a
 * decoded copy of the whole foreign collection.
 *
 * Handled here, with MongoDB's semantics
 * (https://www.mongodb.com/docs/manual/reference/operator/aggregation/lookup/):
 * - equality match `{ from, localField, foreignField, as }`: each input document queries the
 *   foreign collection with `{ foreignField: { $eq: v } }` (one local value) or `$in` (several;
 *   `$or` of `$eq` when one is a regex), where the local values are every value on the
 *   localField path (arrays expanded) and null when there is none, as MongoDB builds it;
 * - uncorrelated sub-pipeline `{ from, pipeline, as }`: planned like a top-level pipeline
 *   (leading $match/$sort/$limit go to the storage) and evaluated once per command;
 * - the concise form `{ from, localField, foreignField, pipeline, as }`: the equality match
 *   and the sub-pipeline's leading $match form one storage filter, then the rest runs;
 * - with `let`: the variables are evaluated per input document and the sub-pipeline runs per
 *   input document; leading $match stages that use variables stay with mingo, the others (and
 *   the equality match) still go to the storage; nothing is reused across input documents.
 * Collection-less lookups (`$documents`) keep mingo's implementation, as does `$lookup`
 * inside `$facet`. When no index serves the foreign queries, the foreign collection is decoded
 * once per command and joined in memory (a hash join, as MongoDB does without an index).
 */
import type { Document } from 'bson';
import { ErrorCode, MongoCommandError } from '../errors.js';
import { cloneDocument } from '../query/clone.js';
import { isPlainDocument } from '../query/compare.js';
import { filterQuery } from '../query/mingo-options.js';
import { setField } from '../query/own-field.js';
import {
  planPipeline,
  positiveInteger,
  runStages,
  stageName,
  type PlannedPipeline,
} from '../query/pipeline.js';
import type { Namespace, ScanResult } from '../storage/contract.js';
import { keyString, tupleKeyString } from '../storage/key-string.js';
import { isDocument, typeName, validateCollectionName } from './args.js';
import type { CommandContext } from './context.js';
import { scan, storedBytes, type ScanRequest } from './storage-access.js';
import { RawDocument } from '../wire/raw-document.js';

/** Where foreign documents come from: the command's scan (inside its transaction, if any). */
export interface ForeignSource {
  readonly db: string;
  scan(ns: Namespace, request: ScanRequest): ScanResult;
}

/** The command's database and scan (which reads inside the command's transaction, if any). */
export function commandSource(ctx: CommandContext): ForeignSource {
  return { db: ctx.db, scan: (ns, request) => scan(ctx, ns, request) };
}

/** A `$lookup` this module executes. */
interface LookupPlan {
  ns: Namespace;
  as: string[];
  /** Present for the equality forms. */
  join: { local: string[]; foreign: string } | undefined;
  /** Present for the pipeline forms (possibly empty). */
  pipeline: Document[] | undefined;
  /** The `let` variables' expressions, evaluated per input document. */
  let: Document | undefined;
}

const MAX_PATH_DEPTH = 200;

const LOOKUP_FIELDS = new Set(['from', 'as', 'localField', 'foreignField', 'let', 'pipeline']);

/** A foreign query that examined at least this many documents without an index switches to memory. */
const MEMORY_JOIN_THRESHOLD = 32;

function failedToParse(message: string): MongoCommandError {
  return new MongoCommandError(ErrorCode.FailedToParse, message);
}

function own(doc: Document, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(doc, key) ? (doc[key] as unknown) : undefined;
}

/** MongoDB's FieldPath rules for `as`, `localField` and `foreignField`. */
function fieldPath(path: string): string[] {
  if (path.length === 0) {
    throw new MongoCommandError(
      ErrorCode.Location40352,
      'FieldPath cannot be constructed with empty string',
    );
  }
  const parts = path.split('.');
  // MongoDB's limit is the maximum BSON nesting depth (200).
  if (parts.length > MAX_PATH_DEPTH) {
    throw new MongoCommandError(ErrorCode.Overflow, 'FieldPath is too long');
  }
  for (const part of parts) {
    if (part.length === 0) {
      throw new MongoCommandError(
        ErrorCode.Location15998,
        'FieldPath field names may not be empty strings.',
      );
    }
    if (part.startsWith('$')) {
      throw new MongoCommandError(
        ErrorCode.Location16410,
        `FieldPath field names may not start with '$'. Consider using $getField or $setField.`,
      );
    }
  }
  return parts;
}

/** MongoDB's rules for user variable names (`let`): `[a-z][A-Za-z0-9_]*`, non-ASCII allowed. */
function checkVariableName(name: string): void {
  if (name === 'CURRENT') return;
  if (name.length === 0) {
    throw new MongoCommandError(ErrorCode.Location16866, 'empty variable names are not allowed');
  }
  const first = name.charCodeAt(0);
  if (!((first >= 97 && first <= 122) || first > 127)) {
    throw new MongoCommandError(
      ErrorCode.Location16867,
      `'${name}' starts with an invalid character for a user variable name`,
    );
  }
  for (const char of name.slice(1)) {
    if (char.charCodeAt(0) < 128 && !/[A-Za-z0-9_]/.test(char)) {
      throw new MongoCommandError(
        ErrorCode.Location16868,
        `'${name}' contains an invalid character for a variable name: '${char}'`,
      );
    }
  }
}

/** Stages a `$lookup` sub-pipeline may not contain (MongoDB: 51047). */
function checkSubPipeline(pipeline: Document[]): void {
  for (const stage of pipeline) {
    const name = Object.keys(stage)[0];
    if (name === '$out' || name === '$merge') {
      throw new MongoCommandError(
        ErrorCode.Location51047,
        `${name} is not allowed within a $lookup's sub-pipeline`,
      );
    }
  }
}

/**
 * Validates a `$lookup` specification the way MongoDB parses it and returns what this module
 * executes, or undefined for the forms left to mingo.
 */
export function parseLookup(spec: unknown, db: string): LookupPlan | undefined {
  if (!isDocument(spec) || Array.isArray(spec)) {
    throw failedToParse('the $lookup stage specification must be an object');
  }
  let pipeline: Document[] | undefined;
  for (const [name, value] of Object.entries(spec)) {
    const given: unknown = value;
    if (!LOOKUP_FIELDS.has(name)) throw failedToParse(`unknown argument to $lookup: ${name}`);
    if (name === 'pipeline') {
      if (!Array.isArray(given)) {
        throw new MongoCommandError(
          ErrorCode.TypeMismatch,
          "'pipeline' option must be specified as an array",
        );
      }
      if (!given.every((stage) => isDocument(stage) && !Array.isArray(stage))) {
        throw new MongoCommandError(
          ErrorCode.TypeMismatch,
          "Each element of the 'pipeline' array must be an object",
        );
      }
      pipeline = given as Document[];
    } else if (name === 'let') {
      if (!isDocument(given) || Array.isArray(given)) {
        throw failedToParse(`$lookup argument 'let' must be an object, is type ${typeName(given)}`);
      }
      for (const variable of Object.keys(given)) checkVariableName(variable);
    } else if (name === 'from') {
      if (typeof given !== 'string') {
        throw failedToParse(`$lookup 'from' field must be a string, but found ${typeName(given)}`);
      }
    } else if (typeof given !== 'string') {
      throw failedToParse(
        `$lookup argument '${name}' must be a string, found ${name}: ${typeName(given)}`,
      );
    }
  }
  const from = own(spec, 'from') as string | undefined;
  const as = own(spec, 'as') as string | undefined;
  // An empty localField/foreignField counts as absent, as in MongoDB.
  const localField = (own(spec, 'localField') as string | undefined) || undefined;
  const foreignField = (own(spec, 'foreignField') as string | undefined) || undefined;
  if (from === undefined && pipeline === undefined) {
    throw failedToParse("must specify 'pipeline' when 'from' is empty");
  }
  if (as === undefined || as === '') throw failedToParse("must specify 'as' field for a $lookup");
  const asPath = fieldPath(as);
  if ((localField === undefined) !== (foreignField === undefined)) {
    throw failedToParse(
      pipeline
        ? "$lookup requires both or neither of 'localField' and 'foreignField' to be specified"
        : "$lookup requires either 'pipeline' or both 'localField' and 'foreignField' to be specified",
    );
  }
  if (pipeline === undefined && localField === undefined) {
    throw failedToParse(
      "$lookup requires either 'pipeline' or both 'localField' and 'foreignField' to be specified",
    );
  }
  if (pipeline === undefined && own(spec, 'let') !== undefined) {
    throw failedToParse("$lookup with a 'let' argument must also specify 'pipeline'");
  }
  if (pipeline) checkSubPipeline(pipeline);
  const join =
    localField !== undefined && foreignField !== undefined
      ? { local: fieldPath(localField), foreign: fieldPath(foreignField).join('.') }
      : undefined;
  // Collection-less ($documents) lookups stay with mingo.
  if (from === undefined) return undefined;
  if (pipeline?.[0] && '$documents' in pipeline[0]) return undefined;
  validateCollectionName(from);
  const letSpec = own(spec, 'let') as Document | undefined;
  return { ns: { db, coll: from }, as: asPath, join, pipeline, let: letSpec };
}

function arrayIndex(part: string): number | undefined {
  return /^(0|[1-9]\d*)$/.test(part) ? Number(part) : undefined;
}

/**
 * Every value at a dotted path of the input document, as MongoDB's $lookup collects them
 * (document_path_support::visitAllValuesAtPath): arrays met on the way are expanded, a
 * numeric component indexes an array, a terminal array contributes its elements.
 */
export function localValues(doc: Document, path: string[]): unknown[] {
  const out: unknown[] = [];
  const visit = (value: unknown, i: number): void => {
    if (i === path.length) {
      if (Array.isArray(value)) out.push(...(value as unknown[]));
      else if (value !== undefined) out.push(value);
      return;
    }
    const part = path[i]!;
    if (Array.isArray(value)) {
      const index = arrayIndex(part);
      if (index !== undefined) {
        visit(value[index], i + 1);
        return;
      }
      for (const element of value as unknown[]) {
        if (isPlainDocument(element)) visit(own(element, part), i + 1);
      }
      return;
    }
    if (isPlainDocument(value)) visit(own(value, part), i + 1);
  };
  visit(doc, 0);
  return out;
}

function isRegex(value: unknown): boolean {
  return (
    value instanceof RegExp ||
    (typeof value === 'object' &&
      value !== null &&
      (value as { _bsontype?: unknown })._bsontype === 'BSONRegExp')
  );
}

/** The foreign query MongoDB builds for the local values (none: null, which also matches missing). */
export function joinFilter(foreignField: string, values: unknown[]): Document {
  if (values.length === 0) return { [foreignField]: { $eq: null } };
  if (values.length === 1) return { [foreignField]: { $eq: values[0] } };
  if (values.some(isRegex)) {
    return { $or: values.map((value) => ({ [foreignField]: { $eq: value } })) };
  }
  return { [foreignField]: { $in: values } };
}

/** The document with `value` at the dotted path; non-document fields on the way are replaced. */
export function setPath(doc: Document, path: string[], value: unknown): Document {
  const out: Document = { ...doc };
  const [head, ...rest] = path as [string, ...string[]];
  let next: unknown = value;
  if (rest.length > 0) {
    const child = own(doc, head);
    next = setPath(isPlainDocument(child) ? child : {}, rest, value);
  }
  setField(out, head, next);
  return out;
}

/**
 * Every key (keyString) a foreign document could equal an `$eq` value on: a superset of the
 * query's path semantics, re-checked by the matcher afterwards.
 */
function foreignKeys(doc: Document, path: string[]): Set<string> {
  const out = new Set<string>();
  const visit = (value: unknown, i: number): void => {
    if (i === path.length) {
      if (value === undefined) return;
      out.add(keyString(value));
      if (Array.isArray(value))
        for (const element of value as unknown[]) out.add(keyString(element));
      return;
    }
    const part = path[i]!;
    if (Array.isArray(value)) {
      for (const element of value as unknown[]) {
        if (isPlainDocument(element)) visit(own(element, part), i + 1);
      }
      const index = arrayIndex(part);
      if (index !== undefined) visit(value[index], i + 1);
      return;
    }
    if (isPlainDocument(value)) visit(own(value, part), i + 1);
  };
  visit(doc, 0);
  return out;
}

/** A foreign collection decoded once, with a hash of its join-field values. */
class MemoryJoin {
  readonly #byKey = new Map<string, number[]>();

  constructor(
    readonly docs: Document[],
    path: string[],
  ) {
    docs.forEach((doc, position) => {
      for (const key of foreignKeys(doc, path)) {
        const list = this.#byKey.get(key);
        if (list) list.push(position);
        else this.#byKey.set(key, [position]);
      }
    });
  }

  /** Documents matching the join filter, in natural order. */
  match(values: unknown[], filter: Document): Document[] {
    const query = filterQuery(filter);
    // null (also matches missing) and regexes are not hash keys: test every document.
    if (values.length === 0 || values.some((v) => v === null || v === undefined || isRegex(v))) {
      return this.docs.filter((doc) => query.test(doc));
    }
    const positions = new Set<number>();
    for (const value of values)
      for (const p of this.#byKey.get(keyString(value)) ?? []) positions.add(p);
    return [...positions]
      .sort((a, b) => a - b)
      .map((p) => this.docs[p]!)
      .filter((doc) => query.test(doc));
  }
}

/** True when an expression or filter mentions a `$$` variable (system ones too: conservative). */
function mentionsVariable(value: unknown): boolean {
  if (typeof value === 'string') return value.startsWith('$$');
  if (Array.isArray(value)) return value.some(mentionsVariable);
  return isPlainDocument(value) && Object.values(value).some(mentionsVariable);
}

/**
 * planPipeline for a foreign pipeline. The storage evaluates filters without the command's
 * `let` variables, so leading $match stages that mention variables stay with mingo (and then
 * nothing after them can be pushed down).
 */
export function planStorage(pipeline: Document[], hasVariables: boolean): PlannedPipeline {
  const planned = planPipeline(pipeline);
  if (!hasVariables || !mentionsVariable(planned.filter)) return planned;
  const pushed: Document[] = [];
  const kept: Document[] = [];
  let index = 0;
  for (; index < pipeline.length && stageName(pipeline[index]!) === '$match'; index++) {
    const stage = pipeline[index]!;
    (mentionsVariable(stage.$match) ? kept : pushed).push(stage);
  }
  return {
    ...planPipeline(pushed),
    stages: [...kept, ...pipeline.slice(index)],
  };
}

/** True when one path is a prefix of the other (or they are equal). */
function overlaps(a: string[], b: string[]): boolean {
  const shorter = Math.min(a.length, b.length);
  for (let i = 0; i < shorter; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * True when none of `later` (the stages after a `$lookup` into `as`) can read or change `as`:
 * each is a `$lookup` this module executes, without `let`, whose `localField` and `as` are
 * outside `as`. Any other stage might read it, so it is answered false.
 */
function nothingReads(as: string[], later: (LookupPlan | undefined)[]): boolean {
  return later.every(
    (plan) =>
      plan !== undefined &&
      plan.let === undefined &&
      !overlaps(plan.as, as) &&
      (plan.join === undefined || !overlaps(plan.join.local, as)),
  );
}

/** The `$limit` of stages that are only that (Infinity for none), else undefined. */
function limitOnly(stages: Document[]): number | undefined {
  if (stages.length === 0) return Number.POSITIVE_INFINITY;
  const [only] = stages;
  if (stages.length !== 1 || stageName(only!) !== '$limit') return undefined;
  return positiveInteger(only!.$limit);
}

/** Per-command state of one executed `$lookup` stage. */
interface LookupState {
  /** Foreign results by the key of the local values (uncorrelated: a single entry). */
  results: Map<string, Document[]>;
  /** A foreign query of this stage examined many documents without an index. */
  unindexed: boolean;
  memory: MemoryJoin | undefined;
}

/**
 * The values of a `$lookup`'s `let` for one input document (evaluated by mingo, with the
 * command's variables in scope). A variable whose expression is missing stays undefined.
 */
function evaluateLet(doc: Document, spec: Document, variables: Document | undefined): Document {
  const [out] = runStages([doc], [{ $replaceWith: { v: spec } }], () => [], variables);
  const values = isPlainDocument(out?.v) ? out.v : {};
  const vars: Document = { ...variables };
  for (const name of Object.keys(spec)) vars[name] = own(values, name);
  return vars;
}

/** Runs pipeline stages for one command; `$lookup` stages at the top level query the storage. */
export class PipelineExecutor {
  readonly #source: ForeignSource;
  readonly #variables: Document | undefined;
  readonly #collections = new Map<string, Document[]>();
  readonly #states = new Map<Document, LookupState>();
  #joinedRaw = false;

  constructor(source: ForeignSource, variables: Document | undefined) {
    this.#source = source;
    this.#variables = variables;
  }

  /** mingo's resolver (for `$unionWith`, `$graphLookup`, `$lookup` inside `$facet`...). */
  readonly resolve = (name: string): Document[] => {
    let docs = this.#collections.get(name);
    if (!docs) {
      docs = this.#source.scan({ db: this.#source.db, coll: name }, { filter: {} }).docs;
      this.#collections.set(name, docs);
    }
    return docs;
  };

  /** True once a `$lookup` joined RawDocuments into the results (see `run`'s `sendsResults`). */
  get joinedRaw(): boolean {
    return this.#joinedRaw;
  }

  /**
   * `variables`: the command's, plus those of enclosing `$lookup`s' `let` in a sub-pipeline.
   * `sendsResults`: the caller sends the results to the client without reading them (the top
   * level of an aggregate without `$out`/`$merge`). Then a `$lookup` that only `$lookup`s
   * follow, none reading its `as` field, joins stored documents as RawDocuments (see
   * `#runForeign` for which sub-pipelines qualify).
   */
  run(
    docs: Document[],
    stages: Document[],
    variables = this.#variables,
    sendsResults = false,
  ): Document[] {
    const plans = stages.map((stage) =>
      stageName(stage) === '$lookup' ? parseLookup(stage.$lookup, this.#source.db) : undefined,
    );
    let current = docs;
    let pending: Document[] = [];
    stages.forEach((stage, index) => {
      const plan = plans[index];
      if (!plan) {
        pending.push(stage);
        return;
      }
      current = this.#runMingo(current, pending, variables);
      pending = [];
      const raw = sendsResults && nothingReads(plan.as, plans.slice(index + 1));
      current = this.#lookup(current, stage, plan, variables, raw);
    });
    return this.#runMingo(current, pending, variables);
  }

  /** Stages for mingo; a leading `$limit` (as after a pushed-down scan) is just a slice. */
  #runMingo(docs: Document[], stages: Document[], variables: Document | undefined): Document[] {
    let current = docs;
    let index = 0;
    for (; index < stages.length; index++) {
      if (Object.keys(stages[index]!).length !== 1) break;
      const limit = positiveInteger(stages[index]!.$limit);
      if (limit === undefined) break;
      if (current.length > limit) current = current.slice(0, limit);
    }
    return runStages(current, index === 0 ? stages : stages.slice(index), this.resolve, variables);
  }

  #lookup(
    docs: Document[],
    stage: Document,
    plan: LookupPlan,
    variables: Document | undefined,
    raw: boolean,
  ): Document[] {
    let state = this.#states.get(stage);
    if (!state) {
      state = { results: new Map(), unindexed: false, memory: undefined };
      this.#states.set(stage, state);
    }
    // Answers depend only on the local values unless variables vary per input document
    // (this stage's `let`, or an enclosing one's).
    const reusable = plan.let === undefined && variables === this.#variables;
    const out: Document[] = [];
    for (const doc of docs) {
      const values = plan.join ? localValues(doc, plan.join.local) : [];
      const key = plan.join ? tupleKeyString(values.length === 0 ? [null] : values) : '';
      let joined = reusable ? state.results.get(key) : undefined;
      if (joined) {
        joined = joined.map((d) => cloneDocument(d));
      } else {
        const vars = plan.let ? evaluateLet(doc, plan.let, variables) : variables;
        joined = this.#foreign(plan, state, values, vars, !reusable, raw);
        if (reusable) state.results.set(key, joined);
      }
      out.push(setPath(doc, plan.as, joined));
    }
    return out;
  }

  /** The foreign documents one input document joins. */
  #foreign(
    plan: LookupPlan,
    state: LookupState,
    values: unknown[],
    variables: Document | undefined,
    perDocument: boolean,
    raw: boolean,
  ): Document[] {
    const pipeline = plan.pipeline ?? [];
    if (!plan.join) return this.#runForeign(plan.ns, pipeline, state, variables, perDocument, raw);
    const filter = joinFilter(plan.join.foreign, values);
    if (state.unindexed && !state.memory) {
      // A second query that no index serves: decode the collection once, join the rest in memory.
      const all = this.#source.scan(plan.ns, { filter: {} }).docs;
      state.memory = new MemoryJoin(all, plan.join.foreign.split('.'));
    }
    if (state.memory) {
      const matched = state.memory.match(values, filter).map((d) => cloneDocument(d));
      return this.run(matched, pipeline, variables);
    }
    const stages = [{ $match: filter }, ...pipeline];
    return this.#runForeign(plan.ns, stages, state, variables, false, raw);
  }

  /**
   * A pipeline over a foreign collection: leading $match/$sort/$limit through the storage.
   * `raw`: the results may be RawDocuments; they are when the storage does all the pipeline
   * asks (filters; no sort; at most a `$limit` after it), decoding only what the filter reads.
   */
  #runForeign(
    ns: Namespace,
    pipeline: Document[],
    state: LookupState,
    variables: Document | undefined,
    perDocument: boolean,
    raw: boolean,
  ): Document[] {
    const planned = planStorage(pipeline, variables !== undefined);
    const unfiltered = Object.keys(planned.filter).length === 0 && planned.sort === undefined;
    if (perDocument && (state.unindexed || unfiltered)) {
      // Evaluated per input document with nothing an index serves: mingo over the collection
      // decoded once for the command (as the general $lookup does), on copies.
      return this.run(this.resolve(ns.coll), pipeline, variables).map((d) => cloneDocument(d));
    }
    const rawLimit = raw && planned.sort === undefined ? limitOnly(planned.stages) : undefined;
    const scanned = this.#source.scan(ns, {
      filter: planned.filter,
      ...(planned.sort ? { sort: planned.sort } : {}),
      ...(planned.limit !== undefined ? { limit: planned.limit } : {}),
      ...(rawLimit !== undefined ? { withBytes: true, fields: [] } : {}),
    });
    if (scanned.plan.stage === 'COLLSCAN' && scanned.plan.docsExamined >= MEMORY_JOIN_THRESHOLD) {
      state.unindexed = true;
    }
    if (rawLimit !== undefined) {
      this.#joinedRaw = true;
      return storedBytes(scanned)
        .slice(0, rawLimit)
        .map((bytes) => new RawDocument(bytes));
    }
    let stages = planned.stages;
    if (planned.sort && scanned.plan.sortCovered) stages = stages.slice(1);
    return this.run(scanned.docs, stages, variables);
  }
}
