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

/** The extensions a stored type may keep; the first is added to a name that has none of them. */
const EXTENSIONS: Readonly<Record<string, readonly string[]>> = {
  'application/pdf': ['pdf'],
  'image/png': ['png'],
  'image/jpeg': ['jpg', 'jpeg'],
  'image/webp': ['webp'],
  'text/csv': ['csv', 'txt'],
};

/**
 * The name ends with an extension of the type the bytes were found to be: text uploaded as
 * "report.html" or "pay.hta", or a PNG named "x.exe", is offered as "report.html.csv",
 * "pay.hta.csv", "x.exe.png". A colleague who downloads an attachment then opens what the
 * server checked, never a page or a program its uploader named it as. Case is kept.
 */
export function nameForType(name: string, contentType: string): string {
  const allowed = EXTENSIONS[contentType];
  if (allowed === undefined) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot === -1 ? '' : name.slice(dot + 1).toLowerCase();
  return allowed.includes(extension) ? name : `${name}.${allowed[0] ?? ''}`;
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
