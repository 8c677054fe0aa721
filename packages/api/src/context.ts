export interface Clock {
  now(): Date;
}

export interface Context {
  clock: Clock;
}

export interface ContextInnerOptions {
  clock?: Clock;
}

/** Adapter-agnostic context used by HTTP, the CLI and tests. */
export function createContextInner(options: ContextInnerOptions = {}): Context {
  return { clock: options.clock ?? { now: () => new Date() } };
}
