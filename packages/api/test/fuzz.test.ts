import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './harness.js';
import { seedOrg, type SeededOrg } from './support/fixtures.js';
import { withValue } from './support/hostile.js';
import { callPath, codeOf, listProcedures, objectShape } from './support/procedures.js';
import { sampleInput } from './support/samples.js';

/**
 * Property: whatever a client sends, no procedure answers with a 5xx. Two generators per
 * procedure of the router: arbitrary values (JSON and non-JSON), and near-valid inputs — a
 * valid sample with one field replaced, removed or added — which get past the org check and
 * deep into validation and the handlers. Run counts are bounded so the suite stays around
 * half a minute on a shared CI core; fast-check prints the seed of any failure to replay it.
 */
const ARBITRARY_RUNS = 15;
const NEAR_VALID_RUNS = 30;

const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.anything({
    maxDepth: 2,
    withBigInt: true,
    withDate: true,
    withNullPrototype: true,
    withSparseArray: true,
    withBoxedValues: true,
  }),
  fc.constantFrom(
    '',
    '$where',
    '$ne',
    '0123456789abcdef01234567',
    '2026-02-30',
    -1,
    0,
    1.5,
    1e21,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.MAX_SAFE_INTEGER + 2,
    '\u0000',
    '\ud800',
  ),
);

type Mutation =
  | { op: 'set'; key: string; value: unknown }
  | { op: 'delete'; key: string }
  | { op: 'add'; key: string; value: unknown };

describe('input fuzz: never a 5xx', () => {
  let h: Harness;
  let org: SeededOrg;
  beforeAll(async () => {
    h = await createHarness('fuzz');
    org = await seedOrg(h);
  });
  afterAll(() => h.close());

  for (const info of listProcedures()) {
    it(`${info.path}`, { timeout: 120_000 }, async () => {
      const seen = new Set<string>();
      await fc.assert(
        fc.asyncProperty(anyValue, async (input) => {
          const code = codeOf(await callPath(h.caller(org.users.owner), info.path, input));
          seen.add(code);
          return code !== 'INTERNAL_SERVER_ERROR';
        }),
        { numRuns: ARBITRARY_RUNS },
      );
      if (info.input === null) {
        expect(seen.has('INTERNAL_SERVER_ERROR')).toBe(false);
        return;
      }
      const base = (await sampleInput(h, org, info.path)) ?? {};
      const keys = [
        ...new Set([...Object.keys(base), ...Object.keys(objectShape(info.input) ?? {})]),
      ].filter((key) => key !== 'orgId');
      const mutation: fc.Arbitrary<Mutation> =
        keys.length === 0
          ? fc.record({ op: fc.constant('add' as const), key: fc.string(), value: anyValue })
          : fc.oneof(
              fc.record({
                op: fc.constant('set' as const),
                key: fc.constantFrom(...keys),
                value: anyValue,
              }),
              fc.record({ op: fc.constant('delete' as const), key: fc.constantFrom(...keys) }),
              fc.record({ op: fc.constant('add' as const), key: fc.string(), value: anyValue }),
            );
      await fc.assert(
        fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
          let input: unknown = base;
          for (const m of mutations) {
            if (m.op === 'delete') {
              const copy = { ...(input as Record<string, unknown>) };
              delete copy[m.key];
              input = copy;
            } else {
              input = withValue(input, [m.key], m.value);
            }
          }
          const code = codeOf(await callPath(h.caller(org.users.owner), info.path, input));
          seen.add(code);
          return code !== 'INTERNAL_SERVER_ERROR';
        }),
        { numRuns: NEAR_VALID_RUNS },
      );
      expect(seen.has('INTERNAL_SERVER_ERROR')).toBe(false);
    });
  }
});
