import { BSON, type Document } from 'mongodb';

/**
 * MongoDB refuses user documents over 16 MiB; mongodump's files hold nothing bigger (plus a
 * little slack for internal fields). A length field beyond that is corruption, not data.
 */
export const MAX_BSON_DOCUMENT_BYTES = 16 * 1024 * 1024 + 16 * 1024;

/** The smallest BSON document: int32 length + terminating NUL. */
const MIN_BSON_DOCUMENT_BYTES = 5;

export class BsonFramingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BsonFramingError';
  }
}

/**
 * Splits a byte stream of concatenated BSON documents (mongodump's `.bson` files) into whole
 * documents, each a Buffer holding exactly its bytes. Refuses impossible lengths, a missing
 * terminator and a truncated tail, naming the byte offset. Chunks are only joined once a whole
 * document is buffered, so big documents cost one copy.
 */
export async function* splitBsonDocuments(
  source: AsyncIterable<Buffer | Uint8Array>,
): AsyncGenerator<Buffer> {
  let chunks: Buffer[] = [];
  let buffered = 0;
  let offset = 0;

  const take = (length: number): Buffer => {
    const joined = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, buffered);
    const doc = joined.subarray(0, length);
    const rest = joined.subarray(length);
    chunks = rest.length > 0 ? [rest] : [];
    buffered = rest.length;
    return doc;
  };
  const peekLength = (): number => {
    const head = chunks.length === 1 || chunks[0]!.length >= 4 ? chunks[0]! : Buffer.concat(chunks);
    return head.readInt32LE(0);
  };

  for await (const chunk of source) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    if (buffer.length === 0) continue;
    chunks.push(buffer);
    buffered += buffer.length;
    while (buffered >= 4) {
      const length = peekLength();
      if (length < MIN_BSON_DOCUMENT_BYTES || length > MAX_BSON_DOCUMENT_BYTES) {
        throw new BsonFramingError(`invalid BSON document length ${length} at byte ${offset}`);
      }
      if (buffered < length) break;
      const doc = take(length);
      if (doc[length - 1] !== 0) {
        throw new BsonFramingError(`BSON document at byte ${offset} is not terminated`);
      }
      offset += length;
      yield doc;
    }
  }
  if (buffered > 0) {
    throw new BsonFramingError(`truncated BSON: ${buffered} trailing bytes at byte ${offset}`);
  }
}

/**
 * Decodes a document so that serializing it again gives the same bytes: Int32, Double and Long
 * stay wrapped (a plain number would come back as int32 or double by value), regexes keep their
 * flags. Throws on invalid BSON (bad UTF-8, bad lengths inside).
 */
export function decodeExact(raw: Uint8Array): Document {
  return BSON.deserialize(raw, {
    promoteValues: false,
    promoteLongs: false,
    promoteBuffers: false,
    bsonRegExp: true,
    validation: { utf8: true },
  });
}
