import { defineProjectConfig } from '@invoice/vitest-config';

// The smoke test starts the whole stack itself (Auth emulator, database, server child).
export default defineProjectConfig({
  overrides: { test: { testTimeout: 500_000 } },
});
