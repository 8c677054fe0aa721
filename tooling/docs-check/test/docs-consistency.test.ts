import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { ACCESS_CONTROL } from '@invoice/api';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import { run } from '@invoice/cli';
import { createDb, reconcileIndexes, type Database } from '@invoice/db';
import { buildApp, createFirebaseVerifier, parseEnv } from '@invoice/server';
import { testDatabaseName } from '@invoice/vitest-config/database-name';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  cliInvocations,
  endpoints,
  envVars,
  labelSelectors,
  loneFlags,
  metrics,
  pnpmCalls,
  parseRouteTable,
  procedures,
  repoPaths,
  routeExists,
  ruleFileLabelSelectors,
  ruleFileMetrics,
  type Occurrence,
} from '../src/extract.js';

/**
 * Every command, flag, endpoint, procedure, metric, environment variable, pnpm script and
 * repository path named in docs/operations (and every metric in its alert rules) exists in the
 * code: the real app's routes and /metrics scrape, the CLI's and the bench's --help, the config
 * schemas and package.json.
 */

const ROOT = new URL('../../../', import.meta.url).pathname;
const HANDBOOK = join(ROOT, 'docs/operations');

function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'tests' ? [] : filesUnder(path, suffix);
    return path.endsWith(suffix) ? [path] : [];
  });
}

const markdown = filesUnder(HANDBOOK, '.md').map((path) => ({
  file: relative(ROOT, path),
  text: readFileSync(path, 'utf8'),
}));
const ruleFiles = filesUnder(join(HANDBOOK, 'alerts'), '.yml').map((path) => ({
  file: relative(ROOT, path),
  text: readFileSync(path, 'utf8'),
}));

function collect<T>(extract: (text: string, file: string) => Occurrence<T>[]): Occurrence<T>[] {
  return markdown.flatMap(({ text, file }) => extract(text, file));
}

function show(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && 'path' in value) {
    const { method, path } = value as { method: string | null; path: string };
    return method === null ? path : `${method} ${path}`;
  }
  if (typeof value === 'object' && value !== null && 'script' in value) {
    const { filter, script } = value as { filter: string | null; script: string };
    return filter === null ? script : `--filter ${filter} ${script}`;
  }
  return JSON.stringify(value);
}

/** One line per unknown name, with where the handbook uses it. */
function unknown<T>(kind: string, found: Occurrence<T>[], known: (value: T) => boolean): string[] {
  return found.filter((o) => !known(o.value)).map((o) => `${kind} ${show(o.value)} (${o.where})`);
}

/** Metrics the handbook names that other programs export, with who exports them. */
const EXTERNAL_METRICS: Record<string, string> = {
  probe_success: 'blackbox_exporter',
  probe_duration_seconds: 'blackbox_exporter',
  probe_http_status_code: 'blackbox_exporter',
};

/** Flags of other programs the handbook names on their own, with the program. */
const EXTERNAL_FLAGS: Record<string, string> = {
  '--replSet': 'mongod',
};

/** Every `--flag` a help text lists. */
function helpFlags(text: string): string[] {
  return [...text.matchAll(/(?:^|[\s,[(])(--[a-zA-Z][\w-]*)/gm)].map((m) => m[1] ?? '');
}

/** `node --help`: Node's own flags and environment variables. */
const NODE_HELP = execFileSync(process.execPath, ['--help'], { encoding: 'utf8' });

/** `pnpm bench -- --help`, run as the bench's script runs it (tsx, from bench/). */
function benchHelp(): string {
  return execFileSync(process.execPath, ['--import', 'tsx', 'src/main.ts', '--help'], {
    cwd: join(ROOT, 'bench'),
    encoding: 'utf8',
  });
}

/**
 * Variables read by a dependency, checked in that dependency's installed source: the chain of
 * packages from the server to it, and the file (relative to the last package's entry point).
 */
const DEPENDENCY_ENV: Record<string, { chain: string[]; file: string }> = {
  // firebase-admin's Application Default Credentials come from google-auth-library.
  GOOGLE_APPLICATION_CREDENTIALS: {
    chain: ['firebase-admin', 'google-auth-library'],
    file: 'auth/googleauth.js',
  },
};

function dependencySource(chain: readonly string[], file: string): string {
  let from = join(ROOT, 'apps/server/package.json');
  for (const name of chain) from = createRequire(from).resolve(name);
  return readFileSync(join(dirname(from), file), 'utf8');
}

function schemaKeys(path: string): string[] {
  return [...readFileSync(join(ROOT, path), 'utf8').matchAll(/^\s+([A-Z][A-Z0-9_]+): /gm)].map(
    (m) => m[1] ?? '',
  );
}

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|js|mjs)$/.test(name) ? [path] : [];
  });
}

