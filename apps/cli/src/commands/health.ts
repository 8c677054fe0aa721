import { Readable } from 'node:stream';
import { z } from 'zod';
import { CommandFailure, defineCommand, optionInt, optionText } from '../cli/command.js';

/** A readiness answer is small; anything bigger is not our server. */
const MAX_BODY_BYTES = 64 * 1024;

const readinessBody = z.looseObject({
  status: z.string().optional(),
  checks: z.record(z.string(), z.unknown()).optional(),
});

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
    try {
      const response = await fetch(target, {
        signal: AbortSignal.timeout(timeout),
        redirect: 'error',
        headers: { accept: 'application/json' },
      });
      status = response.status;
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
    let body: z.infer<typeof readinessBody> | null;
    try {
      body = readinessBody.parse(JSON.parse(text));
    } catch {
      body = null;
    }
    const ready = status === 200 && body !== null;
    const lines = [`${target.href}: ${status} ${ready ? 'ready' : 'NOT READY'}`];
    for (const [name, check] of Object.entries(body?.checks ?? {})) {
      lines.push(`  ${name}: ${JSON.stringify(check)}`);
    }
    if (body === null) lines.push('  (the answer is not a readiness JSON body)');
    return {
      data: { url: target.href, status, ready, body },
      text: lines,
      exitCode: ready ? 0 : 1,
    };
  },
});
