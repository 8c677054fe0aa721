/**
 * Entry point of the storage engine: recovers durable state, then serves the contract
 * (`Engine` implements `StorageEngine`, plus a few test hooks such as `runTtlMonitor`).
 */
import { Engine, type StorageEngineOptions } from './engine.js';
import { createNoopDurability } from './noop-durability.js';

export { Engine, type StorageEngineOptions } from './engine.js';
export type * from './contract.js';

export async function createStorageEngine(options: StorageEngineOptions = {}): Promise<Engine> {
  const durability = options.durability ?? createNoopDurability();
  const state = await durability.recover();
  const engine = new Engine({ ...options, durability });
  engine.load(state);
  return engine;
}
