import { defineProjectConfig } from '@invoice/vitest-config';

export default defineProjectConfig({
  globalSetup: ['@invoice/mongo-embedded/vitest-global-setup'],
});
