import { describe, expect, it } from 'vitest';
import {
  cliInvocations,
  codeFragments,
  endpoints,
  envVars,
  MAX_DOCUMENT_CHARS,
  metrics,
  pnpmCalls,
  procedures,
  parseRouteTable,
  repoPaths,
  routeExists,
  ruleFileLabelSelectors,
  ruleFileMetrics,
  labelSelectors,
  labelSelectorsIn,
  loneFlags,
} from './extract.js';

const values = <T>(list: { value: T }[]) => list.map((o) => o.value);

describe('codeFragments', () => {
  it('reads inline spans and fenced lines, never prose', () => {
    const md = [
      'Prose names upload_bytes_total and MONGODB_URI without promising them.',
      'Run `invoice-admin backup` now.',
      '```sh',
      'curl http://127.0.0.1:3000/health/ready',
      '```',
    ].join('\n');
    expect(codeFragments(md).map((f) => [f.text, f.line, f.inline])).toEqual([
      ['invoice-admin backup', 2, true],
      ['curl http://127.0.0.1:3000/health/ready', 4, false],
    ]);
  });

  it('treats an unclosed fence as code to the end, and survives empty or odd input', () => {
    expect(codeFragments('```\n`a`\nb').map((f) => f.text)).toEqual(['`a`', 'b']);
    expect(codeFragments('')).toEqual([]);
    expect(codeFragments('`` `` ` unbalanced')).toEqual([]);
  });

  it('refuses an oversized document instead of scanning it', () => {
    expect(() => codeFragments('x'.repeat(MAX_DOCUMENT_CHARS + 1))).toThrow(/too large/);
  });
});

describe('cliInvocations', () => {
  it('splits command words from flags and stops at shell operators and comments', () => {
    const md = [
      '```sh',
      'invoice-admin db migrate status --json | jq . # then',
      'node apps/cli/bin/invoice-admin.js backup --out=/var/backups/x --gzip',
      'invoice-admin member grant --org 64b --role admin && invoice-admin org list',
      '```',
      'The `invoice-admin <command> --help` form.',
    ].join('\n');
    expect(values(cliInvocations(md, 'f.md'))).toEqual([
      { words: ['db', 'migrate', 'status'], flags: ['--json'] },
      { words: ['backup'], flags: ['--out', '--gzip'] },
      { words: ['member', 'grant'], flags: ['--org', '--role'] },
      { words: ['org', 'list'], flags: [] },
      { words: [], flags: ['--help'] },
    ]);
  });
});

describe('endpoints', () => {
  it('finds method + path spans and URL paths, skips filesystem paths', () => {
    const md = [
      '`GET /health/ready`, `/metrics`, `POST /v1/orgs/:orgId/invoices/:invoiceId/attachments`, `/v1/...`',
      '`/var/lib/invoices/uploads` and `/etc/systemd/system/invoice-api.service` are files.',
      '```',
      'curl -sf -X POST https://api.example.com/trpc/invoice.issue?batch=1',
      'curl -sI https://www.googleapis.com/robot/v1/metadata/x509/x && curl $base/metrics',
      '```',
    ].join('\n');
    expect(values(endpoints(md, 'f.md'))).toEqual([
      { method: 'GET', path: '/health/ready' },
      { method: null, path: '/metrics' },
      { method: 'POST', path: '/v1/orgs/:orgId/invoices/:invoiceId/attachments' },
      { method: null, path: '/v1/' },
      { method: 'POST', path: '/trpc/invoice.issue' },
      { method: 'GET', path: '/metrics' },
    ]);
  });
});

