/**
 * The fold from (checkpoint, journal ops) to RecoveredState, kept here so the storage
 * engine only has to load collections. Replay is lenient where the engine would already
 * have refused the operation (the journal only holds committed changes): a put into a
 * missing collection creates it, a del of a missing document is a no-op.
 */
import { createHash } from 'node:crypto';
import type { Document } from 'bson';
import type { IndexSpec } from '../storage/contract.js';
import type { CollectionSnapshot, RecoveredState } from '../storage/durability-contract.js';
import { docIdKey, idKey } from './id-key.js';
import type { ReplayOp } from './journal-codec.js';

interface CollectionState {
  options: Document;
  uuid: Uint8Array;
  indexes: IndexSpec[];
  /** Checkpoint documents not yet keyed: keyed lazily, only if the journal touches the collection. */
  unkeyed: Uint8Array[];
  docs: Map<string, Uint8Array>;
}

export interface CollectionMeta {
  ns: string;
  options: Document;
  uuid: Uint8Array;
  indexes: IndexSpec[];
}

export class RecoveredStateBuilder {
  private readonly collections = new Map<string, CollectionState>();
  /** Called for replay oddities the engine would have refused (logged by the caller). */
  constructor(private readonly onAnomaly: (message: string) => void = () => undefined) {}

  loadCollection(meta: CollectionMeta): void {
    this.collections.set(meta.ns, {
      options: meta.options,
      uuid: meta.uuid,
      indexes: [...meta.indexes],
      unkeyed: [],
      docs: new Map(),
    });
  }

  /** A checkpoint document (already known to be unique by _id). */
  loadDocument(ns: string, doc: Uint8Array): void {
    const state = this.collections.get(ns);
    if (!state) throw new Error(`checkpoint document for undeclared collection ${ns}`);
    state.unkeyed.push(doc);
  }

  apply(op: ReplayOp): void {
    switch (op.op) {
      case 'put': {
        this.keyed(op.ns).docs.set(docIdKey(op.doc), op.doc);
        return;
      }
      case 'del': {
        const state = this.collections.get(op.ns);
        if (!state) return;
        this.ensureKeyed(state);
        state.docs.delete(idKey(op.id));
        return;
      }
      case 'createCollection': {
        const existing = this.collections.get(op.ns);
        if (existing) {
          this.onAnomaly(`createCollection ${op.ns}: already exists, options replaced`);
          existing.options = op.options;
          existing.uuid = op.uuid;
          return;
        }
        this.loadCollection({ ns: op.ns, options: op.options, uuid: op.uuid, indexes: [] });
        return;
      }
      case 'dropCollection':
        this.collections.delete(op.ns);
        return;
      case 'dropDatabase': {
        const prefix = `${op.db}.`;
        for (const ns of [...this.collections.keys()]) {
          if (ns.startsWith(prefix)) this.collections.delete(ns);
        }
        return;
      }
      case 'renameCollection': {
        const source = this.collections.get(op.from);
        if (!source) {
          this.onAnomaly(`renameCollection ${op.from}: source missing, skipped`);
          return;
        }
        if (this.collections.has(op.to) && !op.dropTarget) {
          this.onAnomaly(`renameCollection ${op.from} -> ${op.to}: target replaced`);
        }
        this.collections.delete(op.to);
        this.collections.delete(op.from);
        this.collections.set(op.to, source);
        return;
      }
      case 'createIndex': {
        const state = this.collection(op.ns);
        state.indexes = [...state.indexes.filter((i) => i.name !== op.spec.name), op.spec];
        return;
      }
      case 'dropIndex': {
        const state = this.collections.get(op.ns);
        if (state) state.indexes = state.indexes.filter((i) => i.name !== op.name);
        return;
      }
    }
  }

  build(): RecoveredState {
    const collections: CollectionSnapshot[] = [];
    for (const [ns, state] of this.collections) {
      collections.push({
        ns,
        options: state.options,
        uuid: state.uuid,
        indexes: state.indexes,
        docs: state.docs.size === 0 ? state.unkeyed : [...state.unkeyed, ...state.docs.values()],
      });
    }
    return { collections };
  }

  private collection(ns: string): CollectionState {
    let state = this.collections.get(ns);
    if (!state) {
      this.onAnomaly(`write to missing collection ${ns}: created`);
      this.loadCollection({ ns, options: {}, uuid: uuidFor(ns), indexes: [] });
      state = this.collections.get(ns);
    }
    if (!state) throw new Error('unreachable: collection just created');
    return state;
  }

  private keyed(ns: string): CollectionState {
    const state = this.collection(ns);
    this.ensureKeyed(state);
    return state;
  }

  private ensureKeyed(state: CollectionState): void {
    if (state.unkeyed.length === 0) return;
    const keyed = new Map<string, Uint8Array>();
    for (const doc of state.unkeyed) keyed.set(docIdKey(doc), doc);
    for (const [key, doc] of state.docs) keyed.set(key, doc);
    state.docs = keyed;
    state.unkeyed = [];
  }
}

/** Deterministic, so every recovery of the same journal gives the collection the same uuid. */
function uuidFor(ns: string): Uint8Array {
  return new Uint8Array(createHash('md5').update(`mongo-embedded:${ns}`).digest());
}
