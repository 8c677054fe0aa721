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
  const bounded = Array.from(cleaned).slice(0, MAX_NAME_LENGTH).join('').trim();
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
