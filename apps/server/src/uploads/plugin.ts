import { randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import multipart from '@fastify/multipart';
import {
  attachmentSummary,
  findActiveMembership,
  hasRole,
  isIdempotencyKeyRecorded,
  recordAudit,
  runIdempotent,
  toAttachment,
  type AuthUser,
} from '@invoice/api';
import type { AttachmentDoc, Database } from '@invoice/db';
import type { Role } from '@invoice/validators';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { ObjectId } from 'mongodb';
import type { Config } from '../env.js';
import { ContentInspector, type InspectionResult } from './content-inspector.js';
import { withdrawIfInvoiceDeleted } from './deleted-invoice.js';
import { discardTempFile, storagePath, tempDir } from './disk-store.js';
import { contentDisposition, nameForType, sanitizeFilename } from './filename.js';
import { HttpError } from './http-error.js';
import { uploadIdempotencyKey } from './idempotency-key.js';
import { IdempotencyKeyExpiredError, uploadError, uploadFailureReason } from './upload-error.js';

export interface UploadsPluginOptions {
  config: Config;
  db: Database;
}

const OBJECT_ID = /^[0-9a-f]{24}$/;

function parseId(value: string | undefined, name: string): ObjectId {
  if (value === undefined || !OBJECT_ID.test(value)) {
    throw new HttpError('BAD_REQUEST', `${name} must be 24 lowercase hex characters`);
  }
  return new ObjectId(value);
}

function callerOf(req: FastifyRequest): AuthUser {
  if (req.authUnavailable) {
    throw new HttpError('SERVICE_UNAVAILABLE', 'Authentication is temporarily unavailable');
  }
  if (req.authRejected || req.user === null) {
    throw new HttpError('UNAUTHORIZED', 'Missing or invalid authentication token');
  }
  return req.user;
}

/** Same rules as orgProcedure: a non-member sees NOT_FOUND (no existence leak), a lower role FORBIDDEN. */
async function requireRole(db: Database, orgId: ObjectId, user: AuthUser, minimum: Role) {
  const found = await findActiveMembership(db, orgId, user, new Date());
  if (found === null) throw new HttpError('NOT_FOUND', 'Organization not found');
  if (!hasRole(found.membership.role, minimum)) {
    throw new HttpError('FORBIDDEN', `This needs the ${minimum} role`);
  }
  return found;
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The upload's 201 body (and what a repeat with its Idempotency-Key answers). */
function uploadAnswer(doc: AttachmentDoc) {
  const attachment = toAttachment(doc);
  return {
    id: attachment.id,
    invoiceId: attachment.invoiceId,
    filename: attachment.filename,
    contentType: attachment.contentType,
    size: attachment.size,
    sha256: attachment.sha256,
    createdAt: attachment.createdAt.toISOString(),
  };
}

const ONE_FILE = 'Send multipart/form-data with exactly one file';
const UPLOAD_PROCEDURE = 'attachment.upload';

/** What the request's one file turned out to be, read through the content check and hash. */
type ReceivedFile = InspectionResult & { filename: string };

/** Takes every chunk and keeps none: a repeat's file is read for its hash only. */
function discardingSink(): Writable {
  return new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });
}

/**
 * Streams the request's one file through the content check and hash into the sink `open`
 * returns (opened once the file's part has begun). Refuses a request that is not exactly one
 * file, or whose file is larger than the upload limit.
 */
async function receiveOneFile(
  req: FastifyRequest,
  open: () => Promise<Writable>,
): Promise<ReceivedFile> {
  const parts = req.parts();
  const first = await parts.next();
  if (first.done === true || first.value.type !== 'file') {
    throw new HttpError('BAD_REQUEST', ONE_FILE);
  }
  const file = first.value;
  const inspector = new ContentInspector(file.mimetype);
  const tooLarge = () =>
    new HttpError('PAYLOAD_TOO_LARGE', 'The file is larger than the upload limit');
  await pipeline(file.file, inspector, await open()).catch((error: unknown) => {
    // Cut at the limit inside a multi-byte character, a text file fails the content check's
    // last UTF-8 decode: the size is what is wrong.
    throw file.file.truncated ? tooLarge() : error;
  });
  if (file.file.truncated) throw tooLarge();
  // Exactly one file: anything after it refuses the whole request.
  if ((await parts.next()).done !== true) throw new HttpError('BAD_REQUEST', ONE_FILE);
  return { filename: file.filename, ...inspector.result() };
}

/**
 * Attachment upload and download: HTTP routes beside the tRPC scope (multipart and streaming
 * do not fit tRPC). Files stream through a hash and a content check into UPLOAD_DIR/.tmp,
 * are fsynced and renamed under a generated id; the metadata and its audit event are one
 * transaction. Whatever fails, the temp file goes.
 */
