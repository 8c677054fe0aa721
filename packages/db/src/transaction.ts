import type { ClientSession, MongoClient, TransactionOptions } from 'mongodb';

/** Options every business transaction uses: snapshot reads, majority-acknowledged commit. */
export const TRANSACTION_OPTIONS: TransactionOptions = {
  readConcern: { level: 'snapshot' },
  writeConcern: { w: 'majority' },
  readPreference: 'primary',
};

/**
 * Runs `work` in a transaction through the driver's `withTransaction`, which retries the
 * whole callback on TransientTransactionError (e.g. write conflicts) and the commit on
 * UnknownTransactionCommitResult. `work` must therefore be safe to run more than once:
 * keep side effects outside MongoDB (files, network) out of it.
 */
export async function withTransaction<T>(
  client: MongoClient,
  work: (session: ClientSession) => Promise<T>,
  options: TransactionOptions = TRANSACTION_OPTIONS,
): Promise<T> {
  const session = client.startSession();
  try {
    return await session.withTransaction(work, options);
  } finally {
    await session.endSession();
  }
}
