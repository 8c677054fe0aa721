import type { Command } from '../cli/command.js';
import { backupCommand, restoreCommand } from './backup.js';
import { dbIndexesCommand, dbMigrateStatusCommand, dbMigrateUpCommand } from './db.js';
import { demoSeedCommand } from './demo.js';
import { healthCommand } from './health.js';
import { memberGrantCommand, memberRevokeCommand } from './member.js';
import { orgListCommand } from './org.js';

/** Every command, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [
  backupCommand,
  restoreCommand,
  dbIndexesCommand,
  dbMigrateStatusCommand,
  dbMigrateUpCommand,
  memberGrantCommand,
  memberRevokeCommand,
  orgListCommand,
  demoSeedCommand,
  healthCommand,
];
