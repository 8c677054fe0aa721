import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Shared flat config for every workspace: type-aware typescript-eslint rules.
 * Library code must not log with console (use pino through ctx.log / req.log);
 * `allowConsoleIn` lets CLIs and scripts opt in for their own files.
 */
export function defineConfig({ tsconfigRootDir, allowConsoleIn = [] }) {
  return tseslint.config(
    {
      ignores: [
        '**/dist/**',
        '**/coverage/**',
        '**/node_modules/**',
        '**/.turbo/**',
        '*.config.js',
        '**/config.js',
      ],
    },
    js.configs.recommended,
    ...tseslint.configs.recommendedTypeChecked,
    {
      languageOptions: {
        parserOptions: { projectService: true, tsconfigRootDir },
      },
      linterOptions: { reportUnusedDisableDirectives: 'error' },
      rules: {
        '@typescript-eslint/no-explicit-any': 'error',
        '@typescript-eslint/consistent-type-imports': [
          'error',
          { fixStyle: 'inline-type-imports' },
        ],
        '@typescript-eslint/no-unused-vars': [
          'error',
          { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
        ],
        '@typescript-eslint/no-floating-promises': 'error',
        '@typescript-eslint/only-throw-error': 'error',
        // Fastify plugins and handlers are async by contract even when they do not await.
        '@typescript-eslint/require-await': 'off',
        'no-console': 'error',
        eqeqeq: ['error', 'always', { null: 'ignore' }],
      },
    },
    {
      // Small JS entry shims (bin/) are not part of any tsconfig: lint them without type information.
      files: ['**/*.js'],
      ...tseslint.configs.disableTypeChecked,
    },
    {
      files: ['**/*.test.ts', '**/test/**/*.ts', '**/bench/**/*.ts'],
      rules: {
        '@typescript-eslint/no-non-null-assertion': 'off',
        '@typescript-eslint/unbound-method': 'off',
      },
    },
    ...(allowConsoleIn.length > 0
      ? [{ files: allowConsoleIn, rules: { 'no-console': 'off' } }]
      : []),
  );
}
