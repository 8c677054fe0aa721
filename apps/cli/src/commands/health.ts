import { Readable } from 'node:stream';
import { SHEDDING_MESSAGE } from '@invoice/validators';
import { z } from 'zod';
import { CommandFailure, defineCommand, optionInt, optionText } from '../cli/command.js';

/** A readiness answer is small; anything bigger is not our server. */
const MAX_BODY_BYTES = 64 * 1024;

/** One check of the server's readiness body (apps/server/src/plugins/health.ts). */
const readinessCheck = z.discriminatedUnion('ok', [
  z.looseObject({ ok: z.literal(true), ms: z.number(), detail: z.string().optional() }),
  z.looseObject({ ok: z.literal(false), ms: z.number(), error: z.string() }),
]);

/**
 * What the server's GET /health/ready answers, 200 or 503. Anything else, even a 200 with JSON
 * (a proxy's page, another service on the port), is not a readiness answer: not ready.
 */
const readinessBody = z.looseObject({
  status: z.enum(['ready', 'unavailable']),
  checks: z
    .record(z.string(), readinessCheck)
    .refine((checks) => Object.keys(checks).length > 0, 'Must name at least one check'),
});

type ReadinessBody = z.infer<typeof readinessBody>;

/**
 * What the server answers instead of its readiness body while it sheds load (the heap or event
 * loop over its bound: apps/server/src/plugins/security.ts, under-pressure's pressureHandler).
 */
const sheddingBody = z.object({
  statusCode: z.literal(503),
  error: z.literal('Service Unavailable'),
  message: z.literal(SHEDDING_MESSAGE),
});

/** The answer's JSON, or undefined when it is not JSON. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function parseReadiness(value: unknown): { body: ReadinessBody } | { problem: string } {
  if (value === undefined) return { problem: 'not JSON' };
  const parsed = readinessBody.safeParse(value);
  if (parsed.success) return { body: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : 'body';
  return { problem: `${where}: ${issue?.message ?? 'unexpected shape'}` };
}

const urlSchema = optionText(2048).transform((text, ctx) => {
  try {
    const url = new URL(text);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      ctx.addIssue({ code: 'custom', message: 'Must be an http:// or https:// URL' });
      return z.NEVER;
    }
    if (url.username || url.password) {
      ctx.addIssue({ code: 'custom', message: 'Must not carry credentials' });
      return z.NEVER;
    }
    return url;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'Must be a URL such as http://127.0.0.1:3000' });
    return z.NEVER;
  }
});

async function readCapped(response: Response): Promise<string> {
  if (!response.body) return '';
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of Readable.fromWeb(response.body) as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > MAX_BODY_BYTES)
      throw new Error(`readiness body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export const healthCommand = defineCommand({
  path: ['health'],
  summary: "Call a running server's GET /health/ready; exit 1 when not ready or unreachable",
  details: 'Prints every readiness check (mongo, uploadDir, disk, shutdown) with its result.',
  options: {
    url: {
      type: 'string',
      valueName: 'URL',
      description: 'Base URL of the server (default http://127.0.0.1:3000)',
    },
    timeout: {
      type: 'string',
      valueName: 'MS',
      description: 'Give up after MS milliseconds (100-60000, default 5000)',
    },
  },
  schema: z.object({
    url: urlSchema.default(new URL('http://127.0.0.1:3000')),
    timeout: optionInt(100, 60_000).default(5_000),
  }),
  async run({ url, timeout }) {
    const target = new URL('/health/ready', url);
    let status: number;
    let text: string;
    let retryAfter: string | null;
    try {
      const response = await fetch(target, {
        signal: AbortSignal.timeout(timeout),
        redirect: 'error',
        headers: { accept: 'application/json' },
      });
      status = response.status;
      retryAfter = response.headers.get('retry-after');
      text = await readCapped(response);
    } catch (error) {
      const reason =
        error instanceof Error && error.name === 'TimeoutError'
          ? `no answer within ${timeout} ms`
          : error instanceof Error
            ? error.cause instanceof Error
              ? error.cause.message
              : error.message
            : String(error);
      throw new CommandFailure(`${target.href} unreachable: ${reason}`, {
        url: target.href,
        ready: false,
      });
    }
    const answer = parseJson(text);
    const parsed = parseReadiness(answer);
    const body = 'body' in parsed ? parsed.body : null;
    // 200 alone is not enough: the body must be ours and say ready, with every check passing.
    const ready =
      status === 200 &&
      body?.status === 'ready' &&
      Object.values(body.checks).every((check) => check.ok);
    const lines = [`${target.href}: ${status} ${ready ? 'ready' : 'NOT READY'}`];
    for (const [name, check] of Object.entries(body?.checks ?? {})) {
      lines.push(`  ${name}: ${JSON.stringify(check)}`);
    }
    const overloaded = status === 503 && sheddingBody.safeParse(answer).success;
    if (overloaded) {
      lines.push(
        `  (the instance is shedding load (overloaded)` +
          (retryAfter === null ? ')' : `; it asks to retry after ${retryAfter} s)`),
      );
    } else if ('problem' in parsed) {
      lines.push(`  (the answer is not the server's readiness body: ${parsed.problem})`);
    } else if (status === 200 && !ready) {
      const failed = Object.entries(parsed.body.checks).filter(([, check]) => !check.ok);
      lines.push(
        `  (200, but the body says "${parsed.body.status}"` +
          (failed.length > 0 ? `; failed: ${failed.map(([name]) => name).join(', ')})` : ')'),
      );
    }
    return {
      data: { url: target.href, status, ready, overloaded, body },
      text: lines,
      exitCode: ready ? 0 : 1,
    };
  },
});
