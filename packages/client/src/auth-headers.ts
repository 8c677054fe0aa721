/** Returns a Firebase ID token, or null when signed out. Called per request so tokens refresh. */
export type GetToken = () => Promise<string | null> | string | null;

/** The Authorization header for the current token; none when signed out. */
export async function bearerHeaders(
  getToken: GetToken | undefined,
): Promise<Record<string, string>> {
  const token = getToken ? await getToken() : null;
  return token ? { authorization: `Bearer ${token}` } : {};
}
