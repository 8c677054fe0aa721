import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createDb, type Database } from '@invoice/db';
import { z } from 'zod';
import {
  CommandFailure,
  EXIT,
  kebab,
  UsageError,
  type Command,
  type CommandContext,
  type OptionSpec,
} from './cli/command.js';
import { GLOBAL_OPTIONS, renderCommandHelp, renderGroupHelp, renderMainHelp } from './cli/help.js';
import { createProgress } from './cli/progress.js';
import { COMMANDS } from './commands/index.js';
import { readDevSession } from './dev-session.js';
import { dbNameSchema, mongoUriSchema, parseCliEnv, redactUri } from './env.js';

export interface CliIo {
  /** One chunk of standard output (a line or a JSON document). */
  out(text: string): void;
  /** One line of standard error. */
  err(text: string): void;
  /** Raw standard error, given only when it is a terminal: progress goes there. */
  tty?: { write(text: string): void } | undefined;
  env?: Readonly<Record<string, string | undefined>>;
  /** The OS user name, audited as `operator:<name>`. */
  operatorName?: string;
}

/** Hostile or accidental input limits: a command line is short. */
const MAX_ARGS = 64;
const MAX_ARG_LENGTH = 4096;

type ParseOptions = NonNullable<ParseArgsConfig['options']>;

function toParseOptions(options: Readonly<Record<string, OptionSpec>>): ParseOptions {
  return Object.fromEntries(
    Object.entries(options).map(([name, spec]) => [
      kebab(name),
      spec.short ? { type: spec.type, short: spec.short } : { type: spec.type },
    ]),
  );
}

/** Every option any command knows, for the first pass that only finds the command words. */
function allOptions(): ParseOptions {
  const merged: ParseOptions = toParseOptions(GLOBAL_OPTIONS);
  for (const command of COMMANDS) Object.assign(merged, toParseOptions(command.options));
  return merged;
}

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function findCommand(words: readonly string[]): Command | undefined {
  return COMMANDS.filter((c) => c.path.every((w, i) => words[i] === w)).sort(
    (a, b) => b.path.length - a.path.length,
  )[0];
}

function isGroupPrefix(words: readonly string[]): boolean {
  return words.length > 0 && COMMANDS.some((c) => words.every((w, i) => c.path[i] === w));
}

const globalsSchema = z.object({
  uri: mongoUriSchema.optional(),
  db: dbNameSchema.optional(),
});

function usageMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/^Unknown option '([^']*)'.*$/s, 'unknown option "$1"');
}

