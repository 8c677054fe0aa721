export { buildApp, type BuildAppOptions } from './app.js';
export { parseEnv, ConfigError, type Config } from './env.js';
export { createFirebaseVerifier, type TokenVerifier } from './auth/token-verifier.js';
/** Dev and tooling (bench/, tests): the real Firebase Auth emulator and its tokens. */
export { spawnAuthEmulator, startAuthEmulator, type AuthEmulator } from './dev/auth-emulator.js';
export { emulatorSignIn, type EmulatorUser } from './dev/emulator-tokens.js';
