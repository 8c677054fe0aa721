import { describe, expect, it } from 'vitest';
import {
  cursorSchema,
  emailSchema,
  idempotencyKeySchema,
  metadataSchema,
  searchSchema,
  taxIdSchema,
} from './common.js';
import { formatMinorUnits, parseMajorUnits } from './currency.js';
import { objectIdSchema, userIdSchema } from './ids.js';
import { textSchema } from './text.js';

describe('text', () => {
  const name = textSchema({ max: 10 });
  const notes = textSchema({ max: 50, multiline: true });

  it('trims and keeps inner punctuation, $ included', () => {
    expect(name.parse('  Cash $ Co ')).toBe('Cash $ Co');
    expect(name.parse('$ Corp')).toBe('$ Corp');
    expect(name.parse('$5 off')).toBe('$5 off');
  });

  it.each(['$where', '$field', '$$ROOT', ' $gt', '$_id', '$é'])(
    'refuses operator-shaped text %j',
    (text) => {
      expect(name.safeParse(text).success).toBe(false);
    },
  );

  it.each([
    ['', 'Must not be empty'],
    ['   ', 'Must not be empty'],
    ['\u200B', 'Must not be empty (only invisible characters)'],
    [' \u200B \u2060 ', 'Must not be empty (only invisible characters)'],
    ['\u200B\u200C\u200D\u00AD\uFEFF\u3164', 'Must not be empty (only invisible characters)'],
    ['x'.repeat(11), 'at most 10'],
    ['a\u0000b', 'NUL byte'],
    ['a\nb', 'control character U+000a'],
    ['a\u001bb', 'control character U+001b'],
    ['a\u007fb', 'control character U+007f'],
    ['a\uD800b', 'lone surrogate'],
    ['a\u2028b', 'control character U+2028'],
  ])('rejects %j: %s', (value, message) => {
    expect(name.safeParse(value).error?.issues[0]?.message).toContain(message);
  });

  it('allows line breaks and tabs only in multi-line text', () => {
    expect(notes.parse('line 1\r\nline 2\tend')).toBe('line 1\r\nline 2\tend');
    expect(notes.safeParse('a\u0000').success).toBe(false);
  });

  it('keeps emoji (valid surrogate pairs)', () => {
    expect(name.parse('Café 🚀')).toBe('Café 🚀');
  });

  it('keeps invisible characters inside visible text (joined emoji, soft hyphens)', () => {
    expect(name.parse('👩\u200D💻')).toBe('👩\u200D💻');
    expect(name.parse('Co\u00ADop')).toBe('Co\u00ADop');
    expect(textSchema({ max: 10, min: 0 }).parse('\u200B')).toBe('\u200B');
  });
});

describe('search terms', () => {
  it.each([['INV-2026'], ['Cash $ Co'], ['o’brien']])('accepts %j', (s) => {
    expect(searchSchema.parse(s)).toBe(s);
  });

  it.each([['$where'], [' $regex'], [{ $regex: '.*' }], ['x'.repeat(101)], ['a\u0000']])(
    'rejects %j',
    (s) => {
      expect(searchSchema.safeParse(s).success).toBe(false);
    },
  );
});

describe('ids', () => {
  it('accepts a lowercase ObjectId string', () => {
    expect(objectIdSchema.parse('65a1b2c3d4e5f60718293a4b')).toBe('65a1b2c3d4e5f60718293a4b');
  });

  it.each([
    ['65A1B2C3D4E5F60718293A4B'],
    ['65a1b2c3d4e5f60718293a4'],
    ['65a1b2c3d4e5f60718293a4bb'],
    ['zza1b2c3d4e5f60718293a4b'],
    ['$oid'],
    [{ $ne: null }],
    [{ $oid: '65a1b2c3d4e5f60718293a4b' }],
    [12],
  ])('rejects id %j', (id) => {
    expect(objectIdSchema.safeParse(id).success).toBe(false);
  });

  it.each([['uid_123'], ['Xy9aBcDeFgHiJkLmNoPqRsTuVw12'], ['a'.repeat(128)]])(
    'accepts user id %s',
    (id) => {
      expect(userIdSchema.parse(id)).toBe(id);
    },
  );

  it.each([['$uid'], [''], ['a'.repeat(129)], ['a b'], ['a/b']])('rejects user id %j', (id) => {
    expect(userIdSchema.safeParse(id).success).toBe(false);
  });
});