function knownEnv(): Set<string> {
  const names = new Set([
    ...schemaKeys('apps/server/src/env.ts'),
    ...schemaKeys('apps/cli/src/env.ts'),
  ]);
  for (const top of ['apps', 'packages', 'tooling', 'bench']) {
    for (const file of sourceFiles(join(ROOT, top))) {
      for (const m of readFileSync(file, 'utf8').matchAll(
        /process\.env(?:\.([A-Z][A-Z0-9_]+)|\[['"]([A-Z][A-Z0-9_]+)['"]\])/g,
      )) {
        names.add(m[1] ?? m[2] ?? '');
      }
    }
  }
  for (const m of readFileSync(join(ROOT, '.ci/run'), 'utf8').matchAll(/^export ([A-Z_]+)=/gm)) {
    names.add(m[1] ?? '');
  }
  // Node's own variables, as its --help lists them (NODE_OPTIONS, ...).
  for (const m of NODE_HELP.matchAll(/^([A-Z][A-Z0-9_]+)\s/gm)) names.add(m[1] ?? '');
  for (const [name, { chain, file }] of Object.entries(DEPENDENCY_ENV)) {
    const source = dependencySource(chain, file);
    const reads = [`process.env.${name}`, `process.env['${name}']`, `process.env["${name}"]`];
    if (reads.some((read) => source.includes(read))) names.add(name);
  }
  return names;
}

function knownScripts(): Map<string | null, Set<string>> {
  const scripts = new Map<string | null, Set<string>>();
  const read = (dir: string, root: boolean) => {
    const path = join(dir, 'package.json');
    if (!existsSync(path)) return;
    const pkg = JSON.parse(readFileSync(path, 'utf8')) as {
      name?: string;
      scripts?: Record<string, string>;
    };
    const names = new Set(Object.keys(pkg.scripts ?? {}));
    scripts.set(root ? null : (pkg.name ?? dir), names);
  };
  read(ROOT, true);
  for (const top of ['apps', 'packages', 'tooling']) {
    for (const name of readdirSync(join(ROOT, top))) read(join(ROOT, top, name), false);
  }
  read(join(ROOT, 'bench'), false);
  return scripts;
}

interface CliHelp {
  commands: Map<string, Set<string>>;
  globalFlags: Set<string>;
}

/** Parses `invoice-admin --help`: command lines (2 spaces), their options, global options. */
function parseCliHelp(text: string): CliHelp {
  const commands = new Map<string, Set<string>>();
  const globalFlags = new Set<string>();
  let section = '';
  let current: Set<string> | null = null;
  for (const line of text.split('\n')) {
    if (/^\S/.test(line)) {
      section = line;
      current = null;
      continue;
    }
    const flags = [...line.matchAll(/(?:^|\s|,)(--[a-z][a-z-]*|-[a-z])\b/g)].map((m) => m[1] ?? '');
    if (section.startsWith('Commands')) {
      const command = /^ {2}([a-z][a-z -]*[a-z])\s*$/.exec(line);
      if (command?.[1] !== undefined) {
        current = new Set();
        commands.set(command[1], current);
      } else if (current && /^ {6}-/.test(line)) {
        for (const flag of flags) current.add(flag);
      }
    } else if (section.startsWith('Global options')) {
      for (const flag of flags) globalFlags.add(flag);
    }
  }
  return { commands, globalFlags };
}

describe('docs/operations names only what exists', () => {
  let app: Awaited<ReturnType<typeof buildApp>>;
  let db: Database;
  let uploadDir: string;
  let metricTypes: Set<string>;
  /** Label names of every series in the scrape, by series name (`x_bucket` has `le`). */
  let seriesLabels: Map<string, Set<string>>;
  let cliHelp: CliHelp;

  beforeAll(async () => {
    uploadDir = await mkdtemp(join(tmpdir(), 'invoice-docs-check-'));
    const config = parseEnv({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      FIREBASE_PROJECT_ID: 'demo-invoices',
      UPLOAD_DIR: uploadDir,
      MIN_FREE_DISK_BYTES: '1',
    });
    db = createDb({
      uri: inject('mongoUri'),
      dbName: testDatabaseName('docs-check'),
      monitorCommands: true,
    });
    await reconcileIndexes(db.db);
    app = await buildApp({
      config,
      db,
      verifier: createFirebaseVerifier(config.FIREBASE_PROJECT_ID),
    });
    await app.ready();

    // Traffic first, so labelled series exist: a public tRPC call, a refused one (tRPC error,
    // rejected token), an upload attempt, readiness.
    expect((await app.inject({ url: '/trpc/system.ping' })).statusCode).toBe(200);
    const refused = await app.inject({
      url: '/trpc/organization.list',
      headers: { authorization: 'Bearer not-a-token' },
    });
    expect(refused.statusCode).toBe(401);
    const upload = await app.inject({
      method: 'POST',
      url: '/v1/orgs/000000000000000000000000/invoices/000000000000000000000000/attachments',
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      payload:
        '--x\r\ncontent-disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF-1.4\r\n--x--\r\n',
    });
    expect(upload.statusCode).toBe(401);
    expect((await app.inject({ url: '/health/ready' })).statusCode).toBe(200);

    const scrape = await app.inject({ url: '/metrics' });
    expect(scrape.statusCode).toBe(200);
    metricTypes = new Set(
      [...scrape.body.matchAll(/^# TYPE (\S+) (\w+)$/gm)].map((m) => `${m[1]} ${m[2]}`),
    );
    seriesLabels = new Map();
    for (const [, name = '', labels = ''] of scrape.body.matchAll(
      /^([a-zA-Z_:][\w:]*)\{([^}]*)\}/gm,
    )) {
      const set = seriesLabels.get(name) ?? new Set<string>();
      for (const [, label = ''] of labels.matchAll(/([a-zA-Z_]\w*)="/g)) set.add(label);
      seriesLabels.set(name, set);
    }

    const out: string[] = [];
    expect(await run(['--help'], { out: (t) => out.push(t), err: (t) => out.push(t) })).toBe(0);
    cliHelp = parseCliHelp(out.join('\n'));
  });

  afterAll(async () => {
    await app.close();
    await db.db.dropDatabase();
    await db.close();
    await rm(uploadDir, { recursive: true, force: true });
  });

  it('reads a handbook that exists and names things', () => {
    expect(markdown.map((m) => m.file)).toContain('docs/operations/README.md');
    expect(collect(endpoints).length).toBeGreaterThan(0);
    expect(collect(metrics).length).toBeGreaterThan(0);
    expect(collect(cliInvocations).length).toBeGreaterThan(0);
    expect(collect(envVars).length).toBeGreaterThan(0);
  });

  it('every endpoint is a route of the app (method included when named)', () => {
    const routes = parseRouteTable(app.printRoutes({ commonPrefix: false }));
    expect(routes.length).toBeGreaterThan(5);
    const missing = unknown('endpoint', collect(endpoints), (e) => routeExists(e, routes));
    expect(missing, `Unknown endpoints in docs/operations:\n${missing.join('\n')}`).toEqual([]);
  });

  it('every tRPC procedure is in the router', () => {
    const known = new Set<string>(ACCESS_CONTROL.map((e) => e.procedure));
    const namespaces = new Set([...known].map((p) => p.split('.')[0] ?? ''));
    const found = markdown.flatMap(({ text, file }) => procedures(text, file, namespaces));
    const missing = unknown('procedure', found, (p) => known.has(p));
    expect(missing, `Unknown procedures:\n${missing.join('\n')}`).toEqual([]);
  });

  it('every metric (handbook and alert rules) is in a real /metrics scrape', () => {
    const names = new Set([...metricTypes].map((t) => t.split(' ')[0] ?? ''));
    const histograms = new Set(
      [...metricTypes].filter((t) => t.endsWith(' histogram')).map((t) => t.split(' ')[0]),
    );
    const exists = (name: string) => {
      if (names.has(name) || name in EXTERNAL_METRICS) return true;
      const base = name.replace(/_(bucket|sum|count)$/, '');
      return base !== name && histograms.has(base);
    };
    const found = [
      ...collect(metrics),
      ...ruleFiles.flatMap(({ text, file }) => ruleFileMetrics(text, file)),
    ];
    expect(found.length).toBeGreaterThan(10);
    const missing = unknown('metric', found, exists);
    expect(missing, `Unknown metrics:\n${missing.join('\n')}`).toEqual([]);
  });

  it('every label in a metric selector (handbook and alert rules) is a label of that metric', () => {
    // Prometheus adds the target labels; the rest must be labels the server puts on the series.
    const TARGET_LABELS = new Set(['job', 'instance']);
    const found = [
      ...collect(labelSelectors),
      ...ruleFiles.flatMap(({ text, file }) => ruleFileLabelSelectors(text, file)),
    ];
    // Only selectors of metrics with a labelled series in the scrape can be checked (the
    // blackbox exporter's and a histogram nobody observed yet have none): most must be.
    const checkable = found.filter((o) => seriesLabels.has(o.value.metric));
    expect(checkable.length).toBeGreaterThan(30);
    const wrong = checkable.flatMap(({ value, where }) =>
      value.labels
        .filter((label) => !TARGET_LABELS.has(label) && !seriesLabels.get(value.metric)?.has(label))
        .map((label) => `  ${value.metric}{${label}} at ${where}`),
    );
    expect(wrong, `Labels the metric does not have:\n${wrong.join('\n')}`).toEqual([]);
  });

  it('every environment variable is read by the server, the CLI, a script or a dependency', () => {
    const known = knownEnv();
    // tRPC error codes (`NOT_FOUND`, `SERVICE_UNAVAILABLE`) look like variables and are not.
    const codes = new Set(Object.keys(TRPC_ERROR_CODES_BY_KEY));
    const found = collect(envVars).filter((o) => !codes.has(o.value));
    const missing = unknown('env', found, (name) => known.has(name));
    expect(missing, `Unknown environment variables:\n${missing.join('\n')}`).toEqual([]);
  });

  it('every server configuration variable has a row in the README configuration table', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const rows = new Set([...readme.matchAll(/^\| `([A-Z][A-Z0-9_]+)`/gm)].map((m) => m[1] ?? ''));
    const variables = schemaKeys('apps/server/src/env.ts');
    expect(variables.length).toBeGreaterThan(10);
    const undocumented = variables.filter((name) => !rows.has(name));
    expect(undocumented, 'Add a README configuration row for each').toEqual([]);
  });

  it('every invoice-admin command and option is in invoice-admin --help', () => {
    expect(cliHelp.commands.size).toBeGreaterThan(5);
    const missing: string[] = [];
    for (const { value, where } of collect(cliInvocations)) {
      const path = value.words.join(' ');
      const commandFlags = cliHelp.commands.get(path);
      const isGroup = [...cliHelp.commands.keys()].some((c) => c.startsWith(`${path} `));
      if (path !== '' && commandFlags === undefined && !isGroup) {
        missing.push(`invoice-admin ${path} (${where})`);
        continue;
      }
      for (const flag of value.flags) {
        if (!cliHelp.globalFlags.has(flag) && !commandFlags?.has(flag)) {
          missing.push(`invoice-admin ${path} ${flag} (${where})`);
        }
      }
    }
    expect(missing, `Unknown CLI commands or options:\n${missing.join('\n')}`).toEqual([]);
  });

  it('every flag named on its own is an option of invoice-admin, pnpm bench, node or a named program', () => {
    const bench = helpFlags(benchHelp());
    expect(bench).toContain('--paired-rounds');
    const node = [
      ...helpFlags(NODE_HELP),
      ...helpFlags(execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' })),
    ];
    const known = new Set([
      ...cliHelp.globalFlags,
      ...[...cliHelp.commands.values()].flatMap((flags) => [...flags]),
      ...bench,
      ...node,
      ...Object.keys(EXTERNAL_FLAGS),
    ]);
    const found = collect(loneFlags);
    expect(found.length).toBeGreaterThan(10);
    const missing = unknown('flag', found, (flag) => known.has(flag));
    expect(missing, `Unknown flags:\n${missing.join('\n')}`).toEqual([]);
  });

  it('every pnpm script exists in the package it runs in', () => {
    const scripts = knownScripts();
    const missing = unknown('pnpm', collect(pnpmCalls), ({ filter, script }) =>
      Boolean(scripts.get(filter)?.has(script)),
    );
    expect(missing, `Unknown pnpm scripts:\n${missing.join('\n')}`).toEqual([]);
  });

  it('every repository path exists', () => {
    // Paths git ignores (`apps/server/.data/mongo`) are made at run time: they need not exist.
    const ignoredByGit = (path: string) => {
      try {
        execFileSync('git', ['check-ignore', '-q', '--no-index', path], { cwd: ROOT });
        return true;
      } catch {
        return false;
      }
    };
    const missing = unknown(
      'path',
      collect(repoPaths),
      (path) => existsSync(join(ROOT, path)) || ignoredByGit(path),
    );
    expect(missing, `Missing files:\n${missing.join('\n')}`).toEqual([]);
  });
});
