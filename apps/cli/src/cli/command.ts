import type { Database } from '@invoice/db';
import { z } from 'zod';
import type { CliEnv } from '../env.js';
import type { Progress } from './progress.js';

/** Exit codes: 0 success, 1 the command failed, 2 the command line was wrong. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** A wrong command line: unknown command or option, bad value. Exit 2 with a hint. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly helpFor: readonly string[] = [],
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** An expected failure with a message for the operator (refused restore, not ready). Exit 1. */
export class CommandFailure extends Error {
  constructor(
    message: string,
    readonly data: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'CommandFailure';
  }
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Shown in help after the option name, e.g. DIR. */
  valueName?: string;
  description: string;
}

/** What a command hands back: JSON for `--json`, lines for people. */
export interface CommandResult {
  data: unknown;
  text: string[];
  exitCode?: number;
}

export interface CommandContext {
  env: CliEnv;
  /** Connects on first use (MONGODB_URI / --uri, MONGODB_DB / --db); closed by the runner. */
  database(): Promise<Database>;
  progress: Progress;
  /** The OS user running the command, audited as `operator:<name>`. */
  operatorName: string;
  /** Global options every command sees. */
  globals: { uri: string | undefined; db: string };
}

export interface Command {
  path: readonly string[];
  summary: string;
  /** Extra help text after the options. */
  details?: string;
  options: Readonly<Record<string, OptionSpec>>;
  execute(values: Record<string, unknown>, ctx: CommandContext): Promise<CommandResult>;
}

/** Turns zod issues into one usage line per bad option, naming it as typed on the command line. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const key = issue.path[0];
      const option = typeof key === 'string' ? `--${kebab(key)}` : 'options';
      // zod's wording for an option not given at all ("expected string, received undefined").
      if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) {
        return `${option} is required`;
      }
      return `${option}: ${issue.message}`;
    })
    .join('; ');
}

export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * Declares a command: its options (keys are camelCase, typed on the command line in
 * kebab-case) and the zod schema that validates the parsed values before `run` sees them.
 */
export function defineCommand<S extends z.ZodType>(spec: {
  path: readonly string[];
  summary: string;
  details?: string;
  options: Readonly<Record<string, OptionSpec>>;
  schema: S;
  run(args: z.infer<S>, ctx: CommandContext): Promise<CommandResult>;
}): Command {
  return {
    path: spec.path,
    summary: spec.summary,
    ...(spec.details === undefined ? {} : { details: spec.details }),
    options: spec.options,
    async execute(values, ctx) {
      const parsed = spec.schema.safeParse(values);
      if (!parsed.success) throw new UsageError(describeIssues(parsed.error), spec.path);
      return spec.run(parsed.data, ctx);
    },
  };
}

/** Bounded, printable option text: refuses control characters and oversized values. */
export function optionText(max = 4096) {
  return (
    z
      .string()
      .min(1, 'Must not be empty')
      .max(max, `Must be at most ${max} characters`)
      // eslint-disable-next-line no-control-regex
      .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'Must not contain control characters')
  );
}

/** A positive integer given as text on the command line. */
export function optionInt(min: number, max: number) {
  return z
    .string()
    .regex(/^\d{1,9}$/, 'Must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
}
