import { run, type CliIo } from '../src/run.js';

export interface Captured {
  code: number;
  out: string;
  err: string;
  tty: string;
}

/** Runs the CLI in-process with captured stdout, stderr and (optionally) a terminal on stderr. */
export async function cli(
  argv: readonly string[],
  options: { env?: Record<string, string | undefined>; tty?: boolean; operatorName?: string } = {},
): Promise<Captured> {
  const out: string[] = [];
  const err: string[] = [];
  let tty = '';
  const io: CliIo = {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    tty: options.tty ? { write: (text) => void (tty += text) } : undefined,
    env: options.env ?? {},
    operatorName: options.operatorName ?? 'tester',
  };
  const code = await run(argv, io);
  return { code, out: out.join('\n'), err: err.join('\n'), tty };
}

/** The result of a `--json` run, parsed. */
export function json<T = Record<string, unknown>>(captured: Captured): T {
  return JSON.parse(captured.out) as T;
}
