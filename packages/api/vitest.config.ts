import { defineProjectConfig } from '@invoice/vitest-config';

export default defineProjectConfig({
  globalSetup: ['@invoice/mongo-embedded/vitest-global-setup'],
  // Issue #4 acceptance: at least 90 % of lines covered, printed in CI.
  overrides: { test: { coverage: { enabled: true, thresholds: { lines: 90 } } } },
});
