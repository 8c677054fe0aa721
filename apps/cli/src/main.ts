import { userInfo } from 'node:os';
import { run } from './run.js';

/** The OS user, made safe for an audit actor (`operator:<name>`). */
function operatorName(): string {
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    name = `uid-${process.getuid?.() ?? 'unknown'}`;
  }
  return name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64) || 'unknown';
}

const code = await run(process.argv.slice(2), {
  out: (text) => console.log(text),
  err: (text) => console.error(text),
  tty: process.stderr.isTTY ? process.stderr : undefined,
  env: process.env,
  operatorName: operatorName(),
});
process.exitCode = code;
