import { z } from 'zod';
import { defineCommand, optionInt } from '../cli/command.js';
import { operatorCaller } from './operator-caller.js';

export const orgListCommand = defineCommand({
  path: ['org', 'list'],
  summary: 'List every organization with member counts and owners',
  options: {
    limit: {
      type: 'string',
      valueName: 'N',
      description: 'At most N organizations, oldest first (1-1000, default 100)',
    },
  },
  schema: z.object({ limit: optionInt(1, 1000).default(100) }),
  async run({ limit }, ctx) {
    const caller = await operatorCaller(ctx);
    const orgs = await caller.operator.organizationList({ limit });
    const text = orgs.map(
      (o) =>
        `${o.id}  ${o.name}  ${o.currency}  members ${o.activeMembers} (+${o.pendingInvites} invited)  owners ${o.owners.join(', ') || '-'}`,
    );
    text.push(`${orgs.length} organization${orgs.length === 1 ? '' : 's'}`);
    return { data: { organizations: orgs }, text };
  },
});
