import { HTTP_CODE_TO_JSONRPC2 } from '@trpc/server/unstable-core-do-not-import';
import { isApiErrorCode, type ApiErrorCode } from './api-error-code.js';
import { retryAfterMs } from './retry.js';

/**
 * Why an attachment call failed. The server's attachment routes name their refusals with the
 * tRPC codes (`ApiErrorCode`), plus:
 * - `INSUFFICIENT_STORAGE` (507): the server's upload volume is full;
 * - `NETWORK_ERROR`: no answer arrived, or it broke off (offline, DNS, a CORS refusal, a reset);
 * - `UNEXPECTED_RESPONSE`: an answer that is not what the route sends (a success body that is
 *   not attachment metadata, a download without its attachment headers, a status no error maps to).
 */
export type AttachmentErrorCode =
  ApiErrorCode | 'INSUFFICIENT_STORAGE' | 'NETWORK_ERROR' | 'UNEXPECTED_RESPONSE';

export interface AttachmentErrorInit {
  message: string;
  code: AttachmentErrorCode;
  status?: number | null;
  serverCode?: string | null;
  requestId?: string | null;
  retryAfterSeconds?: number | null;
  cause?: unknown;
}

/** What every attachment call rejects with, whatever went wrong. */
export class AttachmentError extends Error {
  override readonly name = 'AttachmentError';
  /** The answer's HTTP status; null when there was none (not sent, network failure, aborted). */
  readonly status: number | null;
  /**
   * The server's code when its JSON error named a known one; otherwise derived from the status
   * (a proxy's 502 page is `BAD_GATEWAY`), or one of the client's own codes.
   */
  readonly code: AttachmentErrorCode;
  /** The `code` of the server's JSON error exactly as sent; null when the body had none. */
  readonly serverCode: string | null;
  /** The server's `x-request-id`, to quote when reporting a failure. */
  readonly requestId: string | null;
  /**
   * `Retry-After` in seconds (429, 503), when the answer carried a readable one: its
   * delta-seconds, or the seconds until its HTTP date (0 once past).
   */
  readonly retryAfterSeconds: number | null;

  constructor(init: AttachmentErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.status = init.status ?? null;
    this.serverCode = init.serverCode ?? null;
    this.requestId = init.requestId ?? null;
    this.retryAfterSeconds = init.retryAfterSeconds ?? null;
  }
}

export function isAttachmentError(error: unknown): error is AttachmentError {
  return error instanceof AttachmentError;
}

/** A code the server's JSON errors may carry and this type names. */
function isServerErrorCode(code: unknown): code is ApiErrorCode | 'INSUFFICIENT_STORAGE' {
  return isApiErrorCode(code) || code === 'INSUFFICIENT_STORAGE';
}

/** tRPC's own status → code map (what the server answers tRPC codes with), and 507. */
const CODE_OF_STATUS: Readonly<Record<number, AttachmentErrorCode>> = {
  ...HTTP_CODE_TO_JSONRPC2,
  507: 'INSUFFICIENT_STORAGE',
};

function codeOfStatus(status: number): AttachmentErrorCode {
  const known = CODE_OF_STATUS[status];
  if (known !== undefined) return known;
  if (status >= 400 && status < 500) return 'BAD_REQUEST';
  if (status >= 500 && status < 600) return 'INTERNAL_SERVER_ERROR';
  return 'UNEXPECTED_RESPONSE';
}

/** The response metadata an AttachmentError carries, read from any answer. */
export function responseFacts(response: Response) {
  // Read as the API client reads it (retryAfterMs): delta-seconds or an HTTP date.
  const wait = retryAfterMs(response.headers.get('retry-after'));
  return {
    status: response.status,
    requestId: response.headers.get('x-request-id'),
    retryAfterSeconds: wait === null ? null : Math.ceil(wait / 1000),
  };
}

function statusLine(response: Response): string {
  const text = response.statusText.trim();
  return text === '' ? `HTTP ${response.status}` : `HTTP ${response.status} ${text}`;
}

/**
 * The error for an answer outside 2xx. The attachment routes answer errors as JSON
 * `{ statusCode, code, message }` (some refusals before the route, such as load shedding, omit
 * `code`); anything else (a proxy's HTML page, an empty body) keeps the status and says so.
 */
export async function errorFromResponse(
  action: string,
  response: Response,
): Promise<AttachmentError> {
  const facts = responseFacts(response);
  let text: string;
  try {
    text = await response.text();
  } catch (cause) {
    return new AttachmentError({
      ...facts,
      code: codeOfStatus(response.status),
      message: `${action} failed: ${statusLine(response)}, and its body could not be read`,
      cause,
    });
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (
    typeof body === 'object' &&
    body !== null &&
    'message' in body &&
    typeof body.message === 'string'
  ) {
    const serverCode = 'code' in body && typeof body.code === 'string' ? body.code : null;
    return new AttachmentError({
      ...facts,
      serverCode,
      code: isServerErrorCode(serverCode) ? serverCode : codeOfStatus(response.status),
      message: body.message,
    });
  }
  const type = response.headers.get('content-type')?.split(';')[0]?.trim() || 'no content type';
  const what = text.trim() === '' ? 'an empty body' : `a ${type} body`;
  return new AttachmentError({
    ...facts,
    code: codeOfStatus(response.status),
    message:
      `${action} failed: ${statusLine(response)} with ${what}, not the server's JSON error ` +
      '(a proxy or gateway may have answered, or the base URL points elsewhere)',
  });
}
