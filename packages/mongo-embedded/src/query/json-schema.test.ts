import { Decimal128, Long, ObjectId } from 'bson';
import { describe, expect, it } from 'vitest';
import { compileJsonSchema } from './json-schema.js';

describe('compileJsonSchema', () => {
  const invoice = compileJsonSchema({
    bsonType: 'object',
    required: ['number', 'total', 'lines'],
    additionalProperties: false,
    properties: {
      _id: { bsonType: 'objectId' },
      number: { bsonType: 'string', pattern: '^INV-\\d+$', maxLength: 12 },
      total: { bsonType: ['int', 'long', 'decimal'], minimum: 0 },
      status: { enum: ['draft', 'sent'] },
      lines: { bsonType: 'array', minItems: 1, items: { bsonType: 'object', required: ['qty'] } },
    },
  });

  it('accepts a conforming document', () => {
    expect(invoice({ _id: new ObjectId(), number: 'INV-1', total: 10, lines: [{ qty: 1 }] })).toBe(
      true,
    );
    expect(
      invoice({ number: 'INV-2', total: Long.fromNumber(5), status: 'sent', lines: [{ qty: 2 }] }),
    ).toBe(true);
    expect(
      invoice({ number: 'INV-3', total: Decimal128.fromString('1.5'), lines: [{ qty: 2 }] }),
    ).toBe(true);
  });

  it('rejects missing, mistyped, out-of-range and extra fields', () => {
    expect(invoice({ number: 'INV-1', lines: [{ qty: 1 }] })).toBe(false);
    expect(invoice({ number: 7, total: 1, lines: [{ qty: 1 }] })).toBe(false);
    expect(invoice({ number: 'X-1', total: 1, lines: [{ qty: 1 }] })).toBe(false);
    expect(invoice({ number: 'INV-1', total: -1, lines: [{ qty: 1 }] })).toBe(false);
    expect(invoice({ number: 'INV-1', total: 1, lines: [] })).toBe(false);
    expect(invoice({ number: 'INV-1', total: 1, lines: [{}] })).toBe(false);
    expect(invoice({ number: 'INV-1', total: 1, lines: [{ qty: 1 }], status: 'paid' })).toBe(false);
    expect(invoice({ number: 'INV-1', total: 1, lines: [{ qty: 1 }], extra: true })).toBe(false);
  });

  it('supports anyOf, not and the integral-number case of double', () => {
    const either = compileJsonSchema({ anyOf: [{ bsonType: 'string' }, { bsonType: 'double' }] });
    expect(either('a')).toBe(true);
    expect(either(2)).toBe(true);
    expect(either(true)).toBe(false);
    expect(compileJsonSchema({ not: { bsonType: 'null' } })(null)).toBe(false);
  });
});
