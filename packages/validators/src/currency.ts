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

export const currencyCodeSchema = z.enum(currencyCodes);

export function currencyExponent(currency: CurrencyCode): 0 | 2 | 3 {
  return CURRENCY_EXPONENTS[currency];
}
