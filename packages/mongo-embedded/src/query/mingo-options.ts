import type { Document } from 'bson';
import type { Options } from 'mingo/types';
import { MONGO_CONTEXT } from './query-operators.js';

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
