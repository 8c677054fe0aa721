import type { AppRouter } from '@invoice/api';
import {
  createTRPCClient,
  httpBatchLink,
  isTRPCClientError,
  type HTTPBatchLinkOptions,
  type TRPCClient,
  type TRPCClientError,
} from '@trpc/client';
import { DEFAULT_MAX_BATCH_ITEMS } from '@invoice/validators';
import superjson from 'superjson';
import { isApiErrorCode, type ApiErrorCode } from './api-error-code.js';
import { bearerHeaders, type GetToken } from './auth-headers.js';
import { observedFetch, resolveRetryOptions, retryPolicyLink, type RetryOptions } from './retry.js';

export type { RouterInputs, RouterOutputs, AppRouter } from '@invoice/api';
export type { ApiErrorCode } from './api-error-code.js';
export { DEFAULT_RETRY, NotTrpcAnswerError, type RetryOptions } from './retry.js';
export {
  createAttachmentClient,
  type AttachmentClient,
  type AttachmentClientOptions,
  type AttachmentContentType,
  type DownloadAttachmentInput,
  type DownloadedAttachment,
  type UploadAttachmentInput,
  type UploadedAttachment,
} from './attachments.js';
export {
  AttachmentError,
  isAttachmentError,
  type AttachmentErrorCode,
} from './attachment-error.js';

/** Calls per batched HTTP request unless `maxItems` says otherwise: the server's default TRPC_MAX_BATCH. */
export { DEFAULT_MAX_BATCH_ITEMS };

export interface InvoiceClientOptions {
  /** Base URL of the tRPC mount, e.g. `http://localhost:3000/trpc`. */
  url: string;
  /** Returns a Firebase ID token, or null when signed out. Called per request so tokens refresh. */
  getToken?: GetToken;
  /** Custom fetch (tests, proxies); tRPC's structural fetch type, which the global fetch satisfies. */
  fetch?: BatchLinkFetch;
  /**
   * Calls per batched HTTP request (default DEFAULT_MAX_BATCH_ITEMS); must not exceed the
   * server's TRPC_MAX_BATCH, or every call of a larger batch fails with BAD_REQUEST.
   */
  maxItems?: number;
  /**
   * Sends a call again after a transient failure: no answer, 429, 502, 503 or 504 (honouring
   * `Retry-After`), with jittered exponential backoff. Only queries and mutations that carry an
   * `idempotencyKey` are retried; other mutations fail at once, since a lost answer does not
   * say whether the server applied them. Default DEFAULT_RETRY; `false` turns retries off.
   */
  retry?: RetryOptions | false;
}

type BatchLinkFetch = NonNullable<
  HTTPBatchLinkOptions<AppRouter['_def']['_config']['$types']>['fetch']
>;

export type InvoiceClient = TRPCClient<AppRouter>;

/** The error a client call rejects with. */
export type ApiError = TRPCClientError<AppRouter>;

/**
 * True for every error a client call rejects with: the server's refusals, and also calls that
 * never got a tRPC answer (network failure, a proxy's page), which carry no `data`.
 */
export function isApiError(error: unknown): error is ApiError {
  return isTRPCClientError<AppRouter>(error);
}

/** The tRPC code the server refused a call with; null for any other error. */
export function apiErrorCode(error: unknown): ApiErrorCode | null {
  if (!isApiError(error)) return null;
  const code = error.data?.code;
  return isApiErrorCode(code) ? code : null;
}

/** The global fetch, called unbound as tRPC calls it (a browser's throws "Illegal invocation" otherwise). */
const globalFetch: BatchLinkFetch = (input, init) =>
  globalThis.fetch(input as string | URL, init as RequestInit | undefined);

export function createInvoiceClient(options: InvoiceClientOptions): InvoiceClient {
  const retry = options.retry === false ? null : resolveRetryOptions(options.retry);
  return createTRPCClient<AppRouter>({
    links: [
      ...(retry && retry.attempts > 1 ? [retryPolicyLink<AppRouter>(retry)] : []),
      httpBatchLink({
        url: options.url,
        transformer: superjson,
        maxItems: options.maxItems ?? DEFAULT_MAX_BATCH_ITEMS,
        fetch: observedFetch(options.fetch ?? globalFetch),
        headers: () => bearerHeaders(options.getToken),
      }),
    ],
  });
}
