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

/** Lone surrogates are not valid Unicode and would not survive a round trip through BSON. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export interface TextOptions {
  /** Maximum length in UTF-16 code units, after trimming. */
  max: number;
  /** Minimum length after trimming; 1 unless said otherwise, so blank strings are refused. */
  min?: number;
  /** Allow line breaks (notes, addresses lines do not). */
  multiline?: boolean;
  /**
   * Refuse a leading `$`. Needed where a value could be read as a MongoDB operator or field path
   * (search terms, keys); ordinary names such as "Cash $ Co" keep their `$`.
   */
  noLeadingDollar?: boolean;
}

/** A trimmed, bounded string of printable text. The building block of every free-text leaf. */
export function textSchema({
  max,
  min = 1,
  multiline = false,
  noLeadingDollar = false,
}: TextOptions) {
  return z
    .string()
    .trim()
    .min(min, min === 1 ? 'Must not be empty' : `Must be at least ${min} characters`)
    .max(max, `Must be at most ${max} characters`)
    .superRefine((value, ctx) => {
      const bad = forbiddenCharacter(value, multiline);
      if (bad !== null) {
        ctx.addIssue({ code: 'custom', message: `Must not contain a ${bad}` });
      }
      if (LONE_SURROGATE.test(value)) {
        ctx.addIssue({ code: 'custom', message: 'Must be valid Unicode (lone surrogate found)' });
      }
      if (noLeadingDollar && value.startsWith('$')) {
        ctx.addIssue({ code: 'custom', message: 'Must not start with "$"' });
      }
    });
}

/** Property names that would reach an object's prototype if copied naively. */
export const FORBIDDEN_OBJECT_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);