describe('routeExists', () => {
  const routes = parseRouteTable(
    [
      '├── /health/ready (GET, HEAD)',
      '├── /v1/orgs/:orgId/invoices/:invoiceId/attachments (POST)',
      '└── /trpc/:path (GET, POST)',
      'garbage line',
    ].join('\n'),
  );

  it('parses Fastify route tables, ignoring other lines', () => {
    expect(routes).toHaveLength(5);
    expect(routes[0]).toEqual({ method: 'GET', path: '/health/ready' });
  });

  it.each([
    [{ method: 'GET', path: '/health/ready' }, true],
    [{ method: 'POST', path: '/health/ready' }, false],
    [{ method: null, path: '/v1/orgs/:orgId/invoices/:invoiceId/attachments' }, true],
    [{ method: 'GET', path: '/v1/orgs/:orgId/invoices/:invoiceId/attachments' }, false],
    [{ method: 'POST', path: '/v1/orgs/<org>/invoices/{id}/attachments' }, true],
    [{ method: null, path: '/v1/' }, true],
    [{ method: null, path: '/v2/' }, false],
    [{ method: 'GET', path: '/trpc/organization.list' }, true],
    [{ method: 'GET', path: '/trpc/a/b' }, false],
    [{ method: null, path: '/status' }, false],
  ])('%j exists: %s', (endpoint, expected) => {
    expect(routeExists(endpoint, routes)).toBe(expected);
  });
});

describe('procedures', () => {
  it('takes spans and /trpc paths in the router namespaces only', () => {
    const md = [
      '`invoice.issue` and `main.js` and `report.summary`',
      '```',
      'curl http://x/trpc/organization.list,member.list',
      '```',
    ].join('\n');
    const ns = new Set(['invoice', 'report', 'organization', 'member']);
    expect(values(procedures(md, 'f.md', ns))).toEqual([
      'invoice.issue',
      'report.summary',
      'organization.list',
      'member.list',
    ]);
  });
});

describe('metrics', () => {
  it('takes unit-suffixed or known-prefix names, not recording-rule names or paths', () => {
    const md =
      '`http_request_duration_seconds_bucket{le="0.5"}` `invoice:http_5xx:ratio_rate5m` ' +
      '`nodejs_heap_size_used_bytes` `apps/server/src/plugins/metrics.ts` `upload_dir` `up`';
    expect(values(metrics(md, 'f.md'))).toEqual([
      'http_request_duration_seconds_bucket',
      'nodejs_heap_size_used_bytes',
    ]);
  });

  it('reads every expression of a rule file, block or inline', () => {
    const yaml = [
      'groups:',
      '  - name: g',
      '    rules:',
      '      - record: invoice:x:ratio_rate5m',
      '        expr: |',
      '          sum(rate(http_request_duration_seconds_count{job="a"}[5m]))',
      '          / sum(rate(mongodb_command_duration_seconds_count[5m]))',
      '        labels:',
      '          summary: not_a_metric_total in a label is ignored',
      '      - alert: A',
      '        expr: upload_dir_free_bytes < 1',
    ].join('\n');
    expect(ruleFileMetrics(yaml, 'r.yml').map((o) => [o.value, o.where])).toEqual([
      ['http_request_duration_seconds_count', 'r.yml:6'],
      ['mongodb_command_duration_seconds_count', 'r.yml:7'],
      ['upload_dir_free_bytes', 'r.yml:11'],
    ]);
  });
});

