import { existsSync, readFileSync } from 'node:fs';
import { ROLES, type Role } from '@invoice/validators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACCESS_CONTROL,
  isAllowed,
  renderAccessControlMarkdown,
  type ProcedureAccess,
} from '../src/access-control.js';
import { createHarness, makeUser, type Harness } from './harness.js';
import { seedOrg, type SeededOrg } from './support/fixtures.js';
import { callPath, codeOf, listProcedures, type Outcome } from './support/procedures.js';
import { SAMPLES, sampleInput } from './support/samples.js';

/**
 * Role × procedure: every procedure of the router, called as every role (and as a signed-in
 * non-member, and signed out) with a valid input built on fresh documents, must be allowed or
 * refused exactly as src/access-control.ts (rendered into docs/operations/access_control.md)
 * says. Allowed calls with a curated input must succeed outright.
 */
type Caller = Role | 'signedIn' | 'anonymous';
const CALLERS: readonly Caller[] = ['anonymous', 'signedIn', ...ROLES];

function refusalFor(caller: Caller, entry: ProcedureAccess): string {
  if (caller === 'anonymous') return 'UNAUTHORIZED';
  // A signed-in user who is not a member cannot even learn that the org exists.
  if (caller === 'signedIn') return 'NOT_FOUND';
  return entry.access === 'signedIn' || entry.access === 'public' ? 'OK' : 'FORBIDDEN';
}

describe('role matrix', () => {
  let h: Harness;
  let org: SeededOrg;
  const outsider = makeUser('outsider');
  beforeAll(async () => {
    h = await createHarness('role-matrix');
    org = await seedOrg(h);
  });
  afterAll(() => h.close());

  it('has an access entry for every procedure of the router and no stale entry', () => {
    const routed = listProcedures().map((p) => p.path);
    const declared: string[] = ACCESS_CONTROL.map((e) => e.procedure);
    expect(routed.filter((p) => !declared.includes(p))).toEqual([]);
    expect(declared.filter((p) => !routed.includes(p))).toEqual([]);
  });

  it('renders one documentation row per procedure', () => {
    const markdown = renderAccessControlMarkdown();
    expect(markdown.split('\n').filter((l) => l.startsWith('| `'))).toHaveLength(
      ACCESS_CONTROL.length,
    );
    expect(markdown).toContain(
      '| `customer.create` | mutation | no | no | no | yes | yes | yes | Customers |',
    );
  });

  it('matches docs/operations/access_control.md once it is rendered there', () => {
    const doc = new URL('../../../docs/operations/access_control.md', import.meta.url);
    const rendered = renderAccessControlMarkdown();
    if (existsSync(doc)) expect(readFileSync(doc, 'utf8')).toContain(rendered);
    else expect(rendered.length).toBeGreaterThan(0);
  });

  const routed = new Set(listProcedures().map((p) => p.path));
  for (const entry of ACCESS_CONTROL.filter((e) => routed.has(e.procedure))) {
    it(`${entry.procedure}: ${entry.access}`, async () => {
      const results: Record<string, string> = {};
      const expected: Record<string, string> = {};
      const failures: Record<string, Outcome> = {};
      for (const caller of CALLERS) {
        const user =
          caller === 'anonymous' ? null : caller === 'signedIn' ? outsider : org.users[caller];
        const input = await sampleInput(h, org, entry.procedure);
        const outcome = await callPath(h.caller(user), entry.procedure, input);
        const allowed = isAllowed(entry.access, caller);
        results[caller] = allowed ? (outcome.ok ? 'OK' : codeOf(outcome)) : codeOf(outcome);
        // With a curated valid input an allowed call succeeds; without one, it must at least
        // get past authorization (a validation error is fine then).
        const curated = entry.procedure in SAMPLES || input === undefined;
        if (allowed) {
          expected[caller] = curated ? 'OK' : results[caller];
          if (!curated && ['FORBIDDEN', 'NOT_FOUND', 'UNAUTHORIZED'].includes(results[caller])) {
            expected[caller] = 'allowed';
          }
        } else {
          expected[caller] = refusalFor(caller, entry);
        }
        if (!outcome.ok && results[caller] !== expected[caller]) failures[caller] = outcome;
      }
      expect({ results, failures }).toEqual({ results: expected, failures: {} });
    });
  }

  it('reads back the audit log every procedure above wrote (each event fits the API schema)', async () => {
    const actions = new Set<string>();
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await h.caller(org.users.viewer).audit.list({
        orgId: org.orgId,
        limit: 100,
        ...(cursor !== undefined ? { cursor } : {}),
      });
      for (const event of page.items) actions.add(event.action);
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor !== undefined && pages < 100);
    const mutations = ACCESS_CONTROL.filter(
      (e) => e.kind === 'mutation' && e.access !== 'signedIn' && routed.has(e.procedure),
    ).map((e) => e.procedure);
    // Every org-scoped mutation that succeeded above left an event named after it.
    expect(mutations.filter((m) => !actions.has(m))).toEqual([]);
  });
});