export const uploadsPlugin: FastifyPluginAsync<UploadsPluginOptions> = async (
  app: FastifyInstance,
  { config, db },
) => {
  const uploadDir = config.UPLOAD_DIR;
  await mkdir(tempDir(uploadDir), { recursive: true });
  await app.register(multipart, {
    throwFileSizeLimit: true,
    // One file is allowed; a second is counted so it can be refused rather than ignored.
    limits: { fileSize: config.UPLOAD_MAX_BYTES, files: 2, fields: 0, parts: 2 },
  });

  app.setErrorHandler(async (error, req, reply: FastifyReply) => {
    // Refused while the body still arrives (the content check, a second file, a full disk): the
    // multipart parser stopped reading it, and Node reads no further request on a connection
    // whose body is unread. A keep-alive client's next request was never parsed, and shutdown
    // waited on the connection past its budget. The rest of the body is read and dropped, as a
    // body that is too large already is; requestTimeout bounds how long that may take.
    if (!req.raw.complete) {
      req.raw.unpipe();
      req.raw.resume();
    }
    // An error answer is JSON, whatever a download had set before it failed.
    for (const header of ['content-type', 'content-length', 'content-disposition']) {
      reply.removeHeader(header);
    }
    const mapped = uploadError(error);
    if (mapped instanceof HttpError) {
      req.log.info({ code: mapped.code }, mapped.message);
      if (mapped.code === 'SERVICE_UNAVAILABLE') void reply.header('retry-after', '5');
      return reply
        .code(mapped.statusCode)
        .send({ statusCode: mapped.statusCode, code: mapped.code, message: mapped.message });
    }
    req.log.error({ err: mapped }, 'attachment route failed');
    return reply
      .code(500)
      .send({ statusCode: 500, code: 'INTERNAL_SERVER_ERROR', message: 'Internal error' });
  });

  app.post<{ Params: { orgId?: string; invoiceId?: string } }>(
    '/v1/orgs/:orgId/invoices/:invoiceId/attachments',
    async (req, reply) => {
      const user = callerOf(req);
      const orgId = parseId(req.params.orgId, 'orgId');
      const invoiceId = parseId(req.params.invoiceId, 'invoiceId');
      const idempotencyKey = uploadIdempotencyKey(req.headers['idempotency-key']);
      await requireRole(db, orgId, user, 'accountant');
      const invoice = await db.collections.invoices.findOne(
        { _id: invoiceId, orgId },
        { projection: { _id: 1 } },
      );
      if (!invoice) throw new HttpError('NOT_FOUND', 'Invoice not found');
      if (!req.isMultipart()) throw new HttpError('BAD_REQUEST', ONE_FILE);
      const keyed = { db, scope: orgId.toHexString(), procedure: UPLOAD_PROCEDURE };
      const id = new ObjectId();
      const storageKey = `${orgId.toHexString()}/${id.toHexString()}`;
      const tempPath = join(tempDir(uploadDir), `${randomUUID()}.part`);
      const attachment = (received: ReceivedFile): AttachmentDoc => {
        const now = new Date();
        return {
          _id: id,
          orgId,
          invoiceId,
          filename: nameForType(sanitizeFilename(received.filename), received.contentType),
          contentType: received.contentType,
          size: received.size,
          sha256: received.sha256,
          storageKey,
          uploadedBy: user.uid,
          createdAt: now,
          updatedAt: now,
        };
      };
      let stored = false;
      let out: WriteStream | undefined;
      try {
        // A repeat of a keyed upload already stored is read without being kept: its answer is
        // the first upload's (or CONFLICT for another file), so a retry neither writes the file
        // again nor fails for a volume that has filled up since.
        const repeat =
          idempotencyKey !== undefined &&
          (await isIdempotencyKeyRecorded({ ...keyed, key: idempotencyKey }));
        if (repeat) {
          const doc = attachment(await receiveOneFile(req, async () => discardingSink()));
          const answer = await runIdempotent<ReturnType<typeof uploadAnswer>>({
            ...keyed,
            key: idempotencyKey,
            input: attachmentSummary(doc),
            now: doc.createdAt,
            // Only when the key's retention ran out since the check above: nothing was kept.
            work: () => Promise.reject(new IdempotencyKeyExpiredError()),
          });
          return reply.code(201).send(answer);
        }
        const received = await receiveOneFile(req, async () => {
          // Again per upload: a volume mounted or recreated after boot has no .tmp yet.
          await mkdir(tempDir(uploadDir), { recursive: true });
          out = createWriteStream(tempPath, { flags: 'wx', mode: 0o600 });
          return out;
        });
        await fsyncPath(tempPath);
        const finalPath = storagePath(uploadDir, storageKey);
        await mkdir(dirname(finalPath), { recursive: true });
        await rename(tempPath, finalPath);
        stored = true;

        const doc = attachment(received);
        const now = doc.createdAt;
        // The audit event's `after`, and what a repeat under the same key must match.
        const summary = attachmentSummary(doc);
        let answer: ReturnType<typeof uploadAnswer>;
        try {
          // The rename itself must survive a crash before the metadata points at it.
          await fsyncPath(dirname(finalPath));
          // Keyed: a repeat with the same key and file answers what the first upload answered.
          answer = await runIdempotent({
            ...keyed,
            key: idempotencyKey,
            input: summary,
            now,
            work: async (session) => {
              // The invoice was checked before the upload streamed, maybe seconds ago: a draft
              // deleted meanwhile would get an attachment nobody can list. A deleteDraft
              // committing while this runs is caught after the commit (withdrawIfInvoiceDeleted).
              const invoiceNow = await db.collections.invoices.findOne(
                { _id: invoiceId, orgId },
                { projection: { _id: 1 }, session },
              );
              if (invoiceNow === null) throw new HttpError('NOT_FOUND', 'Invoice not found');
              await db.collections.attachments.insertOne(doc, { session });
              await recordAudit(
                db,
                {
                  orgId,
                  actor: user,
                  action: 'attachment.upload',
                  entity: { type: 'attachment', id },
                  after: summary,
                  at: now,
                  requestId: req.id,
                },
                { session },
              );
              return uploadAnswer(doc);
            },
          });
        } catch (error) {
          // Stored but not recorded: nobody could ever download it, so it goes.
          await rm(finalPath, { force: true });
          throw error;
        }
        if (answer.id !== id.toHexString()) {
          // A repeat of a keyed upload: the first one's file and answer stand, this copy goes.
          await rm(finalPath, { force: true });
          return reply.code(201).send(answer);
        }
        // Stored and recorded: a failed re-check answers 201 (deleteDraft's sweep still runs).
        const withdrawn = await withdrawIfInvoiceDeleted(db, doc, user, req.id).catch(
          (error: unknown) => {
            req.log.warn({ err: error }, 'could not re-check the invoice of a stored attachment');
            return false;
          },
        );
        if (withdrawn) {
          await rm(finalPath, { force: true });
          throw new HttpError('NOT_FOUND', 'Invoice not found');
        }
        app.metrics.upload.stored(received.size, reply.elapsedTime / 1000);
        return reply.code(201).send(answer);
      } catch (error) {
        if (!stored) await discardTempFile(out, tempPath);
        const mapped = uploadError(error);
        const aborted = req.raw.readableAborted || req.raw.socket.destroyed;
        const reason = uploadFailureReason(error, mapped, aborted);
        app.metrics.upload.failed(reason, reply.elapsedTime / 1000);
        // What the answer hides (a full volume, a database failure) stays in the log.
        if (reason === 'enospc' || reason === 'db') {
          req.log.error({ err: error, reason }, 'upload failed');
        }
        throw mapped;
      }
    },
  );

  app.get<{ Params: { orgId?: string; attachmentId?: string } }>(
    '/v1/orgs/:orgId/attachments/:attachmentId',
    async (req, reply) => {
      const user = callerOf(req);
      const orgId = parseId(req.params.orgId, 'orgId');
      const attachmentId = parseId(req.params.attachmentId, 'attachmentId');
      await requireRole(db, orgId, user, 'viewer');
      const doc = await db.collections.attachments.findOne({ _id: attachmentId, orgId });
      if (!doc) throw new HttpError('NOT_FOUND', 'Attachment not found');
      const path = storagePath(uploadDir, doc.storageKey);
      // Opened before any header is set: once open, an attachment.delete racing this download
      // may unlink the file and the download still completes; gone before, it is a 404.
      let file: FileHandle;
      let size: number;
      try {
        file = await open(path, 'r');
      } catch {
        req.log.warn({ attachmentId: doc._id.toHexString() }, 'attachment file is missing');
        throw new HttpError('NOT_FOUND', 'Attachment not found');
      }
      try {
        size = (await file.stat()).size;
      } catch (error) {
        await file.close();
        throw error;
      }
      return reply
        .header('content-type', doc.contentType)
        .header('content-length', size)
        .header('content-disposition', contentDisposition(doc.filename))
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'private, no-store')
        .send(file.createReadStream());
    },
  );
};
