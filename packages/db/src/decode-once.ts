import { BSON, type ClientSession, type Collection, type Document, type Filter } from 'mongodb';

/**
 * Reads that decode each returned document once.
 *
 * With command monitoring on (the server's /metrics records every command's duration), the
 * driver decodes every reply in full for its `commandSucceeded` event and the cursor then
 * decodes each document again: a read of 50 invoices pays for 100. A cursor opened with
 * `raw: true` keeps its batch as bytes in the event's reply; the documents are decoded here,
 * once, with the driver's default options (the client sets none: `createDb`), so they are the
 * very values `toArray()` of an ordinary cursor returns.
 */
function decodeAll<T>(raw: readonly unknown[]): T[] {
  return raw.map((bytes) => {
    if (!(bytes instanceof Uint8Array)) {
      throw new TypeError('expected a raw BSON document from a cursor opened with raw: true');
    }
    return BSON.deserialize(bytes) as T;
  });
}

export interface FindAllOptions {
  sort?: Document;
  limit?: number;
}

/** `collection.find(filter).sort(sort).limit(limit).toArray()`, each document decoded once. */
export async function findAll<T extends Document>(
  collection: Collection<T>,
  filter: Filter<T>,
  options: FindAllOptions = {},
): Promise<T[]> {
  const cursor = collection.find(filter, { raw: true });
  if (options.sort !== undefined) cursor.sort(options.sort);
  if (options.limit !== undefined) cursor.limit(options.limit);
  return decodeAll<T>(await cursor.toArray());
}

/** `collection.aggregate(pipeline).toArray()`, each result document decoded once. */
export async function aggregateAll<R extends Document, T extends Document = Document>(
  collection: Collection<T>,
  pipeline: Document[],
  options: { session?: ClientSession | undefined } = {},
): Promise<R[]> {
  const cursor = collection.aggregate(
    pipeline,
    options.session ? { raw: true, session: options.session } : { raw: true },
  );
  return decodeAll<R>(await cursor.toArray());
}
