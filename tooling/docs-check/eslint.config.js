import { defineConfig } from '@invoice/eslint-config/base';

export default defineConfig({ tsconfigRootDir: import.meta.dirname });
