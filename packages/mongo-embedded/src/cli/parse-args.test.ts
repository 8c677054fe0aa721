import { describe, expect, it } from 'vitest';
import { CliUsageError, parseArgs } from './parse-args.js';

describe('parseArgs', () => {
  it('reads mongod-style options in both spellings', () => {
    expect(
      parseArgs(['--dbpath', '/d', '--port=1234', '--bind_ip', '::1', '--replSet', 'x']),
    ).toMatchObject({
      dbPath: '/d',
      port: 1234,
      bindIp: '::1',
      replSet: 'x',
      allowRemote: false,
    });
    expect(parseArgs([])).toMatchObject({ port: 27017, bindIp: '127.0.0.1', dbPath: undefined });
    expect(parseArgs(['--bind_ip_all'])).toMatchObject({ bindIp: '0.0.0.0', allowRemote: true });
  });

  it('rejects bad ports, missing values and unknown options', () => {
    expect(() => parseArgs(['--port', '70000'])).toThrow(CliUsageError);
    expect(() => parseArgs(['--dbpath'])).toThrow(/needs a value/);
    expect(() => parseArgs(['--nope'])).toThrow(/unknown option/);
  });
});
