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
 * Operator-shaped strings (`$where`, `$field`) are refused in every string field, free text
 * included; money-like text such as "$5 widgets" stays valid (see validators/src/text.ts).
 */
/** User-defined key/value records (invoice metadata): their keys are data, not fields. */
const FREE_FORM_RECORDS = new Set(['metadata']);

function isFreeFormRecord(path: Path): boolean {
  const last = path[path.length - 1];
  return typeof last === 'string' && FREE_FORM_RECORDS.has(last);
}

interface Variant {
  label: string;
  input: unknown;
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
      variants.push({ label: `${at} = "${text}"`, input: withValue(base, path, text) });
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
      const before = await snapshotAll(h);
      const wrong: string[] = [];
      for (const variant of variants) {
        const code = codeOf(await callPath(h.caller(org.users.owner), info.path, variant.input));
        if (code !== 'BAD_REQUEST') wrong.push(`${variant.label} → ${code}`);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }
      expect(wrong).toEqual([]);
      expect(await snapshotAll(h)).toEqual(before);

      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  }

  it('leaves Object.prototype clean after every payload', () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.prototype).not.toHaveProperty('prototype');
  });
});
