/**
 * Durability for in-memory mode: nothing to recover, every append is "durable" at once.
 */
import type { Durability, RecoveredState } from './durability-contract.js';

export function createNoopDurability(): Durability {
  return {
    recover: (): Promise<RecoveredState> => Promise.resolve({ collections: [] }),
    append: (): Promise<void> => Promise.resolve(),
    shouldCheckpoint: (): boolean => false,
    checkpoint: (): Promise<void> => Promise.resolve(),
    close: (): Promise<void> => Promise.resolve(),
  };
}
