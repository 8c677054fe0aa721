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
const session = await readDevSession(process.env.DATA_DIR ?? '.data');
const user = await emulatorEnsureUser(session.authEmulatorHost, session.projectId, {
  uid: devUserUid(email),
  email,
});
process.stdout.write(`${user.idToken}\n`);
