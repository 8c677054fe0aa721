import { seedDemo } from '@invoice/api';
import { emailSchema, userIdSchema } from '@invoice/validators';
import pino from 'pino';
import { z } from 'zod';
import { defineCommand } from '../cli/command.js';

export const demoSeedCommand = defineCommand({
  path: ['demo', 'seed'],
  summary: 'Create the demo organization (customers, invoices in every state) owned by a user',
  details:
    'Idempotent: nothing is written when the user already owns the demo organization. The owner is a\nFirebase user (uid and email), so they can sign in and see it.',
  options: {
    uid: { type: 'string', valueName: 'UID', description: 'Firebase uid of the owner' },
    email: { type: 'string', valueName: 'EMAIL', description: "The owner's email" },
    unverified: { type: 'boolean', description: "The owner's email is not verified" },
  },
  schema: z.object({
    uid: userIdSchema,
    email: emailSchema,
    unverified: z.boolean().default(false),
  }),
  async run(args, ctx) {
    const database = await ctx.database();
    const result = await seedDemo({
      db: database,
      user: { uid: args.uid, email: args.email, emailVerified: !args.unverified },
      log: pino({ level: 'silent' }),
    });
    const text = result.created
      ? [
          `created demo organization ${result.orgId}: ${result.customers} customers, ${result.invoices} invoices`,
        ]
      : [`demo organization ${result.orgId} already exists for ${args.email}; nothing written`];
    return { data: result, text };
  },
});