describe('emails, tax ids, cursors, idempotency keys', () => {
  it('lowercases emails', () => {
    expect(emailSchema.parse('Ann@Example.COM')).toBe('ann@example.com');
  });

  it.each([
    ['not-an-email'],
    ['a@b'],
    [`${'a'.repeat(250)}@b.co`],
    ['a@b.co\u0000'],
    [{ $ne: '' }],
  ])('rejects email %j', (email) => {
    expect(emailSchema.safeParse(email).success).toBe(false);
  });

  it.each([['FR12345678901'], ['DE 123 456 789'], ['GB-123/45.6']])('accepts tax id %s', (id) => {
    expect(taxIdSchema.parse(id)).toBe(id);
  });

  it.each([['$taxid'], ['-12'], ['12;DROP'], ['x'.repeat(65)]])('rejects tax id %j', (id) => {
    expect(taxIdSchema.safeParse(id).success).toBe(false);
  });

  it.each([['abc_-XYZ09'], ['x'.repeat(1024)]])('accepts cursor %s', (c) => {
    expect(cursorSchema.parse(c)).toBe(c);
  });

  it.each([[''], ['x'.repeat(1025)], ['a+b/c='], ['$cursor'], [{ $gt: '' }]])(
    'rejects cursor %j',
    (c) => {
      expect(cursorSchema.safeParse(c).success).toBe(false);
    },
  );

  it.each([['k'], ['3f2a9c1e-7b4d-4c8e-9a1f-2b3c4d5e6f70'], ['x'.repeat(255)]])(
    'accepts idempotency key %s',
    (k) => {
      expect(idempotencyKeySchema.parse(k)).toBe(k);
    },
  );

  it.each([[''], ['x'.repeat(256)], ['tab\there'], ['nul\u0000'], ['émoji'], [{ $ne: '' }], [42]])(
    'rejects idempotency key %j',
    (k) => {
      expect(idempotencyKeySchema.safeParse(k).success).toBe(false);
    },
  );
});

describe('metadata', () => {
  it('refuses an oversized object with a single issue, before checking its keys', () => {
    const huge = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`$k${i}`, 'v']));
    const result = metadataSchema.safeParse(huge);
    expect(result.error?.issues.map((issue) => issue.message)).toEqual([
      'At most 20 metadata entries',
    ]);
  });

  it('accepts a small flat string map', () => {
    expect(metadataSchema.parse({ project: 'apollo', 'po-number': '4711', empty: '' })).toEqual({
      project: 'apollo',
      'po-number': '4711',
      empty: '',
    });
  });

  it.each([
    ['{"__proto__":{"polluted":true}}', '"__proto__" is not allowed'],
    ['{"constructor":"x"}', 'Metadata key'],
    ['{"prototype":"x"}', 'Metadata key "prototype" is not allowed'],
    ['{"$set":"x"}', 'Metadata keys must start with a letter'],
    ['{"a.b":"x"}', 'Metadata keys must start with a letter'],
    ['{"a":{"$ne":""}}', 'expected string, received object'],
    ['{"a":1}', 'expected string, received number'],
    ['{"a":"x\\u0000"}', 'NUL byte'],
    ['[]', 'expected record'],
    ['"x"', 'expected record'],
  ])('rejects %s', (json, message) => {
    const result = metadataSchema.safeParse(JSON.parse(json));
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message).join(' | ')).toContain(message);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('currency formatting', () => {
  it.each([
    [1234, 'EUR', '12.34'],
    [5, 'EUR', '0.05'],
    [-5, 'EUR', '-0.05'],
    [1234, 'JPY', '1234'],
    [5, 'KWD', '0.005'],
    [1_234_567, 'KWD', '1234.567'],
    [0, 'KWD', '0.000'],
  ] as const)('%i %s prints as %s and parses back', (amount, currency, text) => {
    expect(formatMinorUnits(amount, currency)).toBe(text);
    expect(parseMajorUnits(text, currency)).toBe(amount);
  });

  it('refuses more decimals than the currency has, and non-decimals', () => {
    expect(() => parseMajorUnits('1.5', 'JPY')).toThrow(/JPY has 0 decimals/);
    expect(() => parseMajorUnits('1.2345', 'KWD')).toThrow(/KWD has 3 decimals/);
    expect(() => parseMajorUnits('1e3', 'EUR')).toThrow(/not a decimal amount/);
    expect(() => formatMinorUnits(1.5, 'EUR')).toThrow(RangeError);
  });
});
