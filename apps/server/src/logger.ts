import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { DestinationStream, LoggerOptions } from 'pino';
import type { Config } from './env.js';

/** What never reaches a log line: credentials in headers and token-shaped fields anywhere. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.idToken',
  '*.token',
  '*.password',
];

export interface LoggingOptions {
  /** Human-readable output (pino-pretty); main turns it on only on a TTY outside production. */
  pretty?: boolean;
  /** Where JSON lines go (tests capture them); stdout by default. */
  stream?: DestinationStream;
}

export function loggerOptions(
  config: Config,
  options: LoggingOptions,
): LoggerOptions & { stream?: DestinationStream } {
  return {
    level: config.LOG_LEVEL,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(options.pretty
      ? { transport: { target: 'pino-pretty', options: { colorize: true } } }
      : {}),
    ...(options.stream ? { stream: options.stream } : {}),
  };
}

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * The request id of every log line: the caller's `x-request-id` when it is a short safe token
 * (a load balancer's or a client's, for tracing across services), otherwise a fresh UUID — a
 * hostile header can neither forge log structure nor bloat every line.
 */
export function requestIdFor(req: IncomingMessage): string {
  const header = req.headers['x-request-id'];
  return typeof header === 'string' && SAFE_REQUEST_ID.test(header) ? header : randomUUID();
}
