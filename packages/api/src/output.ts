import { isDeepStrictEqual } from 'node:util';
import type { z } from 'zod';

let checking = true;

/**
 * Whether procedure outputs are checked against their schemas when they are returned.
 *
 * On (the default, and in every test): each output is parsed by its schema, and the parse must
 * give back what the procedure returned. A presenter that returns a field the contract does not
 * have, a wrong type, or anything the schema would change (a default filled in, a key stripped)
 * fails with tRPC's "Output validation failed" (500). Because outputs must be fixed points of
 * their schemas, turning the check off cannot change what a client receives.
 *
 * Either way the procedure's own value is what is sent. Off (production's default,
 * `VALIDATE_OUTPUT` in apps/server, applied by its main.ts): outputs go out unchecked. The check
 * costs about 25 µs of a 530 µs `invoice.byId` request and more for a page of `invoice.list`
 * (measured, bench/README.md); the contract is enforced by the test suites, which run with it on.
 *
 * Process-wide: tRPC hands an output parser the value alone, not the call's context.
 */
export function setOutputChecks(enabled: boolean): void {
  checking = enabled;
}

/**
 * A procedure's output schema as `.output()` takes it, checked while `setOutputChecks` is on.
 * The procedure's output type is the schema's.
 */
export function checkedOutput<T extends z.ZodType>(schema: T): (value: unknown) => z.output<T> {
  return (value) => {
    if (!checking) return value as z.output<T>;
    const parsed: unknown = schema.parse(value);
    if (!isDeepStrictEqual(parsed, value)) {
      throw new TypeError(
        'The output schema changed the value: with output checks off, clients would receive something else',
      );
    }
    // The value itself, not zod's copy of it: objects it shares (superjson keeps them shared)
    // and its key order stay as they are, on or off.
    return value as z.output<T>;
  };
}
