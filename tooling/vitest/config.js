// Plain JavaScript on purpose: vitest loads configs of linked workspace packages with Node's own loader.
import { defineConfig, mergeConfig } from 'vitest/config';

/**
 * The one vitest config every workspace uses. Tests sit next to their code
 * (`src/**\/*.test.ts`); cross-module suites live in `test/`.
 * @param {import('./config.d.ts').ProjectConfigOptions} [options]
 */
export function defineProjectConfig(options = {}) {
  const base = defineConfig({
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      pool: 'forks',
      testTimeout: 30_000,
      hookTimeout: 60_000,
      globalSetup: options.globalSetup ?? [],
      coverage: {
        provider: 'v8',
        include: ['src/**/*.ts'],
        exclude: ['src/**/*.test.ts'],
        reporter: ['text-summary', 'text'],
      },
    },
  });
  return options.overrides ? mergeConfig(base, options.overrides) : base;
}
