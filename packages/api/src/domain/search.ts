/**
 * Search terms are user text; they reach MongoDB only as an escaped, anchored pattern over a
 * normalized field, never as a raw regex (no ReDoS, no `.*` scans) and never as an operator.
 */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/**
 * The form names and numbers are stored in for prefix search: Unicode-decomposed, accents and
 * case removed, inner whitespace collapsed. "Ångström  Café" → "angstrom cafe".
 */
export function normalizeForSearch(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Anchored prefix pattern for a normalized field; an index on that field can serve it. */
export function prefixPattern(term: string): string {
  return `^${escapeRegex(normalizeForSearch(term))}`;
}
