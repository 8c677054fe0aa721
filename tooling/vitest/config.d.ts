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
