import type { Db, Document } from 'mongodb';
import { COLLECTIONS, INDEXES, type CollectionKey } from './collections/index.js';
import type { IndexDefinition } from './collections/index-spec.js';

export interface IndexDrift {
  collection: string;
  /** Declared but absent: created by reconcile. */
  missing: string[];
  /** Present with the declared name but different key or options: reported, never changed silently. */
  changed: string[];
  /** Present but not declared (other than _id_): reported, never dropped automatically. */
  extra: string[];
}

/**
 * Options that change what an index does. `hidden`: the planner ignores a hidden index, so for
 * queries it is missing (`collection.hideIndex()` left behind). `collation`: no declared index
 * has one, and one with a collation serves only queries with that collation.
 */
const COMPARED_OPTIONS = [
  'unique',
  'sparse',
  'partialFilterExpression',
  'expireAfterSeconds',
  'hidden',
  'collation',
] as const;

/** `false` is how a server may spell an absent boolean option. */
function optionValue(value: unknown): string {
  return JSON.stringify(value === undefined || value === false ? null : value);
}

function sameIndex(def: IndexDefinition, existing: Document): boolean {
  if (JSON.stringify(def.key) !== JSON.stringify(existing.key)) return false;
  const options = (def.options ?? {}) as Document;
  return COMPARED_OPTIONS.every(
    (option) => optionValue(options[option]) === optionValue(existing[option]),
  );
}

async function existingIndexes(db: Db, name: string): Promise<Document[]> {
  const exists = await db.listCollections({ name }, { nameOnly: true }).hasNext();
  return exists ? db.collection(name).listIndexes().toArray() : [];
}

/** Compares declared and present indexes without changing anything. */
export async function inspectIndexes(db: Db): Promise<IndexDrift[]> {
  const report: IndexDrift[] = [];
  for (const key of Object.keys(COLLECTIONS) as CollectionKey[]) {
    const name = COLLECTIONS[key];
    const declared = INDEXES[key];
    const present = await existingIndexes(db, name);
    const byName = new Map(present.map((index) => [String(index.name), index]));
    report.push({
      collection: name,
      missing: declared.filter((d) => !byName.has(d.name)).map((d) => d.name),
      changed: declared
        .filter((d) => {
          const existing = byName.get(d.name);
          return existing !== undefined && !sameIndex(d, existing);
        })
        .map((d) => d.name),
      extra: present
        .map((index) => String(index.name))
        .filter((n) => n !== '_id_' && !declared.some((d) => d.name === n)),
    });
  }
  return report;
}

/**
 * Creates every declared index that is missing (collections included). Awaited at boot;
 * a failure (e.g. duplicates blocking a unique index) is fatal. Changed or extra indexes
 * are reported, not touched: dropping an index is an operator's decision.
 */
export async function reconcileIndexes(db: Db): Promise<IndexDrift[]> {
  const before = await inspectIndexes(db);
  for (const drift of before) {
    const key = (Object.keys(COLLECTIONS) as CollectionKey[]).find(
      (k) => COLLECTIONS[k] === drift.collection,
    );
    if (key === undefined) continue;
    const toCreate = INDEXES[key].filter((d) => drift.missing.includes(d.name));
    if (toCreate.length === 0) {
      const exists = await db
        .listCollections({ name: drift.collection }, { nameOnly: true })
        .hasNext();
      if (!exists) await db.createCollection(drift.collection);
      continue;
    }
    await db
      .collection(drift.collection)
      .createIndexes(toCreate.map((d) => ({ key: d.key, name: d.name, ...d.options })));
  }
  return before;
}
