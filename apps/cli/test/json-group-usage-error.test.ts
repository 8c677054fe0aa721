import { describe, expect, it } from 'vitest';
import { cli } from './cli-io.js';

/**
 * With --json every error is one JSON document on stderr ({ error: { message, exitCode } }), so a
 * script can parse it, a command group without its subcommand (`db`, `db migrate`) included:
 * without --json it also prints the group's help, which used to come first with --json too.
 */
describe('--json usage errors for a command group without a subcommand', () => {
  it.each([[['db', '--json']], [['db', 'migrate', '--json']], [['member', '--json']]])(
    '%j: stderr is a single JSON error',
    async (argv) => {
      const r = await cli(argv);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      let parsed: unknown;
      expect(() => {
        parsed = JSON.parse(r.err) as unknown;
      }).not.toThrow();
      expect(parsed).toMatchObject({ error: { exitCode: 2 } });
      expect((parsed as { error: { message: string } }).error.message).toContain(
        'needs a subcommand',
      );
    },
  );
});
