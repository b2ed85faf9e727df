// Lint rules: typescript-eslint recommended, Prettier owns formatting, `.only` in tests fails.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'src/generated/**', '.callfs-dev/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    // The web console runs in the browser, as plain ES modules.
    files: ['ui/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'describe', property: 'only', message: '.only skips the rest of the suite' },
        { object: 'it', property: 'only', message: '.only skips the rest of the suite' },
        { object: 'context', property: 'only', message: '.only skips the rest of the suite' },
      ],
    },
  },
);
