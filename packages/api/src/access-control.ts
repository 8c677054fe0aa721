import { ROLES, type Role } from '@invoice/validators';

/**
 * Who may call what: one entry per procedure of the router. The role-matrix test calls every
 * procedure as every role and fails when the router and this table disagree, and
 * docs/operations/access_control.md is rendered from it (`renderAccessControlMarkdown`), so
 * the documentation cannot drift from the code.
 *
 * - `public`: no sign-in (health-style procedures);
 * - `signedIn`: any signed-in user, not tied to an organization;
 * - a role: a member of the organization in `orgId` with at least that role (viewer <
 *   accountant < admin < owner). Non-members get NOT_FOUND, lower roles FORBIDDEN.
 */
export type Access = 'public' | 'signedIn' | Role;

export interface ProcedureAccess {
  procedure: string;
  kind: 'query' | 'mutation';
  access: Access;
  summary: string;
}

export const ACCESS_CONTROL = [
  { procedure: 'system.ping', kind: 'query', access: 'public', summary: 'API round-trip check' },
  {
    procedure: 'organization.create',
    kind: 'mutation',
    access: 'signedIn',
    summary: 'Create an organization; the caller becomes its owner',
  },
  {
    procedure: 'organization.list',
    kind: 'query',
    access: 'signedIn',
    summary: "The caller's organizations and roles",
  },
  { procedure: 'organization.byId', kind: 'query', access: 'viewer', summary: 'Settings' },
  { procedure: 'organization.update', kind: 'mutation', access: 'admin', summary: 'Settings' },
  { procedure: 'member.list', kind: 'query', access: 'viewer', summary: 'Members and invites' },
  { procedure: 'member.add', kind: 'mutation', access: 'admin', summary: 'Invite by email' },
  {
    procedure: 'member.updateRole',
    kind: 'mutation',
    access: 'admin',
    summary: 'Change a role (owners only by owners)',
  },
  {
    procedure: 'member.remove',
    kind: 'mutation',
    access: 'admin',
    summary: 'Remove a member (owners only by owners; one owner always remains)',
  },
  { procedure: 'customer.create', kind: 'mutation', access: 'accountant', summary: 'Customers' },
  { procedure: 'customer.update', kind: 'mutation', access: 'accountant', summary: 'Customers' },
  { procedure: 'customer.byId', kind: 'query', access: 'viewer', summary: 'Customers' },
  { procedure: 'customer.list', kind: 'query', access: 'viewer', summary: 'Customers' },
  { procedure: 'customer.archive', kind: 'mutation', access: 'accountant', summary: 'Customers' },
  { procedure: 'invoice.create', kind: 'mutation', access: 'accountant', summary: 'Drafts' },
  { procedure: 'invoice.update', kind: 'mutation', access: 'accountant', summary: 'Drafts' },
  { procedure: 'invoice.deleteDraft', kind: 'mutation', access: 'accountant', summary: 'Drafts' },
  {
    procedure: 'invoice.issue',
    kind: 'mutation',
    access: 'accountant',
    summary: 'Number and freeze a draft',
  },
  { procedure: 'invoice.void', kind: 'mutation', access: 'accountant', summary: 'Void' },
  {
    procedure: 'invoice.markUncollectible',
    kind: 'mutation',
    access: 'accountant',
    summary: 'Write off',
  },
  { procedure: 'invoice.byId', kind: 'query', access: 'viewer', summary: 'Invoices' },
  { procedure: 'invoice.list', kind: 'query', access: 'viewer', summary: 'Invoices' },
  { procedure: 'payment.record', kind: 'mutation', access: 'accountant', summary: 'Payments' },
  { procedure: 'payment.void', kind: 'mutation', access: 'accountant', summary: 'Payments' },
  { procedure: 'payment.list', kind: 'query', access: 'viewer', summary: 'Payments' },
  {
    procedure: 'creditNote.create',
    kind: 'mutation',
    access: 'accountant',
    summary: 'Credit notes',
  },
  { procedure: 'creditNote.byId', kind: 'query', access: 'viewer', summary: 'Credit notes' },
  { procedure: 'creditNote.list', kind: 'query', access: 'viewer', summary: 'Credit notes' },
  { procedure: 'attachment.list', kind: 'query', access: 'viewer', summary: 'Attachments' },
  {
    procedure: 'attachment.delete',
    kind: 'mutation',
    access: 'accountant',
    summary: 'Attachments',
  },
  { procedure: 'report.summary', kind: 'query', access: 'viewer', summary: 'Receivables report' },
  { procedure: 'audit.list', kind: 'query', access: 'viewer', summary: 'Audit log' },
] as const satisfies readonly ProcedureAccess[];

export type ProcedurePath = (typeof ACCESS_CONTROL)[number]['procedure'];

/** Whether a caller in `role` (null: signed in, not a member; undefined: signed out) may call. */
export function isAllowed(access: Access, caller: Role | 'signedIn' | 'anonymous'): boolean {
  if (access === 'public') return true;
  if (caller === 'anonymous') return false;
  if (access === 'signedIn') return true;
  if (caller === 'signedIn') return false;
  return ROLES.indexOf(caller) >= ROLES.indexOf(access);
}

/** The table of docs/operations/access_control.md: one row per procedure, one column per role. */
export function renderAccessControlMarkdown(
  table: readonly ProcedureAccess[] = ACCESS_CONTROL,
): string {
  const header = ['procedure', 'kind', 'signed out', 'non-member', ...ROLES, 'notes'];
  const rows = table.map((entry) => [
    `\`${entry.procedure}\``,
    entry.kind,
    isAllowed(entry.access, 'anonymous') ? 'yes' : 'no',
    isAllowed(entry.access, 'signedIn') ? 'yes' : 'no',
    ...ROLES.map((role) => (isAllowed(entry.access, role) ? 'yes' : 'no')),
    entry.summary,
  ]);
  return [header, header.map(() => '---'), ...rows]
    .map((cells) => `| ${cells.join(' | ')} |`)
    .join('\n')
    .concat('\n');
}
