import type { Document } from 'bson';
import type { Options } from 'mingo/types';

type MutableOptions = { -readonly [K in keyof Options]?: Options[K] };

/**
 * Options for every mingo call: strict MongoDB mode, and no client JavaScript
 * ($where, $function, $accumulator) inside the server.
 */
export function mingoOptions(
  extra: { collectionResolver?: (name: string) => Document[]; variables?: Document } = {},
): Partial<Options> {
  const options: MutableOptions = { useStrictMode: true, scriptEnabled: false };
  if (extra.collectionResolver) options.collectionResolver = extra.collectionResolver;
  if (extra.variables) options.variables = extra.variables;
  return options;
}
