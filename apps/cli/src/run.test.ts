import { describe, expect, it } from 'vitest';
import { cli } from '../test/cli-io.js';
import { kebab } from './cli/command.js';
import { GLOBAL_OPTIONS } from './cli/help.js';
import { COMMANDS } from './commands/index.js';

describe('invoice-admin command line', () => {
  it('lists every command with every option in --help, and exits 0', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: invoice-admin <command> [options]');
    for (const command of COMMANDS) {
      expect(r.out).toContain(`\n  ${command.path.join(' ')}\n`);
      for (const option of Object.keys(command.options))
        expect(r.out).toContain(`--${kebab(option)}`);
    }
    for (const option of Object.keys(GLOBAL_OPTIONS)) expect(r.out).toContain(`--${option}`);
    expect((await cli([])).out).toBe(r.out);
    expect((await cli(['help'])).out).toBe(r.out);
  });

  it('has exactly the commands the handbook names', () => {
    expect(COMMANDS.map((c) => c.path.join(' '))).toEqual([
      'backup',
      'restore',
      'db indexes',
      'db migrate status',
      'db migrate up',
      'member grant',
      'member revoke',
      'org list',
      'demo seed',
      'health',
    ]);
  });

  it('prints per-command help with its options', async () => {
    for (const command of COMMANDS) {
      const r = await cli([...command.path, '--help']);
      expect(r.code).toBe(0);
      expect(r.out).toContain(`Usage: invoice-admin ${command.path.join(' ')}`);
      for (const option of Object.keys(command.options))
        expect(r.out).toContain(`--${kebab(option)}`);
    }
    const group = await cli(['db', 'migrate', '--help']);
    expect(group.code).toBe(0);
    expect(group.out).toContain('db migrate status');
  });

  it('refuses unknown commands and options with exit 2 and a hint', async () => {
    const unknown = await cli(['$where']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown command "$where"');
    const option = await cli(['org', 'list', '--limit', '5', '--org', 'x']);
    expect(option.code).toBe(2);
    expect(option.err).toContain('unknown option "--org"');
    expect(option.err).toContain('invoice-admin org list --help');
    const extra = await cli(['health', 'now']);
    expect(extra.code).toBe(2);
    expect(extra.err).toContain('unexpected argument "now"');
    const group = await cli(['db']);
    expect(group.code).toBe(2);
    expect(group.err).toContain('"db" needs a subcommand');
    const noCommand = await cli(['--json']);
    expect(noCommand.code).toBe(2);
  });

  it('validates option values with zod before touching anything', async () => {
    const cases: [string[], string][] = [
      [['org', 'list', '--limit', '0'], '--limit'],
      [['org', 'list', '--limit', '1e3'], '--limit'],
      [['member', 'grant', '--org', 'nope', '--email', 'a@b.co', '--role', 'admin'], '--org'],
      [
        ['member', 'grant', '--org', 'a'.repeat(24), '--email', 'a@b.co', '--role', 'god'],
        '--role',
      ],
      [['member', 'revoke', '--org', 'a'.repeat(24)], 'exactly one of --email or --user'],
      [
        ['member', 'revoke', '--org', 'a'.repeat(24), '--email', 'a@b.co', '--user', 'u1'],
        'exactly one',
      ],
      [['health', '--url', 'file:///etc/passwd'], 'http://'],
      [['health', '--url', 'http://user:pw@host'], 'credentials'],
      [['health', '--timeout', '99999999'], '--timeout'],
      [['backup'], '--out'],
      [['backup', '--out', 'x\u0000y'], 'control characters'],
      [['backup', '--out', 'b', '--skip-uploads', '--upload-dir', 'u'], 'not both'],
      [['restore', '--from', ''], '--from'],
      [['demo', 'seed', '--uid', '$where', '--email', 'a@b.co'], '--uid'],
      [['org', 'list', '--uri', 'http://evil'], '--uri'],
      [['org', 'list', '--db', 'a/b'], '--db'],
    ];
    for (const [argv, message] of cases) {
      const r = await cli(argv);
      expect({ argv, code: r.code }).toEqual({ argv, code: 2 });
      expect(r.err).toContain(message);
    }
  });

  it('names a required option that is missing', async () => {
    const r = await cli(['backup', '--skip-uploads']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--out is required');
  });

  it('refuses oversized and overlong command lines', async () => {
    const long = await cli(['backup', '--out', 'x'.repeat(5000)]);
    expect(long.code).toBe(2);
    expect(long.err).toContain('longer than 4096');
    const many = await cli(Array.from({ length: 65 }, () => '--json'));
    expect(many.code).toBe(2);
    expect(many.err).toContain('too many arguments');
    const bigLimit = await cli(['org', 'list', '--limit', '9'.repeat(40)]);
    expect(bigLimit.code).toBe(2);
  });

  it('says where the database is missing and keeps errors JSON with --json', async () => {
    // A DATA_DIR without a zero-config server's dev-session.json: no database anywhere.
    const none = { DATA_DIR: '/nonexistent/invoice-data' };
    const missing = await cli(['org', 'list'], { env: none });
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('set MONGODB_URI, pass --uri');
    const asJson = await cli(['org', 'list', '--json'], { env: none });
    expect(asJson.code).toBe(2);
    expect(JSON.parse(asJson.err)).toMatchObject({ error: { exitCode: 2 } });
    expect(asJson.out).toBe('');
    const badEnv = await cli(['org', 'list'], { env: { MONGODB_URI: 'postgres://x' } });
    expect(badEnv.code).toBe(2);
    expect(badEnv.err).toContain('MONGODB_URI');
  });

  it.each([
    ['db', 'migrate', 'status'],
    // Through the router (createCaller), whose SERVICE_UNAVAILABLE carries the driver's error.
    ['org', 'list'],
  ])(
    'reports an unreachable database as a failure (exit 1) without the password: %s %s',
    async (...argv) => {
      const r = await cli(argv, {
        env: { MONGODB_URI: 'mongodb://admin:s3cret@127.0.0.1:1/?serverSelectionTimeoutMS=200' },
      });
      expect(r.code).toBe(1);
      expect(r.err).toContain('cannot reach MongoDB at mongodb://***@127.0.0.1:1');
      expect(r.err).not.toContain('s3cret');
    },
  );
});
