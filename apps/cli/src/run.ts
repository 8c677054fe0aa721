export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

const HELP = `invoice-admin — operator tool for the invoice management system

Usage: invoice-admin <command> [options]

Commands:
  help            Show this help

Options:
  --json          Machine-readable output
`;

/** Runs one CLI invocation; returns the process exit code. */
export function run(argv: readonly string[], io: CliIo): Promise<number> {
  const [command] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    io.out(HELP);
    return Promise.resolve(0);
  }
  io.err(`invoice-admin: unknown command ${JSON.stringify(command)}. Run "invoice-admin --help".`);
  return Promise.resolve(2);
}
