import type { ObjectId } from 'mongodb';
import type { IndexDefinition } from './index-spec.js';

/** One gapless sequence per organization and series (`invoice`, `credit_note`). */
export interface CounterDoc {
  _id: string;
  orgId: ObjectId;
  series: string;
  value: number;
}

export function counterId(orgId: ObjectId, series: string): string {
  return `${orgId.toHexString()}:${series}`;
}

export const counterIndexes: IndexDefinition[] = [];
