import { defineProjectConfig } from '@invoice/vitest-config';

// The global setup provides `mongoUri` (MONGODB_URI, else an embedded server) to the suites.
export default defineProjectConfig({ globalSetup: ['./src/vitest-global-setup.ts'] });
