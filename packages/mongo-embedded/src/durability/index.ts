/**
 * File-backed durability for the embedded server (work in progress: signature first so the
 * command layer can wire `startEmbeddedMongo({ dbPath })` against it).
 */
import type { Durability } from '../storage/durability-contract.js';

export interface FileDurabilityOptions {
  /** Data directory; created when missing. */
  dbPath: string;
  /** Journal bytes since the last checkpoint after which `shouldCheckpoint()` turns true. */
  checkpointBytes?: number;
  /** fdatasync before acknowledging (default true). Only tests that don't test durability turn it off. */
  fsync?: boolean;
}

export function createFileDurability(options: FileDurabilityOptions): Promise<Durability> {
  return Promise.reject(new Error(`createFileDurability(${options.dbPath}): not implemented yet`));
}
