import type { Document } from 'bson';
import { ErrorCode, MongoCommandError } from '../errors.js';
import * as admin from './admin.js';
import { aggregate } from './aggregate.js';
import * as catalog from './catalog.js';
import type { CommandContext, CommandHandler } from './context.js';
import { explain } from './explain.js';
import { findAndModify } from './find-and-modify.js';
import * as reads from './find.js';
import { hello } from './handshake.js';
import * as writes from './write.js';

/** Commands the transaction state machine answers itself (see dispatch.ts). */
function transactionOnly(name: string): CommandHandler {
  return (): Document => {
    throw new MongoCommandError(
      ErrorCode.IllegalOperation,
      `${name} must be run within a transaction (lsid, txnNumber and autocommit: false)`,
    );
  };
}

const entries: [string, CommandHandler][] = [
  ['hello', (ctx, cmd) => hello(ctx, cmd, false)],
  ['isMaster', (ctx, cmd) => hello(ctx, cmd, true)],
  ['ismaster', (ctx, cmd) => hello(ctx, cmd, true)],
  ['ping', admin.ping],
  ['buildInfo', admin.buildInfo],
  ['buildinfo', admin.buildInfo],
  ['hostInfo', admin.hostInfo],
  ['getParameter', admin.getParameter],
  ['getCmdLineOpts', admin.getCmdLineOpts],
  ['whatsmyuri', admin.whatsmyuri],
  ['connectionStatus', admin.connectionStatus],
  ['serverStatus', admin.serverStatus],
  ['listDatabases', admin.listDatabases],
  ['dbStats', admin.dbStats],
  ['collStats', admin.collStats],
  ['endSessions', admin.endSessions],
  ['killSessions', admin.killSessions],
  ['refreshSessions', admin.refreshSessions],
  ['startSession', admin.startSession],
  ['getLog', admin.getLog],
  ['replSetGetStatus', admin.replSetGetStatus],
  ['features', admin.features],
  ['create', catalog.create],
  ['drop', catalog.drop],
  ['dropDatabase', catalog.dropDatabase],
  ['renameCollection', catalog.renameCollection],
  ['listCollections', catalog.listCollections],
  ['createIndexes', catalog.createIndexes],
  ['listIndexes', catalog.listIndexes],
  ['dropIndexes', catalog.dropIndexes],
  ['deleteIndexes', catalog.dropIndexes],
  ['find', reads.find],
  ['getMore', reads.getMore],
  ['killCursors', reads.killCursors],
  ['count', reads.count],
  ['distinct', reads.distinct],
  ['insert', writes.insert],
  ['update', writes.update],
  ['delete', writes.deleteCommand],
  [
    'findAndModify',
    (ctx: CommandContext, cmd: Document) => findAndModify(ctx, cmd, 'findAndModify'),
  ],
  [
    'findandmodify',
    (ctx: CommandContext, cmd: Document) => findAndModify(ctx, cmd, 'findandmodify'),
  ],
  ['aggregate', aggregate],
  ['explain', explain],
  ['commitTransaction', transactionOnly('commitTransaction')],
  ['abortTransaction', transactionOnly('abortTransaction')],
  ['listCommands', listCommands],
];

export const commandHandlers: ReadonlyMap<string, CommandHandler> = new Map(entries);

function listCommands(): Document {
  const commands: Document = {};
  for (const name of [...commandHandlers.keys()].sort()) {
    commands[name] = { help: '', requiresAuth: false, secondaryOk: true, adminOnly: false };
  }
  return { commands, ok: 1 };
}
