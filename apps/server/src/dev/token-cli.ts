import { readDevSession } from './dev-session.js';
import { emulatorSignIn } from './emulator-tokens.js';

/**
 * `pnpm id-token <email>`: signs in to the zero-config server's Auth emulator (creating the
 * account, email verified) and prints an ID token for `Authorization: Bearer <token>`.
 */
const email = process.argv[2];
if (!email || !/^[^@\s]+@[^@\s]+$/.test(email)) {
  process.stderr.write('Usage: pnpm id-token <email>\n');
  process.exit(2);
}
const session = await readDevSession(process.env.DATA_DIR ?? '.data');
const user = await emulatorSignIn(session.authEmulatorHost, session.projectId, email);
process.stdout.write(`${user.idToken}\n`);
