import { defineConfig } from '@invoice/eslint-config/base';

export default defineConfig({
  tsconfigRootDir: import.meta.dirname,
  allowConsoleIn: ['src/cli/**/*.ts', 'src/main.ts', 'bin/**/*.js', 'bench/**/*.ts'],
});
