import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './server.js';
import { attachmentsPath, orgWithAccountant, PNG, type Member, type Org } from './uploads.js';

/**
 * A file POSTed to the upload route as a raw body (`Content-Type: image/png`,
 * `application/octet-stream`), the commonest client mistake, has no body parser: Fastify
 * refuses it with FST_ERR_CTP_INVALID_MEDIA_TYPE, status 415. The route's error mapping
 * (src/uploads/upload-error.ts, "any other 4xx is BAD_REQUEST") turned that into
 * `400 {"code":"BAD_REQUEST","message":"Unsupported Media Type"}`: a status and code that
 * contradict the message. The route has an UNSUPPORTED_MEDIA_TYPE code (415) of its own, and the
 * tRPC mount answers the same mistake with 415 (DOMAIN.md: errors use tRPC codes).
 */

describe('upload sent with a non-multipart content type', () => {
  let s: TestServer;
  let org: Org;
  let accountant: Member;

  beforeAll(async () => {
    s = await startTestServer('upload-415');
    ({ org, accountant } = await orgWithAccountant(s.db, s.signIn, 'raw-body'));
  });
  afterAll(() => s.close());

  it.each(['image/png', 'application/octet-stream'])(
    'answers %s with 415 UNSUPPORTED_MEDIA_TYPE, not 400',
    async (contentType) => {
      const res = await s.app.inject({
        method: 'POST',
        url: attachmentsPath(org),
        headers: { authorization: `Bearer ${accountant.idToken}`, 'content-type': contentType },
        payload: PNG,
      });
      expect(res.json()).toMatchObject({ message: 'Unsupported Media Type' });
      expect(res.statusCode).toBe(415);
      expect(res.json()).toMatchObject({ statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    },
  );
});
