import { z } from 'zod';

/**
 * ISO 4217 minor-unit exponents for the currencies we accept. An amount is an
 * integer count of minor units: 1234 EUR = 12.34 €, 1234 JPY = ¥1234, 1234 KWD = 1.234 KD.
 */
// prettier-ignore
export const CURRENCY_EXPONENTS = {
  AED: 2, AUD: 2, BGN: 2, BHD: 3, BRL: 2, CAD: 2, CHF: 2, CLP: 0, CNY: 2, CZK: 2,
  DKK: 2, EUR: 2, GBP: 2, HKD: 2, HUF: 2, IDR: 2, ILS: 2, INR: 2, ISK: 0, JOD: 3,
  JPY: 0, KRW: 0, KWD: 3, MAD: 2, MXN: 2, MYR: 2, NOK: 2, NZD: 2, OMR: 3, PHP: 2,
  PLN: 2, QAR: 2, RON: 2, SAR: 2, SEK: 2, SGD: 2, THB: 2, TND: 3, TRY: 2, TWD: 2,
  UAH: 2, USD: 2, VND: 0, XAF: 0, XOF: 0, ZAR: 2,
} as const satisfies Record<string, 0 | 2 | 3>;

export type CurrencyCode = keyof typeof CURRENCY_EXPONENTS;

const currencyCodes = Object.keys(CURRENCY_EXPONENTS) as [CurrencyCode, ...CurrencyCode[]];

export const currencyCodeSchema = z.enum(currencyCodes, {
  error: 'Must be a supported ISO 4217 currency code in upper case, such as "EUR"',
});

export function currencyExponent(currency: CurrencyCode): 0 | 2 | 3 {
  return CURRENCY_EXPONENTS[currency];
}

/**
 * Prints an amount of minor units in major units with exactly the currency's decimals
 * (1234 EUR → "12.34", 5 KWD → "0.005"), by string arithmetic so no float is involved.
 */
export function formatMinorUnits(amount: number, currency: CurrencyCode): string {
  if (!Number.isSafeInteger(amount)) {
    throw new RangeError(`Amount must be a safe integer of minor units, got ${amount}`);
  }
  const exponent = currencyExponent(currency);
  const digits = Math.abs(amount).toString();
  const sign = amount < 0 ? '-' : '';
  if (exponent === 0) return sign + digits;
  const padded = digits.padStart(exponent + 1, '0');
  return `${sign}${padded.slice(0, -exponent)}.${padded.slice(-exponent)}`;
}

/**
 * Parses a decimal string in major units into exact minor units ("12.3" EUR → 1230). More
 * decimals than the currency has is an error, never a silent rounding.
 */
export function parseMajorUnits(value: string, currency: CurrencyCode): number {
  const exponent = currencyExponent(currency);
  const match = /^(-?)(\d{1,16})(?:\.(\d+))?$/.exec(value.trim());
  if (!match) throw new RangeError(`"${value}" is not a decimal amount`);
  const [, sign = '', whole = '0', fraction = ''] = match;
  if (fraction.length > exponent) {
    throw new RangeError(`${currency} has ${exponent} decimals; "${value}" has ${fraction.length}`);
  }
  const minor = Number(whole + fraction.padEnd(exponent, '0'));
  if (!Number.isSafeInteger(minor)) throw new RangeError(`"${value}" is too large`);
  return sign === '-' ? -minor : minor;
}
