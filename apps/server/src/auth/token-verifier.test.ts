import { describe, expect, it } from 'vitest';
import {
  InvalidTokenError,
  toVerificationError,
  VerifierUnavailableError,
} from './token-verifier.js';

/** The shape of firebase-admin 13's errors: a `code` and a message. */
const firebaseError = (code: string, message: string) =>
  Object.assign(new Error(message), { code });

describe('toVerificationError', () => {
  it.each([
    // Public-key download failures arrive as auth/argument-error with the HTTP client's message.
    [
      'auth/argument-error',
      'Error while making request: getaddrinfo ENOTFOUND www.googleapis.com. Error code: ENOTFOUND',
    ],
    ['auth/argument-error', 'Error fetching public keys for Google certs: Service Unavailable'],
    ['app/network-error', 'Error while making request: connect ECONNREFUSED 127.0.0.1:9099.'],
    ['app/network-timeout', 'Error while making request: timeout of 25000ms exceeded.'],
    ['auth/internal-error', 'An internal error has occurred.'],
  ])('%s (%s) means the verifier is unavailable: 503', (code, message) => {
    expect(toVerificationError(firebaseError(code, message))).toBeInstanceOf(
      VerifierUnavailableError,
    );
  });

  it.each([
    ['auth/argument-error', 'Firebase ID token has incorrect "aud" (audience) claim.'],
    ['auth/argument-error', 'Decoding Firebase ID token failed.'],
    ['auth/id-token-expired', 'Firebase ID token has expired.'],
    ['auth/id-token-revoked', 'The Firebase ID token has been revoked.'],
    ['auth/user-disabled', 'The user record is disabled.'],
    ['auth/user-not-found', 'There is no user record corresponding to the provided identifier.'],
  ])('%s (%s) is a verdict on the token: 401', (code, message) => {
    const mapped = toVerificationError(firebaseError(code, message));
    expect(mapped).toBeInstanceOf(InvalidTokenError);
    expect(mapped.reason).toBe(code);
  });

  it('treats an error without a code as an invalid token, never as accepted', () => {
    expect(toVerificationError(new Error('odd'))).toBeInstanceOf(InvalidTokenError);
    expect(toVerificationError(undefined)).toBeInstanceOf(InvalidTokenError);
  });

  it('keeps the generic message: no firebase detail reaches a caller', () => {
    const mapped = toVerificationError(
      firebaseError('app/network-error', 'Error while making request: connect ECONNREFUSED'),
    );
    expect(mapped.message).toBe('Token verification is temporarily unavailable');
  });
});
