import { ROLES, type Role } from '@invoice/validators';
import { forbidden } from './errors.js';

export { ROLES, type Role };

const RANK: Readonly<Record<Role, number>> = Object.fromEntries(
  ROLES.map((role, index) => [role, index]),
) as Record<Role, number>;

export function roleRank(role: Role): number {
  return RANK[role];
}

/** Each role includes the ones below it: an admin passes a check for `accountant`. */
export function hasRole(actual: Role, minimum: Role): boolean {
  return RANK[actual] >= RANK[minimum];
}

/**
 * Admins manage members except owners; only an owner may grant, change or remove the owner
 * role. `currentRole` is null when adding, `nextRole` null when removing.
 */
export function assertCanManageMember(
  actorRole: Role,
  currentRole: Role | null,
  nextRole: Role | null,
): void {
  if (!hasRole(actorRole, 'admin')) {
    throw forbidden('Managing members needs the admin role');
  }
  const touchesOwner = currentRole === 'owner' || nextRole === 'owner';
  if (touchesOwner && actorRole !== 'owner') {
    throw forbidden('Only an owner can grant, change or remove the owner role');
  }
}
