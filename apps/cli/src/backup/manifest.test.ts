import { describe, expect, it } from 'vitest';
import { isSafeRelativePath, manifestSchema } from './manifest.js';

describe('backup manifest', () => {
  it('accepts plain relative paths only', () => {
    for (const ok of ['invoices/customers.bson', 'uploads/abc/def', 'a.b-c_d']) {
      expect(isSafeRelativePath(ok)).toBe(true);
    }
    for (const bad of [
      '',
      '/etc/passwd',
      '../x',
      'a/../../x',
      'a/./b',
      'a//b',
      'a\\b',
      'a/b/',
      '..',
      'a b',
      'x\u0000',
      `${'a'.repeat(300)}`,
      'a/'.repeat(600),
    ]) {
      expect({ bad, ok: isSafeRelativePath(bad) }).toEqual({ bad, ok: false });
    }
  });

  it('requires mongodump file names, unique upload paths and consistent totals', () => {
    const sha = 'a'.repeat(64);
    const base = {
      format: 'invoice-admin-backup',
      version: 1,
      createdAt: '2026-01-01T00:00:00.000Z',
      database: 'invoices',
      gzip: false,
      consistency: 'snapshot-transaction',
      collections: [
        {
          name: 'customers',
          documents: 1,
          indexes: 1,
          data: { path: 'invoices/customers.bson', bytes: 5, sha256: sha },
          metadata: { path: 'invoices/customers.metadata.json', bytes: 5, sha256: sha },
        },
      ],
      uploads: { files: [{ path: 'uploads/o/f', bytes: 3, sha256: sha }], bytes: 3 },
    };
    expect(manifestSchema.safeParse(base).success).toBe(true);
    const wrongName = structuredClone(base);
    wrongName.collections[0]!.data.path = 'invoices/other.bson';
    expect(manifestSchema.safeParse(wrongName).success).toBe(false);
    const gz = { ...base, gzip: true };
    expect(manifestSchema.safeParse(gz).success).toBe(false);
    const outside = structuredClone(base);
    outside.uploads.files[0]!.path = 'invoices/customers.bson';
    expect(manifestSchema.safeParse(outside).success).toBe(false);
    const total = structuredClone(base);
    total.uploads.bytes = 4;
    expect(manifestSchema.safeParse(total).success).toBe(false);
    const system = structuredClone(base);
    system.collections[0]!.name = 'system.users';
    expect(manifestSchema.safeParse(system).success).toBe(false);
    expect(manifestSchema.safeParse({ ...base, extra: 1 }).success).toBe(false);
  });
});
