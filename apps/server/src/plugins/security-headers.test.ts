import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import helmet from 'helmet';
import { describe, expect, it } from 'vitest';
import { HELMET_OPTIONS, helmetHeaders } from './security.js';

/** What helmet's own middleware leaves on a real Node response. */
function helmetOnRealResponse(): Record<string, string> {
  const req = new IncomingMessage(new Socket());
  const res = new ServerResponse(req);
  res.setHeader('x-powered-by', 'something');
  helmet(HELMET_OPTIONS)(req, res, () => undefined);
  return Object.fromEntries(
    Object.entries(res.getHeaders()).map(([name, value]) => [name, String(value)]),
  );
}

describe('helmetHeaders', () => {
  it('records exactly the headers helmet sets on a real response, X-Powered-By removed', () => {
    const recorded = helmetHeaders(HELMET_OPTIONS);
    expect(recorded).toEqual(helmetOnRealResponse());
    expect(recorded['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(recorded['content-security-policy']).toContain("default-src 'none'");
    expect(recorded['x-content-type-options']).toBe('nosniff');
    expect(recorded['x-powered-by']).toBeUndefined();
    expect(Object.isFrozen(recorded)).toBe(true);
  });

  it('refuses options whose headers depend on the request', () => {
    expect(() =>
      helmetHeaders({
        contentSecurityPolicy: {
          directives: {
            defaultSrc: ["'none'"],
            scriptSrc: [(req) => `'nonce-${String(req.headers.host)}'`],
          },
        },
      }),
    ).toThrow(/helmet read the request/);
  });
});
