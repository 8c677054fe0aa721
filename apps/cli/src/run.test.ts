import { describe, expect, it } from 'vitest';
import { run } from './run.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

describe('invoice-admin', () => {
  it('prints help and exits 0', async () => {
    const c = capture();
    expect(await run(['--help'], c.io)).toBe(0);
    expect(c.out.join('\n')).toContain('Usage: invoice-admin');
  });

  it('refuses an unknown command with exit 2 and a clear message', async () => {
    const c = capture();
    expect(await run(['$where'], c.io)).toBe(2);
    expect(c.err.join('\n')).toContain('unknown command "$where"');
  });
});
