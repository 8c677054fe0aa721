import type { Document } from 'bson';
import { ErrorCode, MongoCommandError } from '../errors.js';
import type { Namespace, ScanOptions, ScanResult, WriteUnit } from '../storage/contract.js';
import type { CommandContext } from './context.js';

/**
 * `limit` (skip + limit of the caller) is a hint the engine may use to stop decoding
 * once it has that many matches in the requested order; callers still slice.
 */
export type ScanRequest = Omit<ScanOptions, 'txn'> & { limit?: number };

/** Scans inside the command's transaction when there is one; a missing collection reads as empty. */
export function scan(ctx: CommandContext, ns: Namespace, options: ScanRequest): ScanResult {
  if (!ctx.server.storage.getCollection(ns)) {
    return {
      docs: [],
      ...(options.withBytes === true ? { bytes: [] } : {}),
      plan: { stage: 'EOF', keysExamined: 0, docsExamined: 0, sortCovered: true },
    };
  }
  return ctx.server.storage.scan(ns, ctx.txn ? { ...options, txn: ctx.txn } : options);
}

/**
 * The stored bytes of a scan asked `withBytes`. Its documents were decoded with only the
 * fields the reader filters or sorts on, so they must never go out in place of missing bytes.
 */
export function storedBytes(result: ScanResult): Uint8Array[] {
  if (result.bytes !== undefined && result.bytes.length === result.docs.length) return result.bytes;
  throw new MongoCommandError(ErrorCode.InternalError, 'the storage returned no stored bytes');
}

/**
 * Runs synchronous write work in the transaction's unit, or in a fresh unit that is
 * journaled before the promise resolves (so the reply means durable).
 */
export async function performWrites<T>(
  ctx: CommandContext,
  work: (unit: WriteUnit) => T,
): Promise<T> {
  const result = ctx.txn ? work(ctx.txn.writes) : await ctx.server.storage.write(work);
  ctx.server.clock.tick();
  return result;
}

/** Creates the collection on first write, as MongoDB does implicitly. */
export async function ensureCollection(
  ctx: CommandContext,
  ns: Namespace,
  options?: Document,
): Promise<boolean> {
  if (ctx.server.storage.getCollection(ns)) return false;
  try {
    await ctx.server.storage.createCollection(ns, options);
    return true;
  } catch (error) {
    if (error instanceof MongoCommandError && error.code === ErrorCode.NamespaceExists)
      return false;
    throw error;
  }
}
