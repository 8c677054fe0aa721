import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './harness.js';
import { seedOrg, type SeededOrg } from './support/fixtures.js';
import {
  DOLLAR_STRINGS,
  OPERATOR_VALUES,
  OVERSIZED_ARRAY_LENGTH,
  OVERSIZED_STRING,
  SERVER_OWNED_KEYS,
  label,
  objectPaths,
  pathsOf,
  withValue,
  type Path,
} from './support/hostile.js';
import { callPath, codeOf, listProcedures, objectShape } from './support/procedures.js';
import { sampleInput } from './support/samples.js';

/**
 * Hostile input against every procedure of the router: operator objects, `$`-strings,
 * oversized strings and arrays, unknown and server-owned keys (also nested, e.g. an `orgId`
 * inside a line), `__proto__`/`constructor` payloads. Each must be BAD_REQUEST, never a 5xx,
 * with the database unchanged and Object.prototype clean.
 *
 * Free-text fields (names, descriptions, notes…) keep a leading `$` on purpose — "$5 Store"
 * is a real customer name and values are never interpreted as operators — so `$`-strings
 * there may be accepted; they are checked to be stored as plain text.
 */
const FREE_TEXT = new Set([
  'name',
  'description',
  'notes',
  'reason',
  'line1',
  'line2',
  'city',
  'region',
  'postalCode',
  'reference',
  'idempotencyKey',
]);

/** User-defined key/value records (invoice metadata): their keys are data, not fields. */
const FREE_FORM_RECORDS = new Set(['metadata']);

function isFreeFormRecord(path: Path): boolean {
  const last = path[path.length - 1];
  return typeof last === 'string' && FREE_FORM_RECORDS.has(last);
}

interface Variant {
  label: string;
  input: unknown;
  /** Set for a `$`-string at a free-text leaf: accepted as text, or refused. */
  freeText?: { field: string; path: Path; value: string };
}

function variantsOf(base: Record<string, unknown>, shapeKeys: string[]): Variant[] {
  const variants: Variant[] = [];
  const leafPaths: Path[] = pathsOf(base);
  for (const key of shapeKeys) if (!(key in base)) leafPaths.push([key]);
  for (const path of leafPaths) {
    const at = label(path);
    for (const op of OPERATOR_VALUES) {
      variants.push({ label: `${at} = ${JSON.stringify(op)}`, input: withValue(base, path, op) });
    }
    const last = path[path.length - 1];
    for (const text of DOLLAR_STRINGS) {
      variants.push({
        label: `${at} = "${text}"`,
        input: withValue(base, path, text),
        ...((typeof last === 'string' && FREE_TEXT.has(last)) || isFreeFormRecord(path.slice(0, -1))
          ? { freeText: { field: String(last), path, value: text } }
          : {}),
      });
    }
    variants.push({ label: `${at} = 100k chars`, input: withValue(base, path, OVERSIZED_STRING) });
    for (const odd of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      variants.push({ label: `${at} = ${odd}`, input: withValue(base, path, odd) });
    }
    if (last === 'limit') {
      variants.push({ label: `${at} = 1e6`, input: withValue(base, path, 1e6) });
    }
    variants.push({
      label: `${at} = array of ${OVERSIZED_ARRAY_LENGTH}`,
      input: withValue(
        base,
        path,
        Array.from({ length: OVERSIZED_ARRAY_LENGTH }, () => 'x'),
      ),
    });
  }
  for (const objectPath of objectPaths(base)) {
    const at = label(objectPath);
    const extras: Record<string, unknown> = {
      ...SERVER_OWNED_KEYS,
      orgId: '0123456789abcdef01234567',
      __proto__: { polluted: 'yes' },
      constructor: { prototype: { polluted: 'yes' } },
      prototype: { polluted: 'yes' },
    };
    for (const [key, value] of Object.entries(extras)) {
      if (objectPath.length === 0 && shapeKeys.includes(key)) continue;
      // Any plain key is a legitimate entry of a free-form record; only reserved ones are not.
      if (isFreeFormRecord(objectPath) && /^[A-Za-z]/.test(key) && key !== 'constructor') continue;
      variants.push({
        label: `${at}.${key} (unknown key)`,
        input: withValue(base, [...objectPath, key], value),
      });
    }
  }
  // The JSON.parse way: an own "__proto__" key, as a body parser would produce it.
  variants.push({
    label: 'JSON "__proto__" at the root',
    input: JSON.parse(JSON.stringify(base).replace(/^\{/, '{"__proto__":{"polluted":"yes"},')),
  });
  for (const odd of ['$where', null, 42, [], [base], true]) {
    variants.push({ label: `input = ${JSON.stringify(odd)}`, input: odd });
  }
  return variants;
}

async function snapshotAll(h: Harness): Promise<Record<string, unknown[]>> {
  const result: Record<string, unknown[]> = {};
  const collections = await h.db.db.listCollections({}, { nameOnly: true }).toArray();
  for (const { name } of collections.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    // Expired keys are removed by the TTL monitor on the server's clock, not the test's.
    if (name === 'idempotency_keys') continue;
    result[name] = await h.db.db.collection(name).find({}).sort({ _id: 1 }).toArray();
  }
  return result;
}

describe('hostile input', () => {
  let h: Harness;
  let org: SeededOrg;
  beforeAll(async () => {
    h = await createHarness('hostile-input');
    org = await seedOrg(h);
  });
  afterAll(() => h.close());

  for (const info of listProcedures().filter((p) => p.input !== null)) {
    it(`${info.path}: refused with BAD_REQUEST, nothing written`, async () => {
      const base = await sampleInput(h, org, info.path);
      if (base === undefined) throw new Error(`${info.path} has an input schema but no sample`);
      const shapeKeys = Object.keys((info.input && objectShape(info.input)) ?? {});
      const variants = variantsOf(base, shapeKeys);
      const strict = variants.filter((v) => v.freeText === undefined);
      const before = await snapshotAll(h);
      const wrong: string[] = [];
      for (const variant of strict) {
        const code = codeOf(await callPath(h.caller(org.users.owner), info.path, variant.input));
        if (code !== 'BAD_REQUEST') wrong.push(`${variant.label} → ${code}`);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }
      expect(wrong).toEqual([]);
      expect(await snapshotAll(h)).toEqual(before);

      for (const variant of variants) {
        if (variant.freeText === undefined) continue;
        // Each on fresh documents: an accepted call may consume its draft, invite or payment.
        const fresh = await sampleInput(h, org, info.path);
        const input = withValue(fresh, variant.freeText.path, variant.freeText.value);
        const outcome = await callPath(h.caller(org.users.owner), info.path, input);
        const code = codeOf(outcome);
        expect(['OK', 'BAD_REQUEST'], `${variant.label} → ${code}`).toContain(code);
        if (outcome.ok) {
          // Echoed back (when the output carries the field) exactly as sent: text, not an operator.
          const { field, path, value } = variant.freeText;
          const echoed = outcome.value as Record<string, unknown>;
          if (path.length === 1 && typeof echoed === 'object' && field in echoed) {
            expect(echoed[field]).toBe(value);
          }
        }
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  }

  it('leaves Object.prototype clean after every payload', () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.prototype).not.toHaveProperty('prototype');
  });
});
