import { kebab, type Command, type OptionSpec } from './command.js';

export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  json: { type: 'boolean', description: 'Print the result as JSON on stdout (no progress)' },
  uri: {
    type: 'string',
    valueName: 'URI',
    description: 'MongoDB connection string (default: env MONGODB_URI)',
  },
  db: {
    type: 'string',
    valueName: 'NAME',
    description: 'Database name (default: env MONGODB_DB, else "invoices")',
  },
  help: { type: 'boolean', short: 'h', description: 'Show help (for a command: its options)' },
};

function optionLabel(name: string, spec: OptionSpec): string {
  const flag = `--${kebab(name)}${spec.type === 'string' ? ` ${spec.valueName ?? 'VALUE'}` : ''}`;
  return spec.short ? `-${spec.short}, ${flag}` : flag;
}

function optionLines(options: Readonly<Record<string, OptionSpec>>, indent: string): string[] {
  const entries = Object.entries(options).map(([name, spec]) => ({
    label: optionLabel(name, spec),
    description: spec.description,
  }));
  const width = Math.max(0, ...entries.map((e) => e.label.length));
  return entries.map((e) => `${indent}${e.label.padEnd(width)}  ${e.description}`);
}

const FOOTER = [
  'Environment:',
  '  MONGODB_URI   MongoDB connection string (required by database commands unless --uri)',
  '  MONGODB_DB    database name (default "invoices")',
  '  UPLOAD_DIR    attachment directory (default "$DATA_DIR/uploads"); DATA_DIR default ".data"',
  '',
  'Exit codes: 0 success, 1 failure (refused, not ready, unreachable; index drift with',
  '  "db indexes --dry-run"), 2 usage error.',
];

/** The whole tool: every command with every option, so the handbook can be checked against it. */
export function renderMainHelp(commands: readonly Command[]): string {
  const lines = [
    'invoice-admin — operator tool for the invoice management system',
    '',
    'Usage: invoice-admin <command> [options]',
    '',
    'Commands:',
  ];
  for (const command of commands) {
    lines.push(`  ${command.path.join(' ')}`);
    lines.push(`      ${command.summary}`);
    lines.push(...optionLines(command.options, '      '));
  }
  lines.push('', 'Global options:', ...optionLines(GLOBAL_OPTIONS, '  '), '', ...FOOTER);
  lines.push('', 'Run "invoice-admin <command> --help" for one command.');
  return lines.join('\n');
}

export function renderCommandHelp(command: Command): string {
  const name = command.path.join(' ');
  const hasOptions = Object.keys(command.options).length > 0;
  const lines = [
    `Usage: invoice-admin ${name}${hasOptions ? ' [options]' : ''}`,
    '',
    command.summary,
  ];
  if (hasOptions) lines.push('', 'Options:', ...optionLines(command.options, '  '));
  if (command.details) lines.push('', command.details);
  lines.push('', 'Global options:', ...optionLines(GLOBAL_OPTIONS, '  '), '', ...FOOTER);
  return lines.join('\n');
}

/** Help for a word that only starts commands (`db`, `db migrate`): the commands under it. */
export function renderGroupHelp(prefix: readonly string[], commands: readonly Command[]): string {
  const under = commands.filter((c) => prefix.every((word, i) => c.path[i] === word));
  return [
    `Usage: invoice-admin ${prefix.join(' ')} <command> [options]`,
    '',
    'Commands:',
    ...under.map((c) => `  ${c.path.join(' ').padEnd(20)}  ${c.summary}`),
    '',
    'Run "invoice-admin <command> --help" for its options.',
  ].join('\n');
}
