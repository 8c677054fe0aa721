import { describe, expect, it } from 'vitest';
import { toVerificationError, VerifierUnavailableError } from '../src/auth/token-verifier.js';

/**
 * test/drills/README.md, "Token cannot be checked": a token that is wrong is 401; a token that
 * could not be checked is 503 with Retry-After, "so clients retry instead of signing the user
 * out". toVerificationError treated only five firebase-admin codes as verifier failures and
 * everything else as a verdict on the token, so these failures on our side answered 401 and
 * counted as `rejected` (invisible to the verification-error SLO):
 *
 * - `auth/insufficient-permission`: our service account may not read users (the revocation
 *   lookup; README: "GOOGLE_APPLICATION_CREDENTIALS ... allowed to read users");
 * - `auth/project-not-found`: our credentials belong to no/another project;
 * - `auth/quota-exceeded`: the accounts API's quota, e.g. with AUTH_CHECK_REVOKED=always;
 * - `app/unable-to-parse-response`: a non-JSON answer from Google or a proxy on the way.
 *
 * Errors shaped as firebase-admin 13 throws them (code + message), as in
 * src/auth/token-verifier.test.ts.
 */

const firebaseError = (code: string, message: string) =>
  Object.assign(new Error(message), { code });

describe('toVerificationError for failures on the server side', () => {
  it.each([
    [
      'auth/insufficient-permission',
      'Credential implementation provided to initializeApp() via the "credential" property has insufficient permission to access the requested resource.',
    ],
    ['auth/project-not-found', 'No Firebase project was found for the provided credential.'],
    ['auth/quota-exceeded', 'The project quota for the specified operation has been exceeded.'],
    [
      'app/unable-to-parse-response',
      'Error while parsing response data: "SyntaxError: Unexpected token < in JSON at position 0".',
    ],
  ])('%s means the token could not be checked: 503, not 401', (code, message) => {
    expect(toVerificationError(firebaseError(code, message))).toBeInstanceOf(
      VerifierUnavailableError,
    );
  });
});
