import {
  attachmentDownloadParams,
  attachmentSchema,
  attachmentUploadParams,
  idempotencyKeySchema,
  type ATTACHMENT_CONTENT_TYPES,
  type Attachment,
} from '@invoice/validators';
import {
  AttachmentError,
  errorFromResponse,
  isAttachmentError,
  responseFacts,
} from './attachment-error.js';
import { bearerHeaders } from './auth-headers.js';
import type { InvoiceClientOptions } from './index.js';
import { backoffDelay, resolveRetryOptions, sleep, type FailureFacts } from './retry.js';

/** A type the server stores; it accepts a file only when its bytes are of the declared type. */
export type AttachmentContentType = (typeof ATTACHMENT_CONTENT_TYPES)[number];

/**
 * The options of `createInvoiceClient` (`url`, `getToken`, `fetch`, `retry`; the same object may
 * be passed to both) and where the attachment routes are. Retries as the API client's: downloads
 * always (also one whose answer broke off midway), uploads only with an `idempotencyKey`.
 */
export interface AttachmentClientOptions extends Pick<
  InvoiceClientOptions,
  'url' | 'getToken' | 'fetch' | 'retry'
> {
  /**
   * The server root that `/v1/orgs/...` hangs off, e.g. `https://api.example.com` or `/api`.
   * Default: `url` without its final `/trpc` segment (`http://localhost:3000/trpc` gives
   * `http://localhost:3000`, `/api/trpc` gives `/api`, as the server mounts tRPC at `/trpc` beside
   * the attachment routes). Required when `url` does not end in `/trpc`.
   */
  baseUrl?: string | undefined;
}

export interface UploadAttachmentInput {
  orgId: string;
  invoiceId: string;
  /** The file: a `File` from an `<input type="file">`, or any `Blob`. */
  file: Blob;
  /** The name shown and offered on download. Default: the `File`'s name, else `attachment`. */
  filename?: string | undefined;
  /**
   * The declared type, when `file.type` is empty or wrong (a `Blob` built from bytes). The
   * server checks it against the bytes: a mismatch or a type outside the allowlist is 415.
   */
  contentType?: AttachmentContentType | undefined;
  /**
   * Sent as `Idempotency-Key`: the server stores the file at most once per key (for 24 hours or
   * more) and answers a repeat of the same upload with the first answer, so a call whose answer
   * was lost can be sent again safely. The same key with another file is refused (409
   * CONFLICT). 1–255 printable ASCII characters, as the mutations' `idempotencyKey`.
   */
  idempotencyKey?: string | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * The stored attachment as the upload answers it: an `attachment.list` item without `orgId`
 * and `uploadedBy`.
 */
export type UploadedAttachment = Omit<Attachment, 'orgId' | 'uploadedBy'>;

export interface DownloadAttachmentInput {
  orgId: string;
  attachmentId: string;
  signal?: AbortSignal | undefined;
}

export interface DownloadedAttachment {
  /** The whole file (its `type` is `contentType`). */
  blob: Blob;
  /** The name from `Content-Disposition`, as uploaded (made safe by the server). */
  filename: string;
  /** The type the server decided from the bytes at upload, as it sent it. */
  contentType: string;
  /** Bytes received. */
  size: number;
}

export interface AttachmentClient {
  /**
   * Uploads one file to an invoice (role accountant or above): `POST
   * /v1/orgs/:orgId/invoices/:invoiceId/attachments`, multipart. Resolves with the validated
   * metadata of the stored attachment. Without `idempotencyKey`, retrying after a lost answer
   * may store the file twice (`attachment.list` tells); with one, it cannot.
   */
  uploadAttachment(input: UploadAttachmentInput): Promise<UploadedAttachment>;
  /**
   * Downloads an attachment (role viewer or above):
   * `GET /v1/orgs/:orgId/attachments/:attachmentId`. Reads the whole file into memory (at most
   * the server's UPLOAD_MAX_BYTES).
   */
  downloadAttachment(input: DownloadAttachmentInput): Promise<DownloadedAttachment>;
}

const TRPC_SEGMENT = /\/trpc\/*$/;

function baseUrlOf(options: AttachmentClientOptions): string {
  if (options.baseUrl !== undefined) return options.baseUrl.replace(/\/+$/, '');
  if (!TRPC_SEGMENT.test(options.url)) {
    throw new TypeError(
      `createAttachmentClient: url "${options.url}" does not end in /trpc, so the attachment ` +
        'routes cannot be found from it; pass baseUrl (the server root /v1/... hangs off)',
    );
  }
  return options.url.replace(TRPC_SEGMENT, '');
}

interface SafeParser<T> {
  safeParse(
    value: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: readonly { path: PropertyKey[]; message: string }[] } };
}

/** The value checked by `schema`, or the first problem found, for a message. */
function check<T>(schema: SafeParser<T>, value: unknown): { data: T } | { problem: string } {
  const result = schema.safeParse(value);
  if (result.success) return { data: result.data };
  const issue = result.error.issues[0];
  const where = issue?.path.map(String).join('.') ?? '';
  return { problem: `${where === '' ? '' : `${where}: `}${issue?.message ?? 'invalid'}` };
}

/** The upload answers JSON: `createdAt` is an ISO instant there, a Date in UploadedAttachment. */
const uploadAnswerSchema = attachmentSchema.omit({ orgId: true, uploadedBy: true }).strip();

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

function withCreatedAtDate(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || !('createdAt' in body)) return body;
  const { createdAt } = body;
  return typeof createdAt === 'string' && ISO_INSTANT.test(createdAt)
    ? { ...body, createdAt: new Date(createdAt) }
    : body;
}

