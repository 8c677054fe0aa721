import type { PairedRatio } from './paired.js';
import type { BenchReport } from './results.js';

const verdict = (pass: boolean | null) => (pass === null ? 'n/a' : pass ? 'PASS' : 'FAIL');

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The Markdown report: settings, one row per scenario, ratios and SLO verdicts. */
export function renderMarkdown(report: BenchReport, chartFile: string | null): string {
  const s = report.settings;
  const m = report.machine;
  const parts = [
    `# Load benchmark ${report.startedAt}`,
    '',
    `Commit ${report.gitCommit ?? 'unknown'} · Node ${m.node} · ${m.cpus}× ${m.cpuModel} · ${m.totalMemoryGiB} GiB`,
    `${s.connections} connections (uploads ${s.uploadConnections}) · ${s.durationSeconds} s per scenario after ${s.warmupSeconds} s warm-up · ` +
      `${report.seed.invoiceCount} invoices seeded in ${report.timings.seedSeconds} s (stack up in ${report.timings.stackStartSeconds} s) · topology: ${s.topology} · server log level ${s.logLevel}`,
    '',
    '## Scenarios',
    '',
    table(
      [
        'scenario',
        'group',
        'conns',
        'req/s',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'max ms',
        'requests',
        'non-2xx',
        'errors',
        'db commands/req',
        'db p90 ms',
        'API CPU µs/req',
        'db CPU µs/req',
      ],
      report.scenarios.map((r) => [
        `\`${r.id}\``,
        r.group,
        String(r.connections),
        r.requestsPerSecond.toFixed(0),
        r.latencyMs.p50.toFixed(1),
        r.latencyMs.p95.toFixed(1),
        r.latencyMs.p99.toFixed(1),
        r.latencyMs.max.toFixed(1),
        String(r.requests),
        r.non2xx === 0
          ? '0'
          : `${r.non2xx} (${Object.entries(r.statusCounts)
              .filter(([code]) => !code.startsWith('2'))
              .map(([code, n]) => `${code}×${n}`)
              .join(', ')})`,
        String(r.errors),
        r.dbCommandsPerRequest === 0
          ? '0'
          : `${r.dbCommandsPerRequest} (${Object.entries(r.dbCommandsByName)
              .map(([name, n]) => `${name} ${n}`)
              .join(', ')})`,
        r.dbCommands === 0 ? '—' : r.dbCommandMs.p90.toFixed(1),
        String(r.serverCpuUsPerRequest),
        r.databaseCpuUsPerRequest === null ? '—' : String(r.databaseCpuUsPerRequest),
      ]),
    ),
    '',
    '## Throughput ratios',
    '',
    table(
      ['ratio', 'value'],
      [
        ...report.ratios.map((r) => [r.name, r.value === null ? 'n/a' : r.value.toFixed(3)]),
        ...report.pairedRatios.map((r) => [
          `${r.name}: geometric mean of ${pairedRounds(r)}`,
          r.value === null ? 'n/a' : r.value.toFixed(3),
        ]),
      ],
    ),
    '',
    '## SLO verdicts',
    '',
    table(
      ['objective', 'target', 'measured', 'verdict'],
      report.slos.map((v) => [v.name, v.target, v.measured, verdict(v.pass)]),
    ),
  ];
  if (chartFile) parts.push('', `![latency percentiles](${chartFile})`);
  return `${parts.join('\n')}\n`;
}

/** "4 back-to-back pairs of 5 s: 0.552 (raw.mongo.findOne first), 0.571 (invoice.byId first), ..." */
function pairedRounds(r: PairedRatio): string {
  const rounds = r.rounds
    .map(
      (round) =>
        `${round.ratio === null ? 'n/a' : round.ratio.toFixed(3)} (${round.first === 'baseline' ? r.denominator : r.numerator} first)`,
    )
    .join(', ');
  return `${r.rounds.length} back-to-back pairs of ${r.secondsPerRun} s: ${rounds}`;
}

/** A compact terminal table. */
export function renderConsole(report: BenchReport): string {
  const rows = report.scenarios.map(
    (r) =>
      `${r.id.padEnd(32)}${String(r.connections).padStart(4)}${r.requestsPerSecond.toFixed(0).padStart(9)}` +
      `${r.latencyMs.p50.toFixed(1).padStart(9)}${r.latencyMs.p95.toFixed(1).padStart(9)}` +
      `${r.latencyMs.p99.toFixed(1).padStart(9)}${String(r.non2xx).padStart(9)}${r.dbCommandsPerRequest.toFixed(1).padStart(8)}` +
      `${(r.dbCommands === 0 ? '-' : r.dbCommandMs.p90.toFixed(1)).padStart(9)}` +
      `${String(r.serverCpuUsPerRequest).padStart(10)}` +
      `${String(r.databaseCpuUsPerRequest ?? '-').padStart(11)}`,
  );
  const ratios = [
    ...report.ratios
      .filter((r) => r.value !== null)
      .map((r) => `  ${r.name.padEnd(54)} ${(r.value ?? 0).toFixed(3)}`),
    ...report.pairedRatios.map(
      (r) =>
        `  ${r.name.padEnd(54)} ${r.value === null ? 'n/a' : r.value.toFixed(3)} (${pairedRounds(r)})`,
    ),
  ];
  const slos = report.slos.map(
    (v) => `  ${verdict(v.pass).padEnd(5)} ${v.name.padEnd(48)} ${v.measured} (target ${v.target})`,
  );
  return [
    `${'scenario'.padEnd(32)}${'conn'.padStart(4)}${'req/s'.padStart(9)}${'p50 ms'.padStart(9)}${'p95 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'non-2xx'.padStart(9)}${'db/req'.padStart(8)}${'db p90'.padStart(9)}${'cpu µs'.padStart(10)}${'db cpu µs'.padStart(11)}`,
    ...rows,
    '',
    'ratios (throughput):',
    ...ratios,
    '',
    'SLO verdicts:',
    ...slos,
    '',
  ].join('\n');
}
