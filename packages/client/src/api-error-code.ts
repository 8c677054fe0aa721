import { TRPC_ERROR_CODES_BY_KEY, type TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';

/** A tRPC error code as the server answers it: 'NOT_FOUND', 'CONFLICT', 'UNAUTHORIZED', ... */
export type ApiErrorCode = TRPC_ERROR_CODE_KEY;

export function isApiErrorCode(code: unknown): code is ApiErrorCode {
  return typeof code === 'string' && Object.hasOwn(TRPC_ERROR_CODES_BY_KEY, code);
}
