/** Shared by the durability tests: temp dirs and a comparable view of RecoveredState. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BSON, type Document } from 'bson';
import type { JournalOp, RecoveredState } from '../storage/durability-contract.js';

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'durability-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface PlainCollection {
  ns: string;
  options: Document;
  uuid: string;
  indexes: Document[];
  docs: Document[];
}

/** RecoveredState with bytes decoded, sorted by ns, docs in their recovered order. */
export function plain(state: RecoveredState): PlainCollection[] {
  return state.collections
    .map((c) => ({
      ns: c.ns,
      options: c.options,
      uuid: Buffer.from(c.uuid).toString('hex'),
      indexes: c.indexes.map((i) => ({ ...i })),
      docs: Array.from(c.docs, (d) => (d instanceof Uint8Array ? BSON.deserialize(d) : d)),
    }))
    .sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0));
}

export function uuidOf(n: number): Uint8Array {
  const bytes = new Uint8Array(16);
  bytes[15] = n;
  return bytes;
}

/** An op as tests compare it: a put's document read through `doc`, the bytes it carries left out. */
export function describedOp(op: JournalOp): JournalOp {
  return op.op === 'put' ? { op: 'put', ns: op.ns, doc: op.doc } : op;
}
