import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PRODUCTION_NODE_OPTIONS } from '../bundle.js';
import { EXIT_INVALID_CONFIG, parseEnv } from '../src/env.js';

/**
 * The deployment files in deploy/ against the README's production steps and the server's
 * configuration. No Docker engine or systemd runs in CI, so these are static checks: the
 * Dockerfile runs exactly the README's commands, the systemd unit waits longer than the server's
 * shutdown timeout and can write where the example configuration stores data.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string) => readFileSync(`${ROOT}${path}`, 'utf8');

const readme = read('README.md');
const dockerfile = read('deploy/Dockerfile');
const unit = read('deploy/invoice-api.service');
const envExample = read('deploy/invoice-api.env.example');
const packageManager = z
  .object({ packageManager: z.string().regex(/^pnpm@\d+\.\d+\.\d+$/) })
  .parse(JSON.parse(read('package.json'))).packageManager;

/** Dockerfile instructions, continuation lines joined, comments dropped. */
function instructions(text: string): { op: string; args: string }[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [op = '', ...rest] = line.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

/** `key=value` lines (systemd unit, env file); a key may repeat. */
function settings(text: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (match?.[1] !== undefined) map.set(match[1], [...(map.get(match[1]) ?? []), match[2] ?? '']);
  }
  return map;
}

const one = (map: Map<string, string[]>, key: string) => {
  const values = map.get(key);
  expect(values, key).toHaveLength(1);
  return values?.[0] ?? '';
};

/** The README's "Production" section. */
function productionSection(): string {
  const start = readme.indexOf('\n## Production\n');
  expect(start).toBeGreaterThan(0);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

const normalize = (command: string) =>
  command
    .replace(/\s+#.*$/, '')
    .replace(/\s+/g, ' ')
    .replace('npx --yes ', 'npx ')
    .trim();

const runs = instructions(dockerfile)
  .filter((i) => i.op === 'RUN')
  .map((i) => normalize(i.args));

describe('deploy/Dockerfile', () => {
  it('runs the README production steps, in order, with the pinned pnpm', () => {
    const block = /```sh\n([\s\S]*?)```/.exec(productionSection())?.[1] ?? '';
    const readmeCommands = block
      .replace(/\\\n/g, ' ')
      .split('\n')
      .map(normalize)
      .filter((line) => line.startsWith('npx '));
    expect(readmeCommands).toEqual([
      `npx ${packageManager} install --frozen-lockfile`,
      `npx ${packageManager} build`,
    ]);
    const positions = readmeCommands.map((command) => runs.indexOf(command));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);

    // The prune step the README names, with <dir> filled in, after the build.
    const deploy = /`(npx pnpm@[^`]+ deploy [^`]+) <dir>`/.exec(productionSection())?.[1];
    expect(deploy).toBeDefined();
    const deployRun = runs.findIndex((r) => r.startsWith(`${normalize(deploy ?? '')} /`));
    expect(deployRun).toBeGreaterThan(positions.at(-1) ?? Infinity);
    for (const command of runs.filter((r) => r.includes('pnpm@')))
      expect(command).toContain(`npx ${packageManager} `);
  });

  it('builds from sources only: the context leaves out local installs, builds, data and env files', () => {
    // `COPY . .` would otherwise bring the host's node_modules (other platform) and secrets.
    const ignored = read('deploy/Dockerfile.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    for (const pattern of ['**/node_modules', '**/dist', '**/.data', '**/.env', '**/.env.*'])
      expect(ignored).toContain(pattern);
  });

  it('runs the bundle the README runs, as a non-root user, with a liveness health check', () => {
    const all = instructions(dockerfile);
    const node = ['node', ...PRODUCTION_NODE_OPTIONS];
    expect(productionSection()).toContain(`${node.join(' ')} apps/server/dist/main.js`);
    expect(productionSection()).toContain(`${node.join(' ')} <dir>/dist/main.js`);
    expect(all.some((i) => i.op === 'COPY' && /\/apps\/server\/dist \.\/dist$/.test(i.args))).toBe(
      true,
    );
    expect(all.filter((i) => i.op === 'CMD').at(-1)?.args).toBe(
      JSON.stringify([...node, 'dist/main.js']).replaceAll(',', ', '),
    );

    const users = all.filter((i) => i.op === 'USER').map((i) => i.args);
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    const healthcheck = all.find((i) => i.op === 'HEALTHCHECK')?.args ?? '';
    expect(healthcheck).toContain('/health/live');
    expect(healthcheck).toMatch(/--interval=30s/); // the SLO's 30 s health-check cadence

    // Every stage on Node 20 (>= 20.19 per engines), the runtime in production mode.
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20[-.]/m);
    const froms = all.filter((i) => i.op === 'FROM').map((i) => i.args);
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) expect(from).toMatch(/^\$\{NODE_IMAGE\} AS \w+$/);
    const runtime = all.slice(all.map((i) => i.op).lastIndexOf('FROM'));
    expect(
      runtime
        .filter((i) => i.op === 'ENV')
        .map((i) => i.args)
        .join(' '),
    ).toMatch(/NODE_ENV=production/);
  });
});