function isStandardResponse(value: unknown): value is Response {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Partial<Response>;
  return (
    typeof r.status === 'number' &&
    typeof r.headers?.get === 'function' &&
    typeof r.text === 'function' &&
    typeof r.blob === 'function'
  );
}

/** The name in Content-Disposition: RFC 8187 `filename*=UTF-8''...` first, then `filename=`. */
function filenameOf(disposition: string): string {
  const extended = /\bfilename\*\s*=\s*([^']*)'[^']*'([^;\s]+)/i.exec(disposition);
  if (extended !== null && /^(utf-8)?$/i.test(extended[1] ?? '')) {
    try {
      return decodeURIComponent(extended[2] ?? '');
    } catch {
      // Malformed percent-encoding: try the plain parameter.
    }
  }
  const plain = /\bfilename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(disposition);
  const name = plain?.[1]?.replace(/\\(.)/g, '$1') ?? plain?.[2];
  return name === undefined || name === '' ? 'attachment' : name;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Typed helpers for the attachment HTTP routes beside tRPC (multipart does not fit tRPC).
 * Listing and deleting attachments are tRPC procedures: `client.attachment.list` and
 * `client.attachment.delete` on `createInvoiceClient`'s client. Every call rejects with an
 * `AttachmentError` only. Throws a TypeError at once when no base URL can be found.
 */
export function createAttachmentClient(options: AttachmentClientOptions): AttachmentClient {
  const base = baseUrlOf(options);
  // Always called unbound (never as `options.fetch(...)`): a browser's own fetch throws
  // "Illegal invocation" when its `this` is not the global object.
  const fetchFn = options.fetch ?? ((url: string, init?: RequestInit) => fetch(url, init));

  const retry = options.retry === false ? null : resolveRetryOptions(options.retry);

  /** Runs `attempt` again after a transient failure (backoffDelay), if the call is repeatable. */
  async function withRetries<T>(
    action: string,
    repeatable: boolean,
    signal: AbortSignal | undefined,
    attempt: () => Promise<T>,
  ): Promise<T> {
    for (let attempts = 1; ; attempts += 1) {
      try {
        return await attempt();
      } catch (error) {
        if (!repeatable || retry === null || attempts >= retry.attempts) throw error;
        if (!isAttachmentError(error)) throw error;
        const delay = backoffDelay(failureFacts(error), attempts, retry);
        if (delay === null) throw error;
        await sleep(delay, signal).catch((cause: unknown) => {
          throw aborted(action, cause, null);
        });
      }
    }
  }

  async function headers(action: string): Promise<Record<string, string>> {
    try {
      return await bearerHeaders(options.getToken);
    } catch (cause) {
      throw new AttachmentError({
        code: 'UNAUTHORIZED',
        message: `${action} not sent: getToken failed (${describe(cause)})`,
        cause,
      });
    }
  }

  function aborted(action: string, cause: unknown, status: number | null): AttachmentError {
    return new AttachmentError({
      code: 'CLIENT_CLOSED_REQUEST',
      status,
      message: `${action} was aborted`,
      cause,
    });
  }

  /** The answer when it is a 2xx; any other outcome as an AttachmentError. */
  async function send(action: string, path: string, init: RequestInit): Promise<Response> {
    const url = `${base}${path}`;
    let response: unknown;
    try {
      response = await fetchFn(url, init);
    } catch (cause) {
      if (init.signal?.aborted === true) throw aborted(action, cause, null);
      throw new AttachmentError({
        code: 'NETWORK_ERROR',
        message: `${action} failed: no answer from ${url} (${describe(cause)})`,
        cause,
      });
    }
    if (!isStandardResponse(response)) {
      throw new AttachmentError({
        code: 'UNEXPECTED_RESPONSE',
        message: `${action} failed: the fetch option must resolve to a standard Response`,
      });
    }
    if (!response.ok) throw await errorFromResponse(action, response);
    return response;
  }

  /** Reads a 2xx body; a connection lost meanwhile is a NETWORK_ERROR with the status. */
  async function read<T>(
    action: string,
    response: Response,
    signal: AbortSignal | undefined,
    how: (response: Response) => Promise<T>,
  ): Promise<T> {
    try {
      return await how(response);
    } catch (cause) {
      if (signal?.aborted === true) throw aborted(action, cause, response.status);
      throw new AttachmentError({
        ...responseFacts(response),
        code: 'NETWORK_ERROR',
        message: `${action} failed: the answer broke off (${describe(cause)})`,
        cause,
      });
    }
  }

  function invalidIds(action: string, problem: string): AttachmentError {
    return new AttachmentError({ code: 'BAD_REQUEST', message: `${action} not sent: ${problem}` });
  }

  return {
    async uploadAttachment(input) {
      const action = 'Attachment upload';
      const ids = check(attachmentUploadParams, { orgId: input.orgId, invoiceId: input.invoiceId });
      if ('problem' in ids) throw invalidIds(action, ids.problem);
      if (!(input.file instanceof Blob)) {
        throw new AttachmentError({
          code: 'BAD_REQUEST',
          message: `${action} not sent: file must be a Blob or File`,
        });
      }
      const { orgId, invoiceId } = ids.data;
      const key = input.idempotencyKey;
      if (key !== undefined) {
        const checked = check(idempotencyKeySchema, key);
        if ('problem' in checked) {
          throw new AttachmentError({
            code: 'BAD_REQUEST',
            message: `${action} not sent: idempotencyKey: ${checked.problem}`,
          });
        }
      }
      const declared = input.contentType;
      const file =
        declared === undefined || declared === input.file.type
          ? input.file
          : new Blob([input.file], { type: declared });
      const filename = input.filename ?? nameOfFile(input.file);
      const path = `/v1/orgs/${orgId}/invoices/${invoiceId}/attachments`;
      // Keyed, a repeat is answered with the first upload: safe to send again.
      const { response, text } = await withRetries(
        action,
        key !== undefined,
        input.signal,
        async () => {
          const form = new FormData();
          form.append('file', file, filename);
          const answer = await send(action, path, {
            method: 'POST',
            body: form,
            headers: {
              ...(await headers(action)),
              ...(key === undefined ? {} : { 'idempotency-key': key }),
            },
            ...(input.signal === undefined ? {} : { signal: input.signal }),
          });
          return {
            response: answer,
            text: await read(action, answer, input.signal, (r) => r.text()),
          };
        },
      );
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      const answer = check(uploadAnswerSchema, withCreatedAtDate(body));
      if ('problem' in answer) {
        throw new AttachmentError({
          ...responseFacts(response),
          code: 'UNEXPECTED_RESPONSE',
          message:
            `${action}: HTTP ${response.status} without the attachment's metadata ` +
            `(${body === undefined ? 'not JSON' : answer.problem}); the file may have been stored`,
        });
      }
      return answer.data;
    },

    async downloadAttachment(input) {
      const action = 'Attachment download';
      const ids = check(attachmentDownloadParams, {
        orgId: input.orgId,
        attachmentId: input.attachmentId,
      });
      if ('problem' in ids) throw invalidIds(action, ids.problem);
      const { orgId, attachmentId } = ids.data;
      // The body is read inside the retries: a download whose answer broke off midway is sent
      // again (a GET), like one that met no answer.
      const { response, disposition, blob } = await withRetries(
        action,
        true,
        input.signal,
        async () => {
          const answer = await send(action, `/v1/orgs/${orgId}/attachments/${attachmentId}`, {
            method: 'GET',
            headers: await headers(action),
            ...(input.signal === undefined ? {} : { signal: input.signal }),
          });
          const attachment = answer.headers.get('content-disposition');
          // The route always sends it (and exposes it to CORS): a 200 without it is someone
          // else's page, such as a single-page app's index.html served for an unknown path.
          if (attachment === null || !/^\s*attachment\b/i.test(attachment)) {
            await answer.body?.cancel().catch(() => undefined);
            throw new AttachmentError({
              ...responseFacts(answer),
              code: 'UNEXPECTED_RESPONSE',
              message:
                `${action}: HTTP ${answer.status} without "Content-Disposition: attachment", so ` +
                'not the attachment route (check baseUrl and any proxy in between)',
            });
          }
          return {
            response: answer,
            disposition: attachment,
            blob: await read(action, answer, input.signal, (r) => r.blob()),
          };
        },
      );
      return {
        blob,
        filename: filenameOf(disposition),
        contentType: response.headers.get('content-type') ?? blob.type,
        size: blob.size,
      };
    },
  };
}

/** What an AttachmentError says about retrying: a broken-off answer counts as none. */
function failureFacts(error: AttachmentError): FailureFacts {
  if (error.code === 'NETWORK_ERROR') return { status: null, noAnswer: true, retryAfterMs: null };
  const seconds = error.retryAfterSeconds;
  return {
    status: error.status,
    noAnswer: false,
    retryAfterMs: seconds === null ? null : seconds * 1000,
  };
}

function nameOfFile(file: Blob): string {
  const name = (file as Partial<File>).name;
  return typeof name === 'string' && name !== '' ? name : 'attachment';
}
