import { emailSchema, orgIdSchema, roleSchema, userIdSchema } from '@invoice/validators';
import { z } from 'zod';
import { CommandFailure, defineCommand, type OptionSpec } from '../cli/command.js';
import { operatorCaller } from './operator-caller.js';

const targetOptions: Record<string, OptionSpec> = {
  org: { type: 'string', valueName: 'ORG_ID', description: 'Organization id (24 hex characters)' },
  email: {
    type: 'string',
    valueName: 'EMAIL',
    description: 'Member email (invited if not a member yet)',
  },
  user: {
    type: 'string',
    valueName: 'UID',
    description: 'Firebase uid of an active member (instead of --email)',
  },
};

const target = {
  org: orgIdSchema,
  email: emailSchema.optional(),
  user: userIdSchema.optional(),
};

function exactlyOne(value: { email?: string | undefined; user?: string | undefined }): boolean {
  return (value.email === undefined) !== (value.user === undefined);
}
const exactlyOneMessage = { message: 'Give exactly one of --email or --user', path: ['email'] };

function who(value: { email?: string | undefined; user?: string | undefined }) {
  return value.user !== undefined ? { userId: value.user } : { email: value.email ?? '' };
}

export const memberGrantCommand = defineCommand({
  path: ['member', 'grant'],
  summary: 'Give a member a role (invites the email when it is not a member yet); audited',
  options: {
    ...targetOptions,
    role: { type: 'string', valueName: 'ROLE', description: 'viewer, accountant, admin or owner' },
  },
  schema: z.object({ ...target, role: roleSchema }).refine(exactlyOne, exactlyOneMessage),
  async run(args, ctx) {
    const caller = await operatorCaller(ctx);
    const members = await caller.member.list({ orgId: args.org });
    const current = members.find((m) =>
      args.user !== undefined ? m.userId === args.user : m.email === args.email,
    );
    let action: 'invited' | 'updated' | 'unchanged';
    let membership;
    if (!current) {
      if (args.email === undefined) {
        throw new CommandFailure(
          `no member with uid ${args.user ?? ''} in ${args.org} (invite by --email instead)`,
        );
      }
      membership = await caller.member.add({ orgId: args.org, email: args.email, role: args.role });
      action = 'invited';
    } else if (current.role === args.role) {
      membership = current;
      action = 'unchanged';
    } else {
      membership = await caller.member.updateRole({
        orgId: args.org,
        ...who(args),
        role: args.role,
      });
      action = 'updated';
    }
    return {
      data: { action, membership },
      text: [
        `${action}: ${membership.email} is ${membership.role} (${membership.status}) in ${args.org}`,
      ],
    };
  },
});

export const memberRevokeCommand = defineCommand({
  path: ['member', 'revoke'],
  summary: 'Remove a member or a pending invite from an organization; audited',
  details: 'The last owner of an organization cannot be removed.',
  options: {
    ...targetOptions,
    email: {
      type: 'string',
      valueName: 'EMAIL',
      description: 'Email of a member or pending invite',
    },
  },
  schema: z.object(target).refine(exactlyOne, exactlyOneMessage),
  async run(args, ctx) {
    const caller = await operatorCaller(ctx);
    await caller.member.remove({ orgId: args.org, ...who(args) });
    const subject = args.user ?? args.email ?? '';
    return {
      data: { removed: true, orgId: args.org, ...who(args) },
      text: [`removed ${subject} from ${args.org}`],
    };
  },
});
