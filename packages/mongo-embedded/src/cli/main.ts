import { startEmbeddedMongo, isLoopback, type Logger } from '../server.js';
import { CliUsageError, parseArgs, USAGE } from './parse-args.js';

/** A one-line-per-event stderr logger; stdout carries only the ready line. */
function consoleLogger(quiet: boolean): Logger {
  const line = (level: string) => (obj: object, msg?: string) => {
    if (quiet && (level === 'debug' || level === 'info')) return;
    console.error(`${new Date().toISOString()} ${level} ${msg ?? ''} ${JSON.stringify(obj)}`);
  };
  return { debug: () => undefined, info: line('info'), warn: line('warn'), error: line('error') };
}

async function main(): Promise<void> {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof CliUsageError) {
      console.error(`mongo-embedded: ${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    throw error;
  }
  if (options.help) {
    console.log(USAGE);
    return;
  }
  const log = consoleLogger(options.quiet);
  const server = await startEmbeddedMongo({
    ...(options.dbPath !== undefined ? { dbPath: options.dbPath } : {}),
    port: options.port,
    host: options.bindIp,
    allowRemote: options.allowRemote || !isLoopback(options.bindIp),
    replSetName: options.replSet,
    log,
    argv: process.argv.slice(1),
  });
  console.log(
    `mongo-embedded listening on ${server.uri}${options.dbPath ? ` (dbpath ${options.dbPath})` : ' (in memory)'}`,
  );
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('mongo-embedded: shutdown failed', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error('mongo-embedded: failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