describe('deploy/invoice-api.env.example', () => {
  const env = Object.fromEntries([...settings(envExample)].map(([k, v]) => [k, v.at(-1) ?? '']));

  it('is a valid production configuration for the server', () => {
    const config = parseEnv(env);
    expect(config.NODE_ENV).toBe('production');
    expect(config.FIREBASE_AUTH_EMULATOR_HOST).toBeUndefined();
    expect(config.MONGODB_URI).toMatch(/w=majority/);
  });

  it('names only variables the README documents', () => {
    const documented = new Set(
      [...readme.matchAll(/^\| `([A-Z_]+)`/gm)].map((m) => m[1]).filter((v) => v !== undefined),
    );
    for (const key of Object.keys(env)) expect(documented, key).toContain(key);
  });
});

describe('deploy/invoice-api.service', () => {
  const service = settings(unit);
  const env = Object.fromEntries([...settings(envExample)].map(([k, v]) => [k, v.at(-1) ?? '']));

  it('stops with SIGTERM and waits longer than the server drains', () => {
    expect(one(service, 'KillSignal')).toBe('SIGTERM');
    const stopSeconds = Number(/^(\d+)s?$/.exec(one(service, 'TimeoutStopSec'))?.[1]);
    const example = parseEnv(env);
    const defaults = parseEnv({});
    // The drain delay comes first, then up to SHUTDOWN_TIMEOUT_MS (main.ts).
    for (const config of [example, defaults])
      expect(stopSeconds * 1000).toBeGreaterThan(
        config.SHUTDOWN_DELAY_MS + config.SHUTDOWN_TIMEOUT_MS,
      );
  });

  it('waits for the shared upload volume to be mounted', () => {
    const uploadDir = parseEnv(env).UPLOAD_DIR;
    expect(one(service, 'RequiresMountsFor')).toBe(uploadDir);
    expect(one(service, 'ReadWritePaths')).toBe(uploadDir);
  });

  it('restarts on failure, reads the environment file, runs the bundle', () => {
    expect(one(service, 'Restart')).toBe('on-failure');
    // Retries a start that failed on an unreachable MongoDB forever (a start limit left
    // instances dead after an outage), but not a bad configuration (main.ts exits 78 for it).
    expect(one(service, 'StartLimitIntervalSec')).toBe('0');
    expect(one(service, 'RestartPreventExitStatus')).toBe(String(EXIT_INVALID_CONFIG));
    expect(one(service, 'EnvironmentFile')).toMatch(/^\/etc\/invoice-api\/.+\.env$/);
    expect(one(service, 'ExecStart')).toMatch(/ \/\S+\/dist\/main\.js$/);
    expect(one(service, 'ExecStart')).toMatch(
      new RegExp(`^/usr/bin/node ${PRODUCTION_NODE_OPTIONS.join(' ')} /`),
    );
    expect(one(service, 'User')).not.toBe('root');
  });

  it('is hardened and can write exactly where the example configuration keeps data', () => {
    expect(one(service, 'NoNewPrivileges')).toBe('yes');
    expect(one(service, 'ProtectSystem')).toBe('strict');
    expect(one(service, 'PrivateTmp')).toBe('yes');
    expect(one(service, 'CapabilityBoundingSet')).toBe('');
    const writable = [
      ...one(service, 'ReadWritePaths').split(/\s+/),
      ...one(service, 'StateDirectory')
        .split(/\s+/)
        .map((dir) => `/var/lib/${dir}`),
    ];
    const config = parseEnv(env);
    for (const dir of [config.UPLOAD_DIR, config.DATA_DIR])
      expect(
        writable.some((w) => dir === w || dir.startsWith(`${w}/`)),
        dir,
      ).toBe(true);
  });
});
