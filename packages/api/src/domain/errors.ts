/**
 * Errors the domain raises on purpose. Each carries a code the router maps to a tRPC code in
 * one place; anything else that escapes is a bug and becomes a 500.
 */
export const DOMAIN_ERROR_CODES = [
  'BAD_REQUEST',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'PRECONDITION_FAILED',
] as const;

export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

export class DomainError extends Error {
  override readonly name = 'DomainError';

  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** Small machine-readable facts for clients (e.g. `{ status: 'paid' }`), never secrets. */
    readonly details?: Readonly<Record<string, string | number | boolean | null>>,
  ) {
    super(message);
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}

/** Same message for "absent" and "another org's": ids of other tenants must not be probeable. */
export function notFound(entity: string): DomainError {
  return new DomainError('NOT_FOUND', `${entity} not found`);
}

export function badRequest(
  message: string,
  details?: Readonly<Record<string, string | number | boolean | null>>,
): DomainError {
  return new DomainError('BAD_REQUEST', message, details);
}

export function preconditionFailed(
  message: string,
  details?: Readonly<Record<string, string | number | boolean | null>>,
): DomainError {
  return new DomainError('PRECONDITION_FAILED', message, details);
}

export function conflict(message: string): DomainError {
  return new DomainError('CONFLICT', message);
}

export function forbidden(message: string): DomainError {
  return new DomainError('FORBIDDEN', message);
}
