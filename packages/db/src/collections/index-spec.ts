import type { CreateIndexesOptions, IndexSpecification } from 'mongodb';

/** An index declared next to its collection and reconciled at boot (see reconcile-indexes.ts). */
export interface IndexDefinition {
  name: string;
  key: Record<string, 1 | -1>;
  options?: Omit<CreateIndexesOptions, 'name'>;
}

export function toIndexSpecification(def: IndexDefinition): IndexSpecification {
  return def.key;
}
