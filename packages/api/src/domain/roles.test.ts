import { describe, expect, it } from 'vitest';
import { DomainError } from './errors.js';
import { ROLES, assertCanManageMember, hasRole, roleRank, type Role } from './roles.js';

describe('hasRole', () => {
  it('orders viewer < accountant < admin < owner', () => {
    expect(ROLES.map(roleRank)).toEqual([0, 1, 2, 3]);
  });

  const pairs = ROLES.flatMap((actual) => ROLES.map((minimum) => [actual, minimum] as const));
  it.each(pairs)('%s satisfies %s ⇔ it is at least as high', (actual, minimum) => {
    expect(hasRole(actual, minimum)).toBe(ROLES.indexOf(actual) >= ROLES.indexOf(minimum));
  });
});

describe('assertCanManageMember', () => {
  it.each<[Role, Role | null, Role | null, boolean]>([
    ['owner', null, 'owner', true],
    ['owner', 'owner', 'viewer', true],
    ['owner', 'owner', null, true],
    ['admin', null, 'admin', true],
    ['admin', 'viewer', 'accountant', true],
    ['admin', 'admin', null, true],
    ['admin', null, 'owner', false],
    ['admin', 'owner', 'admin', false],
    ['admin', 'owner', null, false],
    ['admin', 'viewer', 'owner', false],
    ['accountant', null, 'viewer', false],
    ['viewer', 'viewer', null, false],
  ])('%s changing %s → %s: allowed %s', (actor, current, next, allowed) => {
    if (allowed) {
      expect(() => assertCanManageMember(actor, current, next)).not.toThrow();
      return;
    }
    let caught: unknown;
    try {
      assertCanManageMember(actor, current, next);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DomainError);
    expect((caught as DomainError).code).toBe('FORBIDDEN');
  });
});
