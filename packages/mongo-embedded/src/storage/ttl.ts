/** The TTL monitor's read half: which committed, unlocked documents have expired. */
import { TypeRank, typeRank } from '../query/compare.js';
import type { Namespace } from './contract.js';
import { decodeStored } from './documents.js';
import type { Interval } from './planner.js';
import { latestCommitted, type Collection, type Rec } from './records.js';
import { scanIntervals } from './scan-intervals.js';

/**
 * Documents whose TTL-indexed date is older than the index's `expireAfterSeconds` at `now`
 * (epoch ms). Non-date values never expire (MongoDB); documents held by a transaction are left
 * for a later pass.
 */
export function expiredDocuments(
  collections: Iterable<Collection>,
  now: number,
): { ns: Namespace; id: unknown }[] {
  const victims: { ns: Namespace; id: unknown }[] = [];
  for (const coll of collections) {
    for (const index of coll.indexes.values()) {
      if (index.ttlSeconds === undefined) continue;
      const cutoff = now - index.ttlSeconds * 1000;
      const dir = index.fields[0]?.direction ?? 1;
      const interval: Interval = (key) => {
        const v = key[0];
        const rank = typeRank(v);
        let pos: -1 | 0 | 1;
        if (rank < TypeRank.Date) pos = -1;
        else if (rank > TypeRank.Date) pos = 1;
        else pos = (v as Date).getTime() < cutoff ? 0 : 1;
        return dir === 1 ? pos : pos === 0 ? 0 : pos === 1 ? -1 : 1;
      };
      const seen = new Set<Rec>();
      scanIntervals(index, [interval], false, (e) => {
        if (seen.has(e.rec)) return true;
        const v = latestCommitted(e.rec);
        if (v !== e.ver || v.bytes === null || e.rec.head.owner !== null) return true;
        seen.add(e.rec);
        victims.push({ ns: { db: coll.db, coll: coll.name }, id: decodeStored(v.bytes)._id });
        return true;
      });
    }
  }
  return victims;
}
