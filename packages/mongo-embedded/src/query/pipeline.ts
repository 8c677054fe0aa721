import type { Document } from 'bson';
import { Aggregator } from 'mingo/aggregator';
import { compileFastGroup } from './fast-group.js';
import { compileFastProject } from './fast-project.js';
import { mingoOptions } from './mingo-options.js';

/** A pipeline split into what the storage can do (leading $match and $sort) and the rest. */
export interface PlannedPipeline {
  filter: Document;
  sort: Document | undefined;
  /** Stages mingo runs after the scan. */
  stages: Document[];
  /** At most this many scanned documents can matter ($limit, after an optional $sort/$skip). */
  limit: number | undefined;
  /** The final $out/$merge stage, executed by the command layer against storage. */
  output: { kind: '$out' | '$merge'; spec: unknown } | undefined;
}

export function stageName(stage: Document): string {
  const keys = Object.keys(stage);
  if (keys.length !== 1) {
    throw new Error(`A pipeline stage specification object must contain exactly one field.`);
  }
  return keys[0]!;
}

/** A `$limit`/`$skip` value this module acts on: a positive integer (else undefined). */
export function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

/** `[$sort]? [$skip]? $limit` right after the scan bounds how many documents it must yield. */
function leadingLimit(stages: Document[], sorted: boolean): number | undefined {
  let i = sorted ? 1 : 0;
  let skip = 0;
  const skipStage = stages[i];
  if (skipStage && stageName(skipStage) === '$skip') {
    const n = positiveInteger(skipStage.$skip);
    if (n === undefined) return undefined;
    skip = n;
    i++;
  }
  const limitStage = stages[i];
  if (!limitStage || stageName(limitStage) !== '$limit') return undefined;
  const n = positiveInteger(limitStage.$limit);
  return n === undefined ? undefined : skip + n;
}

export function planPipeline(pipeline: Document[]): PlannedPipeline {
  let index = 0;
  const matches: Document[] = [];
  while (index < pipeline.length && stageName(pipeline[index]!) === '$match') {
    matches.push(pipeline[index]!.$match as Document);
    index++;
  }
  let sort: Document | undefined;
  if (index < pipeline.length && stageName(pipeline[index]!) === '$sort') {
    sort = pipeline[index]!.$sort as Document;
  }
  let stages = pipeline.slice(index);
  let output: PlannedPipeline['output'];
  const last = stages[stages.length - 1];
  if (last) {
    const name = stageName(last);
    if (name === '$out' || name === '$merge') {
      output = { kind: name, spec: last[name] };
      stages = stages.slice(0, -1);
    }
  }
  for (const stage of stages) {
    const name = stageName(stage);
    if (name === '$out' || name === '$merge') {
      throw new Error(`${name} can only be the final stage in the pipeline`);
    }
  }
  const filter = matches.length === 0 ? {} : matches.length === 1 ? matches[0]! : { $and: matches };
  return { filter, sort, stages, output, limit: leadingLimit(stages, sort !== undefined) };
}

/**
 * Rewrites stages whose mingo behaviour differs from MongoDB's: `$count` over no input
 * yields no document in MongoDB (it is `$group` + `$project`), mingo yields `{ n: 0 }`.
 */
export function adaptStages(stages: Document[]): Document[] {
  const out: Document[] = [];
  for (const stage of stages) {
    const name = stageName(stage);
    if (name === '$count' && typeof stage.$count === 'string') {
      out.push({ $group: { _id: null, [stage.$count]: { $sum: 1 } } }, { $project: { _id: 0 } });
    } else if (name === '$facet' && stage.$facet !== null && typeof stage.$facet === 'object') {
      const facets: Document = {};
      for (const [key, sub] of Object.entries(stage.$facet as Document)) {
        facets[key] = Array.isArray(sub) ? adaptStages(sub as Document[]) : (sub as unknown);
      }
      out.push({ $facet: facets });
    } else {
      out.push(stage);
    }
  }
  return out;
}

/** True when `value` mentions `$$NOW` anywhere (the pipeline must then run as one mingo run). */
function mentionsNow(value: unknown): boolean {
  if (typeof value === 'string') return value.startsWith('$$NOW');
  if (Array.isArray(value)) return value.some(mentionsNow);
  if (value === null || typeof value !== 'object') return false;
  return Object.values(value as Document).some(mentionsNow);
}

export interface RunOptions {
  /** Run simple `$group` and `$project` stages natively (fast-group.ts, fast-project.ts); default true. */
  fastStages?: boolean;
}

/** The native version of a stage, when fast-group.ts or fast-project.ts compiles it. */
function compileFast(stage: Document): ((docs: Document[]) => Document[] | undefined) | undefined {
  const keys = Object.keys(stage);
  if (keys.length !== 1) return undefined;
  try {
    if (keys[0] === '$group') return compileFastGroup(stage.$group);
    if (keys[0] === '$project') return compileFastProject(stage.$project);
  } catch (err) {
    // Too deep to compile (a hostile pipeline): mingo runs the stage, as before.
    if (err instanceof RangeError) return undefined;
    throw err;
  }
  return undefined;
}

/** mentionsNow, answering true for values too deep to walk. */
function mayMentionNow(value: unknown): boolean {
  try {
    return mentionsNow(value);
  } catch (err) {
    if (err instanceof RangeError) return true;
    throw err;
  }
}

/**
 * Runs `stages` over `docs` with mingo, except the `$group` and `$project` stages the fast
 * modules compile: the pipeline is cut around them and they run natively (same answers, key
 * order included; mingo still runs one when a value falls outside its fast path).
 */
export function runStages(
  docs: Document[],
  stages: Document[],
  resolve: (name: string) => Document[],
  variables: Document | undefined,
  options: RunOptions = {},
): Document[] {
  if (stages.length === 0) return docs;
  const adapted = adaptStages(stages);
  if (options.fastStages === false || mayMentionNow(adapted)) {
    return runMingo(docs, adapted, resolve, variables);
  }
  let current = docs;
  let pending: Document[] = [];
  for (const stage of adapted) {
    const fast = compileFast(stage);
    if (fast === undefined) {
      pending.push(stage);
      continue;
    }
    const input = runMingo(current, pending, resolve, variables);
    const output = fast(input);
    current = output ?? input;
    pending = output === undefined ? [stage] : [];
  }
  if (pending.length > 0) return runMingo(current, pending, resolve, variables);
  // The last stage ran natively: give its output mingo's final touch too.
  for (let i = 0; i < current.length; i++) current[i] = idFirst(current[i]!);
  return current;
}

function runMingo(
  docs: Document[],
  stages: Document[],
  resolve: (name: string) => Document[],
  variables: Document | undefined,
): Document[] {
  if (stages.length === 0) return docs;
  const options = mingoOptions({
    collectionResolver: resolve,
    ...(variables ? { variables } : {}),
  });
  const results = new Aggregator(stages, options).run<Document>(docs);
  for (let i = 0; i < results.length; i++) results[i] = idFirst(results[i]!);
  return results;
}

/** mingo's $project/$group emit `_id` last; MongoDB emits it first. */
function idFirst(doc: Document): Document {
  if (!('_id' in doc)) return doc;
  for (const key in doc) {
    if (key === '_id') return doc;
    break;
  }
  const out: Document = { _id: doc._id as unknown };
  for (const key of Object.keys(doc)) if (key !== '_id') out[key] = doc[key] as unknown;
  return out;
}
