import { createHash } from 'node:crypto';

/**
 * Gets real ID tokens from the Firebase Auth emulator through its REST API (the same
 * endpoints a frontend's Firebase SDK calls). Emulator tokens are unsigned (`alg: none`)
 * and are accepted only by a server started with FIREBASE_AUTH_EMULATOR_HOST.
 */
export interface EmulatorUser {
  uid: string;
  email: string;
  idToken: string;
}

const API_KEY = 'emulator-api-key';
const DEFAULT_PASSWORD = 'password-123';

async function post<T>(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as T & { error?: { message?: string } };
  if (!res.ok)
    throw new Error(`Auth emulator ${res.status}: ${json.error?.message ?? 'request failed'}`);
  return json;
}

/** Signs in (creating the account if needed) and returns a fresh ID token. */
export async function emulatorSignIn(
  emulatorHost: string,
  projectId: string,
  email: string,
  {
    password = DEFAULT_PASSWORD,
    emailVerified = true,
  }: { password?: string; emailVerified?: boolean } = {},
): Promise<EmulatorUser> {
  const base = `http://${emulatorHost}/identitytoolkit.googleapis.com/v1`;
  let session: { localId: string; idToken: string };
  try {
    session = await post(`${base}/accounts:signUp?key=${API_KEY}`, {
      email,
      password,
      returnSecureToken: true,
    });
  } catch (error) {
    if (!(error instanceof Error) || !error.message.includes('EMAIL_EXISTS')) throw error;
    session = await post(`${base}/accounts:signInWithPassword?key=${API_KEY}`, {
      email,
      password,
      returnSecureToken: true,
    });
  }
  if (emailVerified) {
    // The emulator accepts `Bearer owner` as an admin credential.
    await post(
      `${base}/projects/${projectId}/accounts:update`,
      { localId: session.localId, emailVerified: true },
      { authorization: 'Bearer owner' },
    );
    session = await post(`${base}/accounts:signInWithPassword?key=${API_KEY}`, {
      email,
      password,
      returnSecureToken: true,
    });
  }
  return { uid: session.localId, email, idToken: session.idToken };
}

/**
 * Creates an account with a fixed uid (the emulator's admin sign-up), email verified, unless
 * that uid or email already exists. The emulator forgets its accounts on restart; a fixed uid
 * keeps the same user, and so their memberships, across restarts of the zero-config server.
 * Returns the account's signed-in user: the uid of an existing account with that email wins.
 */
export async function emulatorEnsureUser(
  emulatorHost: string,
  projectId: string,
  account: { uid: string; email: string },
): Promise<EmulatorUser> {
  const base = `http://${emulatorHost}/identitytoolkit.googleapis.com/v1`;
  try {
    await post(
      `${base}/projects/${projectId}/accounts`,
      {
        localId: account.uid,
        email: account.email,
        password: DEFAULT_PASSWORD,
        emailVerified: true,
      },
      { authorization: 'Bearer owner' },
    );
  } catch (error) {
    const exists = error instanceof Error && /DUPLICATE_LOCAL_ID|EMAIL_EXISTS/.test(error.message);
    if (!exists) throw error;
  }
  return emulatorSignIn(emulatorHost, projectId, account.email);
}

/**
 * The uid `pnpm id-token <email>` gives a zero-config user: derived from the email, so the
 * emulator (which forgets its accounts on restart) recreates the same user, and their
 * organizations are theirs again, after a restart on the same data directory.
 */
export function devUserUid(email: string): string {
  return `dev-${createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 24)}`;
}
