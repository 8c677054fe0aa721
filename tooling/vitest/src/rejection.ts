/**
 * The error `call` rejects with, for a test to examine. Throws when the call succeeds, and when
 * `guard` is given and refuses the error (naming the guard), so a test never inspects a value
 * it did not expect.
 */
export async function rejection(call: Promise<unknown>): Promise<unknown>;
export async function rejection<T>(
  call: Promise<unknown>,
  guard: (error: unknown) => error is T,
): Promise<T>;
export async function rejection(
  call: Promise<unknown>,
  guard?: (error: unknown) => boolean,
): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    if (guard && !guard(error)) {
      throw new Error(`the call failed, but not as ${guard.name} expects: ${String(error)}`, {
        cause: error,
      });
    }
    return error;
  }
  throw new Error('the call succeeded');
}
