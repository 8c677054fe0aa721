import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './server.js';
import { attachmentsPath, injectUpload, orgWithAccountant, PNG } from './uploads.js';

/**
 * The authentication scheme of an Authorization header is case-insensitive (RFC 9110 §11.1:
 * "It uses a case-insensitive token to identify the authentication scheme"; RFC 6750 builds the
 * Bearer scheme on it). bearerToken() (src/auth/token-verifier.ts) matched the literal
 * `Bearer `, so a valid ID token sent as `bearer <token>` or `BEARER <token>` (as some HTTP
 * clients and proxies write it) was answered 401 "Invalid or expired authentication token" and
 * counted as a rejected credential, which made a client sign its user out.
 */

describe('Authorization scheme case', () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer('bearer-case', { RATE_LIMIT_PER_MINUTE: '1000000' });
  });
  afterAll(() => s.close());

  it.each([
    ['Bearer', 'exact'],
    ['bearer', 'lower'],
    ['BEARER', 'upper'],
  ])('accepts a valid token as "%s <token>"', async (scheme, name) => {
    const { org, accountant } = await orgWithAccountant(s.db, s.signIn, `bearer-case-${name}`);
    const res = await s.app.inject({
      method: 'GET',
      url: '/trpc/organization.list',
      headers: { authorization: `${scheme} ${accountant.idToken}` },
    });
    expect(res.statusCode, res.body).toBe(200);

    const upload = await injectUpload(s.app, org, null, PNG);
    expect(upload.statusCode).toBe(401); // the control: no header at all
    const withScheme = await s.app.inject({
      method: 'POST',
      url: attachmentsPath(org),
      headers: {
        authorization: `${scheme} ${accountant.idToken}`,
        'content-type': 'application/json',
      },
      payload: '{}',
    });
    // Past authentication: a JSON body is refused as "not multipart" (400), not as unsigned (401).
    expect(withScheme.statusCode, withScheme.body).toBe(400);
  });
});
