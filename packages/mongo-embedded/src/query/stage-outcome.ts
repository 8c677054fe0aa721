import { serialize, type Document } from 'bson';
import { runStages } from './pipeline.js';

/** What a pipeline answers (encoded: field order and BSON types count) or the error it throws. */
export type Outcome = { ok: Uint8Array[] } | { error: string };

/** Runs `stages` in memory with or without the native stages, for tests comparing the two. */
export function stageOutcome(docs: Document[], stages: Document[], fastStages: boolean): Outcome {
  try {
    const out = runStages(docs, stages, () => [], undefined, { fastStages });
    return { ok: out.map((d) => serialize(d, { ignoreUndefined: false })) };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}
