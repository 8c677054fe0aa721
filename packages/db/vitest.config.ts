import { defineProjectConfig } from '@invoice/vitest-config';

export default defineProjectConfig();
