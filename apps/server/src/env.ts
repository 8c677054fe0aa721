import {
  DEFAULT_ATTACHMENT_MAX_BYTES,
  DEFAULT_MAX_BATCH_ITEMS,
  MAX_ATTACHMENT_BYTES,
} from '@invoice/validators';
import { z } from 'zod';

const booleanString = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

const csv = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0),
);

/** A browser origin as the Origin header sends it: scheme://host[:port], no path. */
const origins = csv.superRefine((entries, ctx) => {
  for (const entry of entries) {
    let origin: string | null = null;
    try {
      origin = new URL(entry).origin;
    } catch {
      // not a URL
    }
    if (origin !== entry) {
      ctx.addIssue({
        code: 'custom',
        message: `${JSON.stringify(entry)} is not an origin: scheme://host[:port], no path or trailing slash (browsers send e.g. https://app.example.com)`,
      });
    }
  }
});

export const hostPort = z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'Must be host:port');
export const firebaseProjectId = z
  .string()
  .regex(/^[a-z0-9-]{4,64}$/, 'Must be a Firebase project id');

/**
 * The server's whole configuration, parsed once at the edge. Nothing below reads process.env
 * (firebase-admin itself reads FIREBASE_AUTH_EMULATOR_HOST, which is validated here too).
 */
const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
    /** Unset: zero-config mode runs the embedded MongoDB-compatible server on DATA_DIR/mongo. */
    MONGODB_URI: z
      .string()
      .regex(/^mongodb(\+srv)?:\/\//, 'Must be a mongodb:// or mongodb+srv:// URI')
      .optional(),
    MONGODB_DB: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,63}$/, 'Must be 1-63 letters, digits, "_" or "-"')
      .default('invoices'),
    /**
     * How long a MongoDB operation waits for a usable server before failing (the driver's own
     * default is 30 s). Short, so a database outage answers 503 quickly instead of hanging.
     */
    MONGODB_SERVER_SELECTION_TIMEOUT_MS: z.coerce
      .number()
      .int()
      .min(100)
      .max(60_000)
      .default(5_000),
    /**
     * Bound on opening a MongoDB connection and on each monitor check (the driver's own default
     * is 30 s). A database that stops answering without closing its sockets (frozen, or packets
     * dropped on the way) is noticed after this plus the driver's 10 s heartbeat wait; until
     * then calls wait. With 30 s that was about 40 s per call.
     */
    MONGODB_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
    DATA_DIR: z.string().min(1).default('.data'),
    FIREBASE_PROJECT_ID: firebaseProjectId.optional(),
    /** Set only in development and tests; production refuses to boot with it. */
    FIREBASE_AUTH_EMULATOR_HOST: hostPort.optional(),
    /** `sensitive`: re-check token revocation on member changes and voids; `always`: on every call. */
    AUTH_CHECK_REVOKED: z.enum(['sensitive', 'always']).default('sensitive'),
    /**
     * Bound on one token verification; past it (Google's keys, the accounts API or the emulator
     * unreachable or silent) the call answers 503 instead of waiting on firebase-admin's retries.
     */
    AUTH_VERIFY_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
    UPLOAD_DIR: z.string().min(1).optional(),
    UPLOAD_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(MAX_ATTACHMENT_BYTES)
      .default(DEFAULT_ATTACHMENT_MAX_BYTES),
    /**
     * On SIGTERM readiness flips to 503 at once; the server keeps serving this long so the load
     * balancer notices, then stops accepting and waits for in-flight requests.
     */
    SHUTDOWN_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
    /** Hard limit for the shutdown after the drain delay; past it the process exits non-zero. */
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(300_000).default(30_000),
    /** Readiness fails when the upload volume has less free space than this. */
    MIN_FREE_DISK_BYTES: z.coerce
      .number()
      .int()
      .min(0)
      .default(512 * 1024 * 1024),
    /**
     * Bound on receiving a whole request, headers and body (Fastify's `requestTimeout`, 0 by
     * default: a client trickling a body, or stalling mid-upload, held its connection and temp
     * file forever). Past it the request is answered 408 and the connection closed. Long enough
     * for the largest upload on a slow link (10 MB at 1 Mbit/s: 80 s).
     */
    REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(120_000),
    /** Below 2 MB: SECURITY.md's resource limits refuse a 2 MB JSON body (413). */
    BODY_LIMIT_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(1_999_999, 'Must be below 2 MB (2000000 bytes): larger JSON bodies are refused')
      .default(1024 * 1024),
    /** Below 100: SECURITY.md's resource limits refuse a 100-call batch. */
    TRPC_MAX_BATCH: z.coerce
      .number()
      .int()
      .min(1)
      .max(99, 'Must be below 100: a 100-call batch is refused')
      .default(DEFAULT_MAX_BATCH_ITEMS),
    /**
     * Serve ordinary tRPC queries and mutations (JSON, non-streaming) without the official
     * adapter's Fetch Request/Response conversion; `false` sends every request through the adapter.
     */
    TRPC_FAST_PATH: booleanString.default(true),
    /**
     * Check every procedure's output against its schema before it is sent (setOutputChecks in
     * @invoice/api). Unset: on, except in production. The test suites run with it on.
     * Process-wide: main.ts applies it at boot; buildApp does not (it touches no process state).
     */
    VALIDATE_OUTPUT: booleanString.optional(),
    CORS_ORIGINS: origins.default([]),
    TRUST_PROXY: booleanString.default(false),
    RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(600),
    /** Load shedding (503 + Retry-After) past this mean event-loop delay, sampled every second. */
    SHED_MAX_EVENT_LOOP_DELAY_MS: z.coerce.number().int().min(1).max(60_000).default(1_000),
    /** Load shedding past this much V8 heap in use. */
    SHED_MAX_HEAP_USED_BYTES: z.coerce
      .number()
      .int()
      .min(1)
      .default(1_500 * 1024 * 1024),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV !== 'production') return;
    if (env.FIREBASE_AUTH_EMULATOR_HOST !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['FIREBASE_AUTH_EMULATOR_HOST'],
        message: 'Must not be set in production: the emulator accepts unsigned tokens',
      });
    }
    if (env.FIREBASE_PROJECT_ID === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['FIREBASE_PROJECT_ID'],
        message: 'Required in production',
      });
    } else if (env.FIREBASE_PROJECT_ID.startsWith('demo-')) {
      ctx.addIssue({
        code: 'custom',
        path: ['FIREBASE_PROJECT_ID'],
        message:
          'A demo- project id is for the emulator only; set your real project id in production',
      });
    }
    if (env.MONGODB_URI === undefined) {
      ctx.addIssue({ code: 'custom', path: ['MONGODB_URI'], message: 'Required in production' });
    }
  });

