import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { benchReportSchema } from '../src/results.js';

const run = promisify(execFile);
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/**
 * Runs the real harness briefly against the real stack (Auth emulator, embedded database,
 * server child) and checks what it writes. Figures are machine-dependent: none is asserted.
 */
describe('pnpm bench harness', () => {
  let out = '';
  afterAll(async () => {
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('runs the floor, the raw route and invoice.byId (also in paired runs, before and after the scenarios) and writes JSON, Markdown and a PNG chart', async () => {
    out = await mkdtemp(join(tmpdir(), 'invoice-bench-smoke-'));
    const { stdout, stderr } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        main,
        '--only',
        'http.empty,raw.mongo.findOne,invoice.byId',
        '--invoices',
        '120',
        '--duration',
        '1',
        '--warmup',
        '0',
        '--connections',
        '4',
        '--paired-rounds',
        '2',
        '--fresh-paired-rounds',
        '2',
        '--paired-duration',
        '0.5',
        '--out',
        out,
      ],
      // A hang guard, not a speed check: alone on the 2-core machine this takes about 60 s, but
      // under the parallel test load of `pnpm check` the stack-up alone once took 108 s.
      { timeout: 480_000 },
    );
    expect(stdout).toContain('SLO verdicts:');
    // The stack-up time is split by step, so a slow start says which part was slow.
    expect(stderr).toMatch(
      /stack up in [\d.]+ s \(bundles [\d.]+ s, Auth emulator [\d.]+ s, database ready after [\d.]+ s, server [\d.]+ s\)/,
    );
    // Each paired run reports the server's and the database's CPU per request.
    expect(stderr).toMatch(/invoice\.byId +\d+ req\/s {2}cpu µs \d+ {2}db cpu µs \d+/);

    const files = (await readdir(out)).sort();
    expect(files.map((f) => f.replace(/^.*\./, ''))).toEqual(['json', 'md', 'png']);
    const json = files.find((f) => f.endsWith('.json')) ?? '';
    const report = benchReportSchema.parse(JSON.parse(await readFile(join(out, json), 'utf8')));
    expect(report.scenarios.map((s) => s.id)).toEqual([
      'http.empty',
      'raw.mongo.findOne',
      'invoice.byId',
    ]);
    expect(report.settings).toMatchObject({ connections: 4, durationSeconds: 1, invoices: 120 });
    expect(report.seed.invoiceCount).toBe(120);
    expect(report.seed.listPages).toBe(3);
    for (const scenario of report.scenarios) {
      expect(scenario.requests).toBeGreaterThan(0);
      expect(scenario.statusCounts['200']).toBe(scenario.requests);
      expect(scenario.non2xx).toBe(0);
      // Serving a request costs the server some CPU: a zero would mean the probe measured nothing.
      expect(scenario.serverCpuUsPerRequest).toBeGreaterThan(0);
      // The database child (split topology): measured on Linux, where /proc exists.
      if (process.platform === 'linux' && scenario.dbCommandsPerRequest > 0) {
        expect(scenario.databaseCpuUsPerRequest).toBeGreaterThan(0);
      }
    }
    expect(
      report.ratios.find((r) => r.name === 'invoice.byId / HTTP floor')?.value,
    ).toBeGreaterThan(0);
    expect(report.slos.map((s) => s.name)).toContain('invoice.byId p99 at 4 connections');
    // Two pairs in alternating order after the scenarios, two on the fresh server before them,
    // and the ratio verdict judged on the former and naming the latter.
    expect(report.pairedRatios.map((r) => r.when).sort()).toEqual(['afterScenarios', 'fresh']);
    for (const paired of report.pairedRatios) {
      expect(paired.rounds.map((r) => r.first)).toEqual(['baseline', 'subject']);
      for (const round of paired.rounds) {
        expect(round.baselineRps).toBeGreaterThan(0);
        expect(round.subjectRps).toBeGreaterThan(0);
      }
      expect(paired.value).toBeGreaterThan(0);
    }
    const ratioVerdict = report.slos.find(
      (s) => s.name === 'invoice.byId throughput vs raw MongoDB route',
    );
    const after = report.pairedRatios.find((r) => r.when === 'afterScenarios');
    const fresh = report.pairedRatios.find((r) => r.when === 'fresh');
    const pct = (v: number | null | undefined) => `${((v ?? 0) * 100).toFixed(1)}%`;
    expect(ratioVerdict?.measured.startsWith(`${pct(after?.value)} (geometric mean of 2`)).toBe(
      true,
    );
    expect(ratioVerdict?.measured).toContain(`on the fresh server: ${pct(fresh?.value)}`);

    const markdown = await readFile(join(out, json.replace(/json$/, 'md')), 'utf8');
    expect(markdown).toContain('| `invoice.byId` | api | 4 |');
    const png = await readFile(join(out, json.replace(/json$/, 'png')));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  });
});
