import type { TestProject } from 'vitest/node';
import { startAuthEmulator } from '../src/dev/auth-emulator.js';

/**
 * Vitest global setup: the real Firebase Auth emulator for the run, provided as
 * `firebaseAuthEmulatorHost`. Tests that verify tokens set FIREBASE_AUTH_EMULATOR_HOST
 * in their own process from it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const emulator = await startAuthEmulator({ projectId: 'demo-invoices' });
  project.provide('firebaseAuthEmulatorHost', emulator.host);
  return () => emulator.stop();
}
