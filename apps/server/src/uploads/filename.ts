/**
 * In UTF-16 code units, as every string bound of the API counts (zod's `.max`: the stored-name
 * schema allows 255). Counted in code points, a name of emoji (two units each) passed this cut
 * at up to 400 units: stored, then refused by the client's check of the answer and by
 * attachment.list's output check.
 */
const MAX_NAME_LENGTH = 200;

/**
 * The original name, made safe for display and Content-Disposition: the last path segment
 * only (either separator), no control or bidirectional-override characters, no leading dots
 * or spaces, bounded length. It never names a file on disk: files live under generated ids.
 */
export function sanitizeFilename(raw: string): string {
  const base = raw.split(/[/\\]/).pop() ?? '';
  const cleaned = base
    .normalize('NFC')
    // eslint-disable-next-line no-control-regex -- removing control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/^[\s.]+/, '')
    .trim();
  // Cut between code points, never inside a surrogate pair.
  let bounded = '';
  for (const char of cleaned) {
    if (bounded.length + char.length > MAX_NAME_LENGTH) break;
    bounded += char;
  }
  bounded = bounded.trim();
  return bounded.length > 0 ? bounded : 'attachment';
}

/** RFC 8187 encoding for `filename*=`: percent-encodes everything outside attr-char. */
function encodeExtValue(value: string): string {
  return encodeURIComponent(value).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export function contentDisposition(filename: string): string {
  return `attachment; filename*=UTF-8''${encodeExtValue(filename)}`;
}
