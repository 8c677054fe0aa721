import { z } from 'zod';

export interface ShapeLimits {
  /** Nesting depth of objects and arrays (the input itself is depth 0). */
  maxDepth: number;
  /** Own keys of any one object. */
  maxKeys: number;
  /** Objects, arrays and scalars in total. */
  maxNodes: number;
}

/**
 * Wider than any valid input (the largest object is an invoice update or 20 metadata entries;
 * the largest input is 200 lines of a few fields each), far below what costs real CPU.
 */
export const INPUT_SHAPE_LIMITS: ShapeLimits = { maxDepth: 8, maxKeys: 40, maxNodes: 10_000 };

/**
 * First reason the raw value is too big or too deep to be worth validating, or null. Iterative
 * with a node budget, so cycles (possible from in-process callers) and hostile bodies stop early.
 */
export function findShapeViolation(
  value: unknown,
  limits: ShapeLimits = INPUT_SHAPE_LIMITS,
): string | null {
  const stack: [unknown, number][] = [[value, 0]];
  let nodes = 0;
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    nodes += 1;
    if (nodes > limits.maxNodes) return `Input is too large (more than ${limits.maxNodes} values)`;
    if (typeof current !== 'object' || current === null || current instanceof Date) continue;
    if (depth >= limits.maxDepth)
      return `Input is nested too deeply (more than ${limits.maxDepth} levels)`;
    if (Array.isArray(current)) {
      for (const item of current) stack.push([item, depth + 1]);
      continue;
    }
    const keys = Object.keys(current);
    if (keys.length > limits.maxKeys) {
      return `An object in the input has ${keys.length} keys; at most ${limits.maxKeys} are allowed`;
    }
    for (const key of keys) stack.push([(current as Record<string, unknown>)[key], depth + 1]);
  }
  return null;
}

/**
 * Wraps a schema so that oversized or deeply nested bodies are refused with one short issue
 * before zod walks them (50 000 unknown keys otherwise cost ~0.5 s and a 0.5 MB message).
 * Input and output types are those of the wrapped schema. The exported procedure inputs are not
 * wrapped (tests introspect their object shape); the router applies `findShapeViolation` to the
 * raw input once for every procedure, or wraps inputs with this where it defines them.
 */
export function guardInput<T extends z.ZodType>(schema: T) {
  return z.preprocess<unknown, T, z.input<T>>((raw, ctx) => {
    const violation = findShapeViolation(raw);
    if (violation !== null) ctx.addIssue({ code: 'custom', message: violation, input: raw });
    return raw;
  }, schema);
}