export type Env = z.infer<typeof envSchema>;

/** The parsed configuration with derived paths filled in. */
export type Config = Env & {
  UPLOAD_DIR: string;
  FIREBASE_PROJECT_ID: string;
  VALIDATE_OUTPUT: boolean;
};

/**
 * The exit code of a start refused for its configuration: EX_CONFIG of sysexits.h. Distinct from
 * every other failed start (1, e.g. MongoDB unreachable), so the systemd unit can retry those
 * until the dependency is back and give up on this one (`RestartPreventExitStatus=`).
 */
export const EXIT_INVALID_CONFIG = 78;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; on failure lists one line per bad variable, naming it. */
export function parseEnv(env: Record<string, string | undefined>): Config {
  // An empty or blank variable (`PORT=` in an env file) is unset: coercion would make it 0.
  const result = envSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, value]) => value?.trim() !== '')),
  );
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const variable = issue.path.join('.') || '(environment)';
      const received = env[variable];
      const shown = received === undefined ? 'missing' : `got ${JSON.stringify(received)}`;
      return `${variable}: ${issue.message} (${shown})`;
    });
    throw new ConfigError(problems);
  }
  const parsed = result.data;
  return {
    ...parsed,
    UPLOAD_DIR: parsed.UPLOAD_DIR ?? `${parsed.DATA_DIR}/uploads`,
    FIREBASE_PROJECT_ID: parsed.FIREBASE_PROJECT_ID ?? 'demo-invoices',
    VALIDATE_OUTPUT: parsed.VALIDATE_OUTPUT ?? parsed.NODE_ENV !== 'production',
  };
}
