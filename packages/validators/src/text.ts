import { z } from 'zod';

/**
 * Characters no stored text may contain: C0 controls (NUL first of all) and DEL. Multi-line
 * fields keep line feed and carriage return (and the Unicode line separators); tab is fine anywhere. Checked by char code so the rule reads
 * plainly and no control character ends up inside a regular expression literal.
 */
function forbiddenCharacter(value: string, multiline: boolean): string | null {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    const allowedWhitespace = code === 0x09 || (multiline && (code === 0x0a || code === 0x0d));
    // U+2028/U+2029 are line breaks to every text renderer; single-line fields refuse them too.
    const lineSeparator = !multiline && (code === 0x2028 || code === 0x2029);
    if ((code < 0x20 && !allowedWhitespace) || code === 0x7f || lineSeparator) {
      return code === 0 ? 'NUL byte' : `control character U+${code.toString(16).padStart(4, '0')}`;
    }
  }
  return null;
}

/** `$where`, `$field`, `$$ROOT`: what MongoDB would read as an operator, path or variable. */
const OPERATOR_LIKE = /^\$[\p{L}_$]/u;

/** Lone surrogates are not valid Unicode and would not survive a round trip through BSON. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The longest value of each free-text field, in UTF-16 code units: one number for the input
 * schema that admits a value and the output schema (stored.ts) that returns it, so raising a
 * limit cannot make stored values fail their own output check.
 */
export const MAX_LENGTH = {
  name: 200,
  email: 254,
  notes: 5000,
  taxId: 64,
  addressLine: 200,
  city: 100,
  postalCode: 20,
  region: 100,
  /** Also spelled out by `metadataKeySchema`'s pattern: a letter, then up to 39 more. */
  metadataKey: 40,
  metadataValue: 500,
  lineDescription: 1000,
  reason: 500,
  paymentReference: 200,
  filename: 255,
} as const;

export interface TextOptions {
  /** Maximum length in UTF-16 code units, after trimming. */
  max: number;
  /** Minimum length after trimming; 1 unless said otherwise, so blank strings are refused. */
  min?: number;
  /** Allow line breaks (notes, addresses lines do not). */
  multiline?: boolean;
  /**
   * Refuse text shaped like a MongoDB operator, field path or variable: `$` followed by a letter,
   * `_` or `$` (`$where`, `$field`, `$$ROOT`). On by default: values never become operators here,
   * but such a string is one wherever it meets a pipeline or a key, and the security checks
   * (SECURITY.md) require every string input to refuse them. Money-like text keeps its `$`:
   * "$5 widgets", "$ Corp", "Cash $ Co". `strict` refuses any leading `$` (search terms, keys).
   */
  noLeadingDollar?: boolean | 'strict';
}

/**
 * Text that prints as nothing: white space and default-ignorable code points (zero-width
 * space and joiners, word joiner, soft hyphen, variation selectors, Hangul fillers...), which
 * `trim` keeps. A required name or description made of them alone is blank.
 */
const INVISIBLE_ONLY = /^[\s\p{Default_Ignorable_Code_Point}]+$/u;

/** A trimmed, bounded string of printable text. The building block of every free-text leaf. */
export function textSchema({
  max,
  min = 1,
  multiline = false,
  noLeadingDollar = true,
}: TextOptions) {
  return z
    .string()
    .trim()
    .min(min, min === 1 ? 'Must not be empty' : `Must be at least ${min} characters`)
    .max(max, `Must be at most ${max} characters`)
    .superRefine((value, ctx) => {
      if (min >= 1 && value.length > 0 && INVISIBLE_ONLY.test(value)) {
        ctx.addIssue({ code: 'custom', message: 'Must not be empty (only invisible characters)' });
      }
      const bad = forbiddenCharacter(value, multiline);
      if (bad !== null) {
        ctx.addIssue({ code: 'custom', message: `Must not contain a ${bad}` });
      }
      if (LONE_SURROGATE.test(value)) {
        ctx.addIssue({ code: 'custom', message: 'Must be valid Unicode (lone surrogate found)' });
      }
      if (
        noLeadingDollar === 'strict'
          ? value.startsWith('$')
          : noLeadingDollar && OPERATOR_LIKE.test(value)
      ) {
        ctx.addIssue({ code: 'custom', message: 'Must not start with "$" followed by a name' });
      }
    });
}

/** Property names that would reach an object's prototype if copied naively. */
export const FORBIDDEN_OBJECT_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);
