import { describe, expect, it } from 'vitest';
import { ACCESS_CONTROL } from '../src/access-control.js';
import { listProcedures } from './support/procedures.js';

/**
 * The API contract of ../shared/DOMAIN.md, procedure by procedure, with its kind. Kept here
 * as plain data (not derived from the code) so a renamed or missing procedure fails the build.
 */
const CONTRACT: Record<string, 'query' | 'mutation'> = {
  'organization.create': 'mutation',
  'organization.list': 'query',
  'organization.byId': 'query',
  'organization.update': 'mutation',
  'member.list': 'query',
  'member.add': 'mutation',
  'member.updateRole': 'mutation',
  'member.remove': 'mutation',
  'customer.create': 'mutation',
  'customer.update': 'mutation',
  'customer.byId': 'query',
  'customer.list': 'query',
  'customer.archive': 'mutation',
  'invoice.create': 'mutation',
  'invoice.update': 'mutation',
  'invoice.deleteDraft': 'mutation',
  'invoice.issue': 'mutation',
  'invoice.void': 'mutation',
  'invoice.markUncollectible': 'mutation',
  'invoice.byId': 'query',
  'invoice.list': 'query',
  'payment.record': 'mutation',
  'payment.void': 'mutation',
  'payment.list': 'query',
  'creditNote.create': 'mutation',
  'creditNote.byId': 'query',
  'creditNote.list': 'query',
  'attachment.list': 'query',
  'attachment.delete': 'mutation',
  'report.summary': 'query',
  'audit.list': 'query',
};

/** Procedures beyond the contract, on purpose. */
const EXTRAS: Record<string, 'query' | 'mutation'> = { 'system.ping': 'query' };

describe('API contract', () => {
  const procedures = listProcedures();
  const byPath = new Map(procedures.map((p) => [p.path, p]));

  it('has every procedure of the contract', () => {
    const missing = Object.keys(CONTRACT).filter((path) => !byPath.has(path));
    expect(missing).toEqual([]);
  });

  it('declares each procedure as the query or mutation the contract says', () => {
    const wrong = Object.entries({ ...CONTRACT, ...EXTRAS })
      .filter(([path]) => byPath.has(path))
      .filter(([path, kind]) => byPath.get(path)?.kind !== kind)
      .map(([path, kind]) => `${path}: expected ${kind}, is ${byPath.get(path)?.kind}`);
    expect(wrong).toEqual([]);
  });

  it('has no procedure outside the contract that nobody declared', () => {
    const unknown = procedures
      .map((p) => p.path)
      .filter((path) => !(path in CONTRACT) && !(path in EXTRAS));
    expect(unknown).toEqual([]);
  });

  it('validates the input of every procedure but the input-less ones with a schema', () => {
    const withoutInput = procedures.filter((p) => p.input === null).map((p) => p.path);
    expect(withoutInput.sort()).toEqual(['organization.list', 'system.ping']);
  });

  it('lists every procedure exactly once in the access-control table, with the same kind', () => {
    const paths: string[] = ACCESS_CONTROL.map((entry) => entry.procedure);
    expect(new Set(paths).size).toBe(paths.length);
    expect([...paths].sort()).toEqual(procedures.map((p) => p.path));
    for (const entry of ACCESS_CONTROL) {
      expect(byPath.get(entry.procedure)?.kind, entry.procedure).toBe(entry.kind);
    }
  });
});
