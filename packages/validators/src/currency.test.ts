import { describe, expect, it } from 'vitest';
import { currencyCodeSchema, currencyExponent } from './currency.js';

describe('currency', () => {
  it('knows the ISO 4217 exponents of JPY, EUR and KWD', () => {
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('EUR')).toBe(2);
    expect(currencyExponent('KWD')).toBe(3);
  });

  it.each([['eur'], ['EURO'], [''], ['XXX'], [{ $ne: '' }], ['$where']])('rejects %j', (input) => {
    expect(currencyCodeSchema.safeParse(input).success).toBe(false);
  });
});
