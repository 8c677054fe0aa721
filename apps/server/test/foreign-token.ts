/**
 * An unsigned ID token for another Firebase project: firebase-admin refuses it from its claims
 * alone (audience and issuer), without any network call.
 */
export function foreignToken(): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({
    aud: 'someone-else',
    iss: 'https://securetoken.google.com/someone-else',
    sub: 'intruder',
    iat: now,
    exp: now + 3600,
    auth_time: now,
  })}.`;
}
