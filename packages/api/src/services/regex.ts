/**
 * Escapes every regex metacharacter so user text only ever matches itself. Only characters
 * special outside a character class are escaped, so the result is valid with or without the
 * `u` flag (JavaScript) and in MongoDB's PCRE.
 */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
