import type { Db } from 'mongodb';
import { getCollections } from './collections/index.js';

export interface Migration {
  /** Zero-padded, sortable: "0001". */
  version: string;
  name: string;
  up(db: Db): Promise<void>;
}

export interface MigrationStatus {
  version: string;
  name: string;
  appliedAt: Date | null;
  /** False for a migration recorded as applied that this build does not declare (a newer release's, after a rollback). */
  declared: boolean;
}

/** The project's migrations, in order. Append only; never edit one that has shipped. */
export const MIGRATIONS: readonly Migration[] = [];

export async function migrationStatus(
  db: Db,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrationStatus[]> {
  const applied = await getCollections(db).migrations.find({}).toArray();
  const byVersion = new Map(applied.map((m) => [m._id, m]));
  const declared = new Set(migrations.map((m) => m.version));
  return [
    ...migrations.map((m) => ({
      version: m.version,
      name: m.name,
      appliedAt: byVersion.get(m.version)?.appliedAt ?? null,
      declared: true,
    })),
    ...applied
      .filter((m) => !declared.has(m._id))
      .map((m) => ({ version: m._id, name: m.name, appliedAt: m.appliedAt, declared: false })),
  ].sort((a, b) => a.version.localeCompare(b.version));
}

/**
 * Applies pending migrations in version order, recording each once it succeeded.
 * The record is inserted with the version as _id, so two instances racing on boot
 * cannot both record the same migration: the loser gets a duplicate key and stops.
 */
export async function migrateUp(
  db: Db,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<string[]> {
  const sorted = [...migrations].sort((a, b) => a.version.localeCompare(b.version));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]?.version === sorted[i - 1]?.version)
      throw new Error(`duplicate migration version ${sorted[i]?.version}`);
  }
  const status = await migrationStatus(db, sorted);
  const ran: string[] = [];
  for (const migration of sorted) {
    if (status.find((s) => s.version === migration.version)?.appliedAt) continue;
    await migration.up(db);
    await getCollections(db).migrations.insertOne({
      _id: migration.version,
      name: migration.name,
      appliedAt: new Date(),
    });
    ran.push(migration.version);
  }
  return ran;
}
