import { readDevSession } from './dev-session.js';
import { devUserUid, emulatorEnsureUser } from './emulator-tokens.js';

/**
 * `pnpm id-token <email>`: signs in to the zero-config server's Auth emulator (creating the
 * account, email verified, with a uid derived from the email: the same user after a restart)
 * and prints an ID token for `Authorization: Bearer <token>`.
 */
const email = process.argv[2];
if (!email || !/^[^@\s]+@[^@\s]+$/.test(email)) {
  process.stderr.write('Usage: pnpm id-token <email>\n');
  process.exit(2);
}
try {
  const session = await readDevSession(process.env.DATA_DIR ?? '.data');
  const user = await emulatorEnsureUser(session.authEmulatorHost, session.projectId, {
    uid: devUserUid(email),
    email,
  }).catch((error: unknown) => {
    const reason = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    throw new Error(
      `The Auth emulator at ${session.authEmulatorHost} did not answer (${reason instanceof Error ? reason.message : String(reason)}). Is "pnpm start" still running?`,
      { cause: error },
    );
  });
  process.stdout.write(`${user.idToken}\n`);
} catch (error) {
  process.stderr.write(`id-token: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