/** Runs one CLI invocation; returns the process exit code. Never throws. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json');
  const fail = (code: number, message: string, data: Record<string, unknown> = {}) => {
    if (json) io.err(JSON.stringify({ error: { message, exitCode: code, ...data } }));
    else io.err(`invoice-admin: ${message}`);
    return code;
  };

  if (argv.length > MAX_ARGS) return fail(EXIT.usage, `too many arguments (max ${MAX_ARGS})`);
  if (argv.some((arg) => arg.length > MAX_ARG_LENGTH)) {
    return fail(EXIT.usage, `an argument is longer than ${MAX_ARG_LENGTH} characters`);
  }

  let words: string[];
  try {
    const first = parseArgs({
      args: [...argv],
      options: allOptions(),
      strict: false,
      allowPositionals: true,
    });
    words = first.positionals;
    const wantsHelp = first.values.help === true;
    if (words.length === 0 || (words.length === 1 && words[0] === 'help')) {
      if (words.length === 0 && !wantsHelp && argv.length > 0) {
        return fail(EXIT.usage, 'missing command. Run "invoice-admin --help".');
      }
      io.out(renderMainHelp(COMMANDS));
      return EXIT.ok;
    }
    const command = findCommand(words);
    if (!command) {
      if (isGroupPrefix(words)) {
        if (wantsHelp) {
          io.out(renderGroupHelp(words, COMMANDS));
          return EXIT.ok;
        }
        // With --json, stderr holds the JSON error alone.
        if (!json) io.err(renderGroupHelp(words, COMMANDS));
        return fail(EXIT.usage, `"${words.join(' ')}" needs a subcommand`);
      }
      return fail(
        EXIT.usage,
        `unknown command ${JSON.stringify(words.join(' '))}. Run "invoice-admin --help".`,
      );
    }
    if (wantsHelp) {
      io.out(renderCommandHelp(command));
      return EXIT.ok;
    }
    return await runCommand(command, argv, io, json, fail);
  } catch (error) {
    return fail(EXIT.usage, `${usageMessage(error)}. Run "invoice-admin --help".`);
  }
}

async function runCommand(
  command: Command,
  argv: readonly string[],
  io: CliIo,
  json: boolean,
  fail: (code: number, message: string, data?: Record<string, unknown>) => number,
): Promise<number> {
  let values: Record<string, unknown>;
  let globals: CommandContext['globals'];
  let env: ReturnType<typeof parseCliEnv>;
  try {
    const parsed = parseArgs({
      args: [...argv],
      options: { ...toParseOptions(GLOBAL_OPTIONS), ...toParseOptions(command.options) },
      strict: true,
      allowPositionals: true,
    });
    const extra = parsed.positionals.slice(command.path.length);
    if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
    const raw = Object.fromEntries(Object.entries(parsed.values).map(([k, v]) => [camel(k), v]));
    const g = globalsSchema.safeParse({ uri: raw.uri, db: raw.db });
    if (!g.success) {
      throw new UsageError(
        g.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join('; '),
      );
    }
    env = parseCliEnv(io.env ?? {});
    globals = { uri: g.data.uri ?? env.MONGODB_URI, db: g.data.db ?? env.MONGODB_DB };
    if (globals.uri === undefined) {
      // No database named: the zero-config server's, if one is running (pnpm start).
      const dev = await readDevSession(env.DATA_DIR);
      if (dev) {
        globals = { ...globals, uri: dev.mongoUri };
        if (!env.uploadDirSet) env = { ...env, UPLOAD_DIR: dev.uploadDir };
      }
    }
    values = Object.fromEntries(
      Object.entries(raw).filter(([k]) => !Object.hasOwn(GLOBAL_OPTIONS, k)),
    );
  } catch (error) {
    const hint = `Run "invoice-admin ${command.path.join(' ')} --help".`;
    return fail(EXIT.usage, `${usageMessage(error)}. ${hint}`);
  }

  let database: Database | null = null;
  const progress = createProgress(io.tty, !json);
  const ctx: CommandContext = {
    env,
    globals,
    progress,
    operatorName: io.operatorName ?? 'unknown',
    async database() {
      if (database) return database;
      if (!globals.uri) {
        throw new UsageError(
          'no database: set MONGODB_URI, pass --uri mongodb://…, or start the zero-config server (pnpm start)',
        );
      }
      database = createDb({
        uri: globals.uri,
        dbName: globals.db,
        appName: 'invoice-admin',
        serverSelectionTimeoutMS: 5_000,
        // The driver's 30 s default kept the process alive that long after reporting a frozen
        // database (connections open, nothing answers) unreachable.
        connectTimeoutMS: 5_000,
      });
      return database;
    },
  };
  try {
    const result = await command.execute(values, ctx);
    progress.done();
    if (json) io.out(JSON.stringify(result.data, null, 2));
    else for (const line of result.text) io.out(line);
    return result.exitCode ?? EXIT.ok;
  } catch (error) {
    progress.done();
    if (error instanceof UsageError) {
      return fail(
        EXIT.usage,
        `${error.message}. Run "invoice-admin ${command.path.join(' ')} --help".`,
      );
    }
    if (error instanceof CommandFailure) return fail(EXIT.failure, error.message, error.data);
    return fail(EXIT.failure, describeFailure(error, globals.uri));
  } finally {
    if (database) await (database as Database).close().catch(() => undefined);
  }
}

const trpcErrorShape = z.object({ name: z.literal('TRPCError'), code: z.string() });

/** One clear line for an unexpected failure; never a stack, never a password. */
function describeFailure(error: unknown, uri: string | undefined): string {
  const message = error instanceof Error ? error.message : String(error);
  const trpc = trpcErrorShape.safeParse(error);
  if (trpc.success) {
    // A dependency's failure behind the router's generic answer: the operator needs the cause.
    const cause = (error as { cause?: unknown }).cause;
    if (trpc.data.code === 'SERVICE_UNAVAILABLE' && cause instanceof Error) {
      return describeFailure(cause, uri);
    }
    return `${trpc.data.code}: ${message}`;
  }
  if (error instanceof Error && error.name === 'MongoServerSelectionError') {
    return `cannot reach MongoDB at ${uri ? redactUri(uri) : '(no URI)'}: ${message}`;
  }
  return uri ? message.split(uri).join(redactUri(uri)) : message;
}
