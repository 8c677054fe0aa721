import type { ViteUserConfig } from 'vitest/config';

export interface ProjectConfigOptions {
  /**
   * Global setup modules that start shared services once per run, as module
   * specifiers resolved from the workspace (e.g. '@invoice/mongo-embedded/vitest-global-setup').
   */
  globalSetup?: string[];
  /** Extra vitest options merged over the defaults. */
  overrides?: ViteUserConfig;
}

export function defineProjectConfig(options?: ProjectConfigOptions): ViteUserConfig;

/** Values the services' global setups provide to tests through `inject()`. */
declare module 'vitest' {
  export interface ProvidedContext {
    /** MongoDB connection string: MONGODB_URI when set, else the embedded server's. */
    mongoUri: string;
    /** Firebase Auth emulator `host:port`, when a suite's global setup started it. */
    firebaseAuthEmulatorHost: string;
  }
}
