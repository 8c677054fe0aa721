import { randomUUID } from 'node:crypto';
import { createOperatorCaller, createOperatorContext } from '@invoice/api';
import pino from 'pino';
import type { CommandContext } from '../cli/command.js';

/**
 * The router as an operator calls it: same procedures, rules and audit as HTTP, owner level in
 * every org, audited as `operator:<os user>` with one `cli-<uuid>` request id per invocation.
 */
export async function operatorCaller(ctx: CommandContext) {
  const database = await ctx.database();
  return createOperatorCaller(
    createOperatorContext({
      db: database,
      log: pino({ level: 'silent' }),
      name: ctx.operatorName,
      requestId: `cli-${randomUUID()}`,
    }),
  );
}
