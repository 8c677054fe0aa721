import { numberingSchema, type NumberingInput } from '@invoice/validators';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDocumentNumber, numberingSeriesKey, parseDocumentNumber } from './numbering.js';

const settings = (input: NumberingInput = {}) => numberingSchema.parse(input);

describe('formatDocumentNumber', () => {
  it.each<[NumberingInput, 'invoice' | 'creditNote', number, string]>([
    [{}, 'invoice', 42, 'INV-2026-00042'],
    [{}, 'creditNote', 7, 'CN-2026-00007'],
    [{ includeYear: false }, 'invoice', 42, 'INV-00042'],
    [{ prefix: 'F', separator: '/', padding: 3 }, 'invoice', 5, 'F2026/005'],
    [{ separator: '' }, 'invoice', 1, 'INV-202600001'],
    [{ padding: 2 }, 'invoice', 12345, 'INV-2026-12345'],
    [{ creditNotePrefix: 'AV-', includeYear: false, padding: 1 }, 'creditNote', 3, 'AV-3'],
  ])('%j %s #%i → %s', (numbering, series, sequence, expected) => {
    expect(
      formatDocumentNumber({
        series,
        numbering: settings(numbering),
        sequence,
        issueDate: '2026-03-15',
      }),
    ).toBe(expected);
  });

  it('takes the year from the issue date, which is already in the org timezone', () => {
    const n = settings();
    expect(
      formatDocumentNumber({
        series: 'invoice',
        numbering: n,
        sequence: 1,
        issueDate: '2025-12-31',
      }),
    ).toBe('INV-2025-00001');
    expect(
      formatDocumentNumber({
        series: 'invoice',
        numbering: n,
        sequence: 1,
        issueDate: '2026-01-01',
      }),
    ).toBe('INV-2026-00001');
  });

  it.each([[0], [-1], [1.5], [Number.NaN]])('refuses sequence %s', (sequence) => {
    expect(() =>
      formatDocumentNumber({
        series: 'invoice',
        numbering: settings(),
        sequence,
        issueDate: '2026-01-01',
      }),
    ).toThrow(RangeError);
  });

  it('never gives two sequences the same number, and keeps them sortable within the padding', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 99_999 }),
        fc.integer({ min: 1, max: 99_999 }),
        (a, b) => {
          fc.pre(a !== b);
          const n = settings();
          const fa = formatDocumentNumber({
            series: 'invoice',
            numbering: n,
            sequence: a,
            issueDate: '2026-01-01',
          });
          const fb = formatDocumentNumber({
            series: 'invoice',
            numbering: n,
            sequence: b,
            issueDate: '2026-01-01',
          });
          expect(fa).not.toBe(fb);
          expect(fa < fb).toBe(a < b);
        },
      ),
    );
  });
});

describe('numberingSeriesKey', () => {
  it('keeps invoices and credit notes apart, and splits per year only when resetting yearly', () => {
    expect(numberingSeriesKey('invoice', settings(), '2026-05-01')).toBe('invoice');
    expect(numberingSeriesKey('creditNote', settings(), '2026-05-01')).toBe('creditNote');
    expect(numberingSeriesKey('invoice', settings({ resetYearly: true }), '2026-05-01')).toBe(
      'invoice:2026',
    );
    expect(numberingSeriesKey('creditNote', settings({ resetYearly: true }), '2027-01-01')).toBe(
      'creditNote:2027',
    );
  });
});

describe('parseDocumentNumber', () => {
  it.each<
    [
      NumberingInput,
      'invoice' | 'creditNote',
      string,
      { year: string | null; sequence: number } | null,
    ]
  >([
    [{}, 'invoice', 'INV-2026-00042', { year: '2026', sequence: 42 }],
    [{}, 'creditNote', 'CN-2025-00007', { year: '2025', sequence: 7 }],
    [{}, 'invoice', 'INV-2026-123456', { year: '2026', sequence: 123456 }],
    [{ includeYear: false }, 'invoice', 'INV-00042', { year: null, sequence: 42 }],
    [{ separator: '' }, 'invoice', 'INV-202600001', { year: '2026', sequence: 1 }],
    // Another padding, prefix, series or form never prints this string.
    [{ padding: 3 }, 'invoice', 'INV-2026-00042', null],
    [{}, 'invoice', 'CN-2026-00042', null],
    [{ includeYear: false }, 'invoice', 'INV-2026-00042', null],
    [{}, 'invoice', 'INV-00042', null],
    [{}, 'invoice', 'INV-2026-00000', null],
    [{}, 'invoice', 'INV-2026-99999999999999999', null],
  ])('%j %s %s → %j', (numbering, series, number, expected) => {
    expect(parseDocumentNumber(series, settings(numbering), number)).toEqual(expected);
  });

  it('reads back every number formatDocumentNumber prints', () => {
    fc.assert(
      fc.property(
        fc.record({
          includeYear: fc.boolean(),
          separator: fc.constantFrom('-', '/', '.', '_', ''),
          padding: fc.integer({ min: 1, max: 12 }),
        }),
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: 1900, max: 2999 }),
        (input, sequence, year) => {
          const numbering = settings(input);
          const issueDate = `${year}-06-30`;
          const number = formatDocumentNumber({
            series: 'invoice',
            numbering,
            sequence,
            issueDate,
          });
          expect(parseDocumentNumber('invoice', numbering, number)).toEqual({
            year: numbering.includeYear ? String(year) : null,
            sequence,
          });
        },
      ),
    );
  });
});
