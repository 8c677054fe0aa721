import type { Document } from 'bson';
import { Query } from 'mingo/query';
import type { Options } from 'mingo/types';
import { MONGO_CONTEXT, MONGO_QUERY_CONTEXT } from './query-operators.js';

type MutableOptions = { -readonly [K in keyof Options]?: Options[K] };

/**
 * Options for every mingo call: strict MongoDB mode, BSON comparison semantics for the
 * comparison and $type query operators, and no client JavaScript ($where, $function,
 * $accumulator) inside the server.
 */
export function mingoOptions(
  extra: { collectionResolver?: (name: string) => Document[]; variables?: Document } = {},
): Partial<Options> {
  const options: MutableOptions = {
    useStrictMode: true,
    scriptEnabled: false,
    context: MONGO_CONTEXT,
  };
  if (extra.collectionResolver) options.collectionResolver = extra.collectionResolver;
  if (extra.variables) options.variables = extra.variables;
  return options;
}

/** Query operators that evaluate aggregation expressions or scripts: they need every operator. */
const EXPRESSION_QUERY_OPERATORS = new Set(['$expr', '$where', '$jsonSchema', '$function']);

function usesExpressions(value: unknown, depth = 0): boolean {
  // Deeper than any filter MongoDB accepts: take the full context rather than walk on.
  if (depth > 200) return true;
  if (Array.isArray(value)) return value.some((item) => usesExpressions(item, depth + 1));
  // Not fast-project's isPlain: a filter may have a field named `_bsontype`, and what is
  // beside it must still be walked.
  if (
    value === null ||
    typeof value !== 'object' ||
    Object.getPrototypeOf(value) !== Object.prototype
  ) {
    return false;
  }
  for (const [key, inner] of Object.entries(value)) {
    if (EXPRESSION_QUERY_OPERATORS.has(key) || usesExpressions(inner, depth + 1)) return true;
  }
  return false;
}

/** `mingoOptions()` with the query operators' context alone (mingo does not mutate options). */
const QUERY_ONLY_OPTIONS: Partial<Options> = { ...mingoOptions(), context: MONGO_QUERY_CONTEXT };

/**
 * Options for a mingo call that evaluates only the query operators of `values` (filters,
 * array filters, `$pull` conditions): the query operators' context alone unless one of them
 * uses `$expr`, `$where`, `$jsonSchema` or `$function`.
 */
export function queryOnlyOptions(...values: unknown[]): Partial<Options> {
  return values.some((value) => usesExpressions(value)) ? mingoOptions() : QUERY_ONLY_OPTIONS;
}

/**
 * A mingo Query that only tests documents against `filter`. mingo copies every operator table
 * of its context for each Query it builds (about 10 µs with all of them, most of the cost of a
 * small query); a filter without `$expr`, `$where`, `$jsonSchema` or `$function` only ever looks
 * up query operators, so it gets the context of those alone.
 */
export function filterQuery(filter: Document): Query {
  return new Query(filter, queryOnlyOptions(filter));
}
