import type { IndexDefinition } from './index-spec.js';

export interface MigrationDoc {
  /** Zero-padded version, e.g. "0001". */
  _id: string;
  name: string;
  appliedAt: Date;
}

export const migrationIndexes: IndexDefinition[] = [];
