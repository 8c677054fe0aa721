import type { TestProject } from 'vitest/node';
import { startAuthEmulator } from '../src/dev/auth-emulator.js';

/**
 * Vitest global setup: the real Firebase Auth emulator for the run, provided as
 * `firebaseAuthEmulatorHost`. Tests that verify tokens set FIREBASE_AUTH_EMULATOR_HOST
 * in their own process from it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // One more try on fresh ports if the first start fails (CI once saw it never answer on a
  // loaded machine); the first failure, with the emulator's last output, is printed either way.
  const start = () => startAuthEmulator({ projectId: 'demo-invoices', timeoutMs: 90_000 });
  const emulator = await start().catch((error: unknown) => {
    process.stderr.write(
      `Auth emulator failed to start; trying once more on fresh ports: ${String(error)}\n`,
    );
    return start();
  });
  project.provide('firebaseAuthEmulatorHost', emulator.host);
  return () => emulator.stop();
}
