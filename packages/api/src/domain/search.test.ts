import { describe, expect, it } from 'vitest';
import { escapeRegex, normalizeForSearch, prefixPattern } from './search.js';

describe('search', () => {
  it('escapes every regex metacharacter', () => {
    const nasty = '.*+?^${}()|[]\\/-';
    const pattern = new RegExp(`^${escapeRegex(nasty)}$`);
    expect(pattern.test(nasty)).toBe(true);
    expect(pattern.test('anything else')).toBe(false);
  });

  it('neutralizes catastrophic patterns', () => {
    const pattern = new RegExp(prefixPattern('(a+)+$'));
    expect(pattern.test(`${'a'.repeat(50)}!`)).toBe(false);
    expect(pattern.test('(a+)+$ co')).toBe(true);
  });

  it.each([
    ['Ångström  Café', 'angstrom cafe'],
    ['  INV-2026-00042 ', 'inv-2026-00042'],
    ['Cash $ Co', 'cash $ co'],
    ['ＦＵＬＬ width', 'full width'],
  ])('normalizes %j to %j', (input, expected) => {
    expect(normalizeForSearch(input)).toBe(expected);
  });

  it('matches names by case- and accent-insensitive prefix', () => {
    const stored = normalizeForSearch('Crème Brûlée Ltd');
    expect(new RegExp(prefixPattern('creme BR')).test(stored)).toBe(true);
    expect(new RegExp(prefixPattern('brulee')).test(stored)).toBe(false);
  });
});
