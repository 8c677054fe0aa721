import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  bundleServer,
  EXTERNAL_PACKAGES,
  packageName,
  PRODUCTION_NODE_OPTIONS,
  SERVER_DIR,
  type BundleResult,
} from '../bundle.js';
import { emulatorSignIn } from '../src/dev/emulator-tokens.js';
import { startChildServer } from './child-server.js';

/**
 * The production bundle (`pnpm build` → dist/main.js), built here into a temporary directory
 * inside apps/server (so its npm imports resolve from apps/server/node_modules, as dist's do)
 * and run with plain `node` and production's Node options in production mode against the test database.
 */

const PROJECT_ID = 'some-prod-project';

/** Output files reachable from main.js through static imports: what production loads. */
function staticallyLoaded(result: BundleResult, outdir: string): string[] {
  const outputs = result.metafile.outputs;
  const key = (file: string) => relative(SERVER_DIR, join(outdir, file));
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const imported of outputs[file]?.imports ?? [])
      if (!imported.external && imported.kind === 'import-statement') visit(imported.path);
  };
  visit(key('main.js'));
  return [...seen];
}

/** An unsigned token (`alg: none`) with valid-looking claims for the production project. */
function forgedUnsignedToken(): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({
    iss: `https://securetoken.google.com/${PROJECT_ID}`,
    aud: PROJECT_ID,
    sub: 'attacker',
    user_id: 'attacker',
    email: 'attacker@example.com',
    email_verified: true,
    auth_time: now,
    iat: now,
    exp: now + 3600,
  })}.`;
}

describe('production bundle', () => {
  let outdir: string;
  let result: BundleResult;

  beforeAll(async () => {
    await mkdir(join(SERVER_DIR, '.tmp'), { recursive: true });
    outdir = await mkdtemp(join(SERVER_DIR, '.tmp', 'bundle-'));
    result = await bundleServer(outdir);
  });
  afterAll(() => rm(outdir, { recursive: true, force: true }));

  it('inlines the workspace packages and leaves only declared npm dependencies external', () => {
    const inputs = Object.keys(result.metafile.inputs);
    for (const workspace of ['api', 'db', 'validators'])
      expect(inputs.some((i) => i.startsWith(`../../packages/${workspace}/src/`))).toBe(true);
    const externals = Object.values(result.metafile.outputs)
      .flatMap((output) => output.imports)
      .filter((i) => i.external)
      .map((i) => i.path);
    expect(externals.length).toBeGreaterThan(0);
    for (const path of externals)
      expect(isBuiltin(path) || EXTERNAL_PACKAGES.includes(packageName(path)), path).toBe(true);
    expect(externals.some((p) => p.startsWith('@invoice/'))).toBe(false);
  });

  it('keeps the zero-config code (embedded database, emulator launcher) out of what production loads', () => {
    const loaded = staticallyLoaded(result, outdir);
    expect(loaded).toContain(relative(SERVER_DIR, join(outdir, 'main.js')));
    const loadedInputs = loaded.flatMap((file) =>
      Object.keys(result.metafile.outputs[file]?.inputs ?? {}),
    );
    expect(loadedInputs.some((i) => i.includes('packages/mongo-embedded'))).toBe(false);
    expect(loadedInputs.some((i) => i.startsWith('src/dev/'))).toBe(false);
    const loadedExternals = loaded.flatMap((file) =>
      (result.metafile.outputs[file]?.imports ?? []).filter((i) => i.external).map((i) => i.path),
    );
    for (const devOnly of ['firebase-tools', 'tsx', 'pino-pretty', 'vitest', 'esbuild'])
      expect(loadedExternals.map(packageName)).not.toContain(devOnly);
    // ...while zero-config mode still has it, in a chunk loaded on demand.
    const all = Object.keys(result.metafile.inputs);
    expect(all.some((i) => i.includes('packages/mongo-embedded'))).toBe(true);
  });

  it('runs with node in production mode: live, ready, rejects emulator tokens, exits 0 on SIGTERM', async () => {
    const server = await startChildServer(
      'bundle',
      {
        NODE_ENV: 'production',
        FIREBASE_PROJECT_ID: PROJECT_ID,
        FIREBASE_AUTH_EMULATOR_HOST: undefined,
      },
      { entry: result.main, nodeOptions: PRODUCTION_NODE_OPTIONS },
    );
    const base = `http://127.0.0.1:${server.port}`;
    try {
      expect((await fetch(`${base}/health/live`)).status).toBe(200);
      const ready = await fetch(`${base}/health/ready`);
      expect(ready.status, await ready.clone().text()).toBe(200);

      // A real emulator token (unsigned) and a forged unsigned one for this very project.
      const emulatorUser = await emulatorSignIn(
        inject('firebaseAuthEmulatorHost'),
        'demo-invoices',
        'bundle-prod@example.test',
      );
      for (const token of [emulatorUser.idToken, forgedUnsignedToken()]) {
        const res = await fetch(`${base}/trpc/organization.list`, {
          headers: { authorization: `Bearer ${token}` },
        });
        expect(res.status).toBe(401);
      }
      // No zero-config service ran: no embedded database directory, no emulator.
      expect(existsSync(join(server.dataDir, 'mongo'))).toBe(false);
      expect(server.output()).not.toContain('ready: ');

      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      expect(server.output()).toContain('shutdown complete');
    } finally {
      await server.cleanup();
    }
  });
});
