import { randomBytes } from 'node:crypto';
import type { HttpRequest } from './load.js';
import { LIST_PAGE_SIZE, type Seeded } from './seed.js';

/**
 * `api` scenarios are judged against the SLOs; `capacity` ones are API scenarios driven past
 * a realistic concurrency, reported (and counted for 5xx) but not judged on latency.
 */
export type ScenarioGroup = 'baseline' | 'api' | 'capacity' | 'transport';

export interface Scenario {
  id: string;
  group: ScenarioGroup;
  description: string;
  /** Which server of the child process it hits (`appOfficial`: TRPC_FAST_PATH=false). */
  target: 'app' | 'appOfficial' | 'baseline';
  /** Overrides the run's connection count (uploads). */
  connections?: number;
  request: HttpRequest | (() => HttpRequest);
}

export interface ScenarioContext {
  seeded: Seeded;
  /** The bench user: its token for the API, its uid for the raw access-read route. */
  uid: string;
  idToken: string;
  uploadBytes: number;
  uploadConnections: number;
  /** report.summary's concurrency (it reads every invoice of the org). */
  reportConnections: number;
  /** The run's connection count, for the report.summary capacity row. */
  connections: number;
}

/** tRPC's HTTP encoding with superjson: `{ json: input }`, GET for queries, POST for mutations. */
function trpcQuery(path: string, input: unknown, headers: Record<string, string>): HttpRequest {
  const encoded = encodeURIComponent(JSON.stringify({ json: input }));
  return { method: 'GET', path: `/trpc/${path}?input=${encoded}`, headers };
}

function trpcMutation(path: string, input: unknown, headers: Record<string, string>): HttpRequest {
  return {
    method: 'POST',
    path: `/trpc/${path}`,
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ json: input }),
  };
}

/** Cycles through a list, one item per call. */
function rotate<T>(items: readonly T[]): () => T {
  if (items.length === 0) throw new Error('nothing to rotate through');
  let i = 0;
  return () => items[i++ % items.length] as T;
}

/** A multipart/form-data body holding one PDF-typed file of exactly `size` bytes. */
export function multipartPdf(size: number): { body: Buffer; contentType: string } {
  const boundary = `----bench${randomBytes(8).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench.pdf"\r\n` +
      'Content-Type: application/pdf\r\n\r\n',
  );
  const magic = Buffer.from('%PDF-1.7\n');
  const file = Buffer.concat([magic, randomBytes(size - magic.length)]);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    body: Buffer.concat([head, file, tail]),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

export const UPLOAD_SCENARIO = 'upload.10mb';

/**
 * Every scenario, in run order: the floor and the transport ladder first (sensitive to what the
 * uploads leave behind: page cache, GC), then reads before writes, so the reads see the seed.
 */
