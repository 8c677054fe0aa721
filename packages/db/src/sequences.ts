import type { ClientSession, ObjectId } from 'mongodb';
import type { Collections } from './collections/index.js';
import { counterId } from './collections/counters.js';

/**
 * Takes the next value of an organization's gapless sequence. Call it inside the same
 * transaction as the write that uses the number: if that transaction aborts, the
 * increment aborts with it and the number is given back. Concurrent callers conflict
 * on the counter document and the driver retries them, so numbers stay 1..N.
 */
export async function nextSequence(
  collections: Pick<Collections, 'counters'>,
  orgId: ObjectId,
  series: string,
  { session }: { session: ClientSession },
): Promise<number> {
  const counter = await collections.counters.findOneAndUpdate(
    { _id: counterId(orgId, series) },
    { $inc: { value: 1 }, $setOnInsert: { orgId, series } },
    { upsert: true, returnDocument: 'after', session },
  );
  if (counter === null) throw new Error(`sequence ${series} could not be incremented`);
  return counter.value;
}
