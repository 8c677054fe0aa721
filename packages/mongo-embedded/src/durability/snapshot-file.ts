/**
 * Checkpoint files: a stream of frames (see frame.ts) whose payload starts with a kind byte.
 *
 *   HEADER      BSON { format, journalStart }         once, first
 *   COLLECTION  BSON { ns, options, uuid, indexes }  declares the collection of the DOCS after it
 *   DOCS        concatenated BSON documents           ~1 MB per frame
 *   FOOTER      BSON { collections, documents }       once, last: proves the file is complete
 *
 * Written streaming (bounded memory, awaiting every chunk so the event loop keeps serving
 * clients); read streaming too.
 */
import { open } from 'node:fs/promises';
import { Binary, BSON, type Document } from 'bson';
import type { IndexSpec } from '../storage/contract.js';
import type { CollectionSnapshot } from '../storage/durability-contract.js';
import { FrameReader, frameHeader, writeFully } from './frame.js';
import { bytes } from './journal-codec.js';
import type { RecoveredStateBuilder } from './replay-state.js';

export const SNAPSHOT_FORMAT = 1;
const KIND_HEADER = 1;
const KIND_COLLECTION = 2;
const KIND_DOCS = 3;
const KIND_FOOTER = 4;

const CHUNK_BYTES = 1024 * 1024;

export class CheckpointCorruptError extends Error {
  override name = 'CheckpointCorruptError';
}

/** A snapshot whose document lists were materialized when the checkpoint started. */
export interface CapturedCollection extends Omit<CollectionSnapshot, 'docs'> {
  docs: readonly (Uint8Array | Document)[];
}

export interface SnapshotWriteResult {
  bytes: number;
  documents: number;
}

export async function writeSnapshot(
  path: string,
  collections: readonly CapturedCollection[],
  journalStart: number,
  fsync: boolean,
): Promise<SnapshotWriteResult> {
  const fh = await open(path, 'w');
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let written = 0;
  let documents = 0;

  const flush = async (): Promise<void> => {
    if (pendingBytes === 0) return;
    const chunk = Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    await writeFully(fh, chunk);
    written += chunk.length;
  };
  const frame = async (kind: number, parts: readonly Uint8Array[]): Promise<void> => {
    const all = [Uint8Array.of(kind), ...parts];
    const header = frameHeader(all);
    pending.push(header, ...all);
    for (const part of all) pendingBytes += part.byteLength;
    pendingBytes += header.byteLength;
    if (pendingBytes >= CHUNK_BYTES) await flush();
  };

  try {
    await frame(KIND_HEADER, [BSON.serialize({ format: SNAPSHOT_FORMAT, journalStart })]);
    for (const collection of collections) {
      const meta = {
        ns: collection.ns,
        options: collection.options,
        uuid: new Binary(collection.uuid),
        indexes: collection.indexes,
      };
      await frame(KIND_COLLECTION, [BSON.serialize(meta, { ignoreUndefined: true })]);
      let docs: Uint8Array[] = [];
      let docsBytes = 0;
      for (const doc of collection.docs) {
        const encoded = doc instanceof Uint8Array ? doc : BSON.serialize(doc);
        docs.push(encoded);
        docsBytes += encoded.byteLength;
        documents++;
        if (docsBytes >= CHUNK_BYTES) {
          await frame(KIND_DOCS, docs);
          docs = [];
          docsBytes = 0;
        }
      }
      if (docs.length > 0) await frame(KIND_DOCS, docs);
    }
    await frame(KIND_FOOTER, [BSON.serialize({ collections: collections.length, documents })]);
    await flush();
    if (fsync) await fh.sync();
  } finally {
    await fh.close();
  }
  return { bytes: written, documents };
}

/** Loads a checkpoint into `builder`; returns the first journal segment it does not cover. */
export async function readSnapshot(
  path: string,
  builder: RecoveredStateBuilder,
): Promise<{ journalStart: number; documents: number }> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const reader = new FrameReader(fh, size);
    const corrupt = (offset: number, why: string): CheckpointCorruptError =>
      new CheckpointCorruptError(`checkpoint ${path} is damaged at offset ${offset}: ${why}`);

    let journalStart: number | undefined;
    let currentNs: string | undefined;
    let collections = 0;
    let documents = 0;
    for (;;) {
      const result = await reader.next();
      if (result.kind === 'end') throw corrupt(result.offset, 'no footer (incomplete file)');
      if (result.kind === 'bad') throw corrupt(result.offset, result.reason);
      const { payload, offset } = result;
      const kind = payload[0];
      const body = payload.subarray(1);
      if (journalStart === undefined && kind !== KIND_HEADER) throw corrupt(offset, 'no header');
      switch (kind) {
        case KIND_HEADER: {
          const header = BSON.deserialize(body);
          if (header.format !== SNAPSHOT_FORMAT) {
            throw corrupt(offset, `unsupported format ${String(header.format)}`);
          }
          if (typeof header.journalStart !== 'number') throw corrupt(offset, 'no journalStart');
          journalStart = header.journalStart;
          break;
        }
        case KIND_COLLECTION: {
          const meta = BSON.deserialize(body);
          if (typeof meta.ns !== 'string') throw corrupt(offset, 'collection without ns');
          builder.loadCollection({
            ns: meta.ns,
            options: (meta.options ?? {}) as Document,
            uuid: bytes(meta, 'uuid'),
            indexes: (meta.indexes ?? []) as IndexSpec[],
          });
          currentNs = meta.ns;
          collections++;
          break;
        }
        case KIND_DOCS: {
          if (currentNs === undefined) throw corrupt(offset, 'documents before any collection');
          let at = 0;
          while (at < body.length) {
            const docSize = at + 4 <= body.length ? body.readInt32LE(at) : -1;
            if (docSize < 5 || at + docSize > body.length) throw corrupt(offset, 'bad document');
            // Copy: a view would pin the whole 1 MB read chunk for as long as the doc lives.
            builder.loadDocument(currentNs, new Uint8Array(body.subarray(at, at + docSize)));
            at += docSize;
            documents++;
          }
          break;
        }
        case KIND_FOOTER: {
          const footer = BSON.deserialize(body);
          if (footer.collections !== collections || footer.documents !== documents) {
            throw corrupt(offset, 'footer counts do not match the file');
          }
          if (reader.offset !== size) throw corrupt(reader.offset, 'data after footer');
          if (journalStart === undefined) throw corrupt(offset, 'no header');
          return { journalStart, documents };
        }
        default:
          throw corrupt(offset, `unknown frame kind ${String(kind)}`);
      }
    }
  } finally {
    await fh.close();
  }
}