export function buildScenarios({
  seeded,
  uid,
  idToken,
  uploadBytes,
  uploadConnections,
  reportConnections,
  connections,
}: ScenarioContext): Scenario[] {
  const auth = { authorization: `Bearer ${idToken}` };
  const { orgId } = seeded;
  const openId = rotate(seeded.openIds);
  const cursor = rotate(seeded.listCursors);
  const draftId = rotate(seeded.draftIds);
  const customerId = rotate(seeded.customerIds);
  const runId = Date.now().toString(36);
  let sequence = 0;
  const upload = multipartPdf(uploadBytes);
  const uploadInvoice = seeded.openIds[0] ?? '';
  const pingInput = encodeURIComponent(JSON.stringify({ json: { echo: 'x' } }));

  return [
    {
      id: 'http.empty',
      group: 'baseline',
      description: 'plain Fastify, empty JSON route (HTTP floor)',
      target: 'baseline',
      request: { method: 'GET', path: '/empty' },
    },
    {
      id: 'raw.mongo.findOne',
      group: 'baseline',
      description: 'plain Fastify + findOne({_id, orgId}), no tRPC/auth/validation',
      target: 'baseline',
      request: () => ({ method: 'GET', path: `/raw/orgs/${orgId}/invoices/${openId()}` }),
    },
    {
      id: 'raw.mongo.access',
      group: 'baseline',
      description:
        "plain Fastify + invoice.byId's own read (membership+org+invoice aggregate), no tRPC/token/validation",
      target: 'baseline',
      request: () => ({
        method: 'GET',
        path: `/raw/orgs/${orgId}/members/${encodeURIComponent(uid)}/invoices/${openId()}`,
      }),
    },
    ...(
      [
        [
          'plain',
          'system.ping equivalent as a plain Fastify route',
          'baseline',
          '/transport/plain',
        ],
        [
          'zod-superjson',
          'plain route + zod input parse + superjson output',
          'baseline',
          `/transport/zod-superjson?input=${pingInput}`,
        ],
        [
          'trpc-caller',
          'plain route calling system.ping through createCaller',
          'baseline',
          '/transport/caller',
        ],
        [
          'trpc-adapter',
          "system.ping through tRPC's official fastify adapter (bare Fastify)",
          'baseline',
          '/transport/trpc/system.ping',
        ],
        [
          'app',
          'system.ping through the real app /trpc (all plugins, tRPC fast path)',
          'app',
          '/trpc/system.ping',
        ],
        [
          'app.official-adapter',
          'system.ping through the real app with TRPC_FAST_PATH=false',
          'appOfficial',
          '/trpc/system.ping',
        ],
      ] as const
    ).map(([name, description, target, path]): Scenario => ({
      id: `transport.${name}`,
      group: 'transport',
      description,
      target,
      request: { method: 'GET', path },
    })),
    {
      id: 'invoice.byId',
      group: 'api',
      description: 'tRPC query, rotating over issued invoices',
      target: 'app',
      request: () => trpcQuery('invoice.byId', { orgId, invoiceId: openId() }, auth),
    },
    {
      id: 'invoice.byId.official-adapter',
      group: 'transport',
      description: 'invoice.byId on the same app with TRPC_FAST_PATH=false',
      target: 'appOfficial',
      request: () => trpcQuery('invoice.byId', { orgId, invoiceId: openId() }, auth),
    },
    {
      id: 'invoice.list',
      group: 'api',
      description: `tRPC query, ${LIST_PAGE_SIZE} per page, rotating over every page cursor`,
      target: 'app',
      request: () => {
        const c = cursor();
        const input =
          c === null
            ? { orgId, limit: LIST_PAGE_SIZE }
            : { orgId, limit: LIST_PAGE_SIZE, cursor: c };
        return trpcQuery('invoice.list', input, auth);
      },
    },
    {
      id: 'report.summary',
      group: 'api',
      description: `tRPC query, whole-history summary of the org, ${reportConnections} at a time`,
      target: 'app',
      connections: reportConnections,
      request: trpcQuery('report.summary', { orgId }, auth),
    },
    {
      id: 'report.summary.1conn',
      group: 'api',
      description: 'report.summary one at a time: its latency without queueing',
      target: 'app',
      connections: 1,
      request: trpcQuery('report.summary', { orgId }, auth),
    },
    {
      id: `report.summary.${connections}conn`,
      group: 'capacity',
      description: `report.summary with all ${connections} connections: throughput once saturated (not judged)`,
      target: 'app',
      connections,
      request: trpcQuery('report.summary', { orgId }, auth),
    },
    {
      id: 'invoice.create',
      group: 'api',
      description: 'tRPC mutation, 2 lines, a unique idempotency key each',
      target: 'app',
      request: () =>
        trpcMutation(
          'invoice.create',
          {
            orgId,
            customerId: customerId(),
            lines: [
              { description: 'Bench work', quantity: 3, unitPrice: 9_900 },
              { description: 'Licence', quantity: 1, unitPrice: 25_000 },
            ],
            idempotencyKey: `bench-create-${runId}-${++sequence}`,
          },
          auth,
        ),
    },
    {
      id: 'invoice.issue',
      group: 'api',
      description: 'tRPC mutation on seeded drafts, one draft per request',
      target: 'app',
      request: () =>
        trpcMutation(
          'invoice.issue',
          { orgId, invoiceId: draftId(), idempotencyKey: `bench-issue-${runId}-${++sequence}` },
          auth,
        ),
    },
    {
      id: UPLOAD_SCENARIO,
      group: 'api',
      description: `multipart upload of a ${(uploadBytes / 1e6).toFixed(1)} MB PDF to one invoice`,
      target: 'app',
      connections: uploadConnections,
      request: {
        method: 'POST',
        path: `/v1/orgs/${orgId}/invoices/${uploadInvoice}/attachments`,
        headers: { ...auth, 'content-type': upload.contentType },
        body: upload.body,
      },
    },
  ];
}