describe('label selectors', () => {
  it('keeps label names of metric selectors, not values, recording rules or prose', () => {
    expect(
      labelSelectorsIn(
        'sum(rate(http_request_duration_seconds_count{job="invoice-api",route!~"/health/.*",status_class="5xx"}[5m])) / invoice:http_5xx:ratio_rate5m{job="x"} and up{job="invoice-api"} and upload_failures_total{reason=~"a|b"}',
      ),
    ).toEqual([
      {
        metric: 'http_request_duration_seconds_count',
        labels: ['job', 'route', 'status_class'],
      },
      { metric: 'up', labels: ['job'] },
      { metric: 'upload_failures_total', labels: ['reason'] },
    ]);
    // A value that looks like a selector is not one; empty braces and odd text give nothing.
    expect(labelSelectorsIn('x{}, upload_bytes_total{}, {a="b"}, ${HOME}, }{')).toEqual([]);
    expect(
      values(
        labelSelectors(
          'Prose upload_failures_total{reason="x"}, then `trpc_errors_total{code="NOT_FOUND"}`',
          'f.md',
        ),
      ),
    ).toEqual([{ metric: 'trpc_errors_total', labels: ['code'] }]);
  });

  it('reads rule expressions, inline and block, with their lines', () => {
    const yaml = [
      'groups:',
      '  - rules:',
      '      - alert: A',
      '        expr: |',
      '          sum(rate(mongodb_command_duration_seconds_count{outcome="error"}[1h]))',
      '        labels:',
      '          severity: page',
      '      - alert: B',
      '        expr: upload_dir_free_bytes{job="invoice-api"} < 1',
    ].join('\n');
    expect(ruleFileLabelSelectors(yaml, 'r.yml').map((o) => [o.value, o.where])).toEqual([
      [{ metric: 'mongodb_command_duration_seconds_count', labels: ['outcome'] }, 'r.yml:5'],
      [{ metric: 'upload_dir_free_bytes', labels: ['job'] }, 'r.yml:9'],
    ]);
  });
});

describe('envVars', () => {
  it('takes whole spans, assignments and $references, not placeholders or lower-case vars', () => {
    const md = [
      '`UPLOAD_DIR` and `--org ORG_ID` and `token=$(pnpm id-token a@b.c)`',
      '```',
      'NODE_ENV=production MONGODB_URI="mongodb://db/?replicaSet=rs0" node main.js',
      'echo ${DATA_DIR}/uploads $HOME',
      '```',
    ].join('\n');
    expect(values(envVars(md, 'f.md'))).toEqual([
      'UPLOAD_DIR',
      'NODE_ENV',
      'MONGODB_URI',
      'DATA_DIR',
    ]);
  });
});

describe('pnpmCalls', () => {
  it('finds root and filtered scripts, skipping pnpm built-ins and flags', () => {
    const md = [
      '```',
      'npx --yes pnpm@10.34.9 install && npx --yes pnpm@10.34.9 check',
      'pnpm --filter @invoice/cli invoice-admin backup --out /x',
      'pnpm --silent id-token a@b.c',
      'pnpm run build',
      'npx pnpm@10.34.9 --filter @invoice/server deploy --prod --legacy /tmp/x',
      '```',
    ].join('\n');
    expect(values(pnpmCalls(md, 'f.md'))).toEqual([
      { filter: null, script: 'check' },
      { filter: '@invoice/cli', script: 'invoice-admin' },
      { filter: null, script: 'id-token' },
      { filter: null, script: 'build' },
    ]);
  });
});

describe('repoPaths', () => {
  it('takes repository-relative spans, not globs, traversal or URLs', () => {
    const md =
      '`apps/server/src/env.ts` `deploy/Dockerfile` `docs/operations/alerts/*.yml` ' +
      '`apps/../../etc/passwd` `https://example.com/apps/x` `.ci/run:12`';
    expect(values(repoPaths(md, 'f.md'))).toEqual([
      'apps/server/src/env.ts',
      'deploy/Dockerfile',
      '.ci/run',
    ]);
  });
});

describe('loneFlags', () => {
  it('takes inline spans that are one flag, with or without a value, not commands', () => {
    const md = [
      'Pairs (`--paired-rounds`), `--timeout 5`, `--max-semi-space-size=64`, `--replSet rs0`.',
      'Not `invoice-admin backup --out x`, `-h`, `--`, `---x` or `--1`.',
      '```',
      '--in-a-fence',
      '```',
    ].join('\n');
    expect(values(loneFlags(md, 'f.md'))).toEqual([
      '--paired-rounds',
      '--timeout',
      '--max-semi-space-size',
      '--replSet',
    ]);
  });
});
