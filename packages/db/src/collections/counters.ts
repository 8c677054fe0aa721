import type { ObjectId } from 'mongodb';
import type { IndexDefinition } from './index-spec.js';

/**
 * One gapless sequence per organization and series: `invoice` and `creditNote`, or
 * `invoice:2026` / `creditNote:2026` when the org's numbering restarts every year.
 */
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
