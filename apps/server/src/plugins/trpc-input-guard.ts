import type { FastifyInstance } from 'fastify';

/** Keys that reach an object's prototype once a parsed body is copied (superjson copies it). */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** Cheap screen: without one of these words or a \u escape, a text has no such key. */
const PROTOTYPE_SCREEN = /__proto__|constructor|prototype|\\u/;

/**
 * True when a JSON text has a `__proto__`, `constructor` or `prototype` key at any depth
 * (however spelled), the way secure-json-parse refuses them in Fastify's own JSON parser,
 * which the tRPC adapter replaces. Values may contain the words. Not JSON: false (tRPC
 * answers the parse error itself).
 */
export function hasPrototypeKey(text: string): boolean {
  if (!PROTOTYPE_SCREEN.test(text)) return false;
  let found = false;
  try {
    JSON.parse(text, (key, value: unknown) => {
      if (PROTOTYPE_KEYS.has(key)) found = true;
      return value;
    });
  } catch {
    return false;
  }
  return found;
}

/** A UTF-8 byte order mark, which tRPC drops from a body (the adapter's `Request.text()`). */
export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * The query's values as tRPC reads them: `URLSearchParams` of the URL without its fragment,
 * which decodes every valid escape even beside a malformed one and never sees text after `#`.
 * Fastify's parsed query (`query`) holds the same values unless a value has an escape it could
 * not decode (it then keeps the whole value undecoded: a `%` is left) or the URL has a `#` (it
 * keeps the fragment): only then is the query parsed again.
 */
export function queryTexts(url: string, query: unknown): string[] {
  const parsed = parsedValues(query);
  if (!url.includes('#') && !parsed.some((value) => value.includes('%'))) return parsed;
  const start = url.indexOf('?');
  if (start === -1) return [];
  const end = url.indexOf('#', start);
  const params = new URLSearchParams(url.slice(start + 1, end === -1 ? undefined : end));
  return [...params.values()];
}

function parsedValues(query: unknown): string[] {
  if (typeof query !== 'object' || query === null) return [];
  return Object.values(query).flatMap((v: unknown) =>
    typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x) => typeof x === 'string') : [],
  );
}

/**
 * Hooks for the tRPC routes' own scope (registered there, not app-wide by URL prefix: the router
 * also serves `/%74rpc/...`, which a `req.url.startsWith('/trpc/')` test let through unguarded).
 * The tRPC mount reads JSON itself, so its input gets the checks Fastify's parser would do:
 * prototype keys in the body or in `?input=` (single or batched) are refused with 400 before
 * any procedure runs; multipart bodies, which the adapter passes through unread and then fails
 * on (500), are refused with 415 before a byte is read — no procedure takes form data.
 */
export function guardTrpcInput(scope: FastifyInstance): void {
  // Synchronous hooks (done callback): an async hook costs a promise on every request.
  scope.addHook('onRequest', (req, reply, done) => {
    if (/^multipart\//i.test(req.headers['content-type'] ?? '')) {
      void reply
        .code(415)
        .send({ statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send JSON' });
      return;
    }
    done();
  });
  scope.addHook('preValidation', (req, reply, done) => {
    // The texts tRPC will parse, decoded and trimmed the way it does, or a spelling it reads
    // differently would carry a key past this check.
    const texts = queryTexts(req.raw.url ?? '', req.query);
    if (typeof req.body === 'string') texts.push(withoutBom(req.body));
    if (texts.some(hasPrototypeKey)) {
      void reply.code(400).send({
        statusCode: 400,
        code: 'BAD_REQUEST',
        message: 'Input must not contain __proto__, constructor or prototype keys',
      });
      return;
    }
    done();
  });
}
