// ESLint over the service, the storage server, the tests and the portal:
// typescript-eslint's recommended rules, without the type-aware set (that
// would type-check the project a second time; `npm run typecheck` does it).
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'web/dist/', 'web/src/gql/', 'coverage/', 'var/'] },
  {
    files: ['src/**/*.ts', 'storage-server/**/*.ts', 'test/**/*.ts', 'web/src/**/*.{ts,tsx}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: { globals: globals.node },
    rules: {
      // Names and property values are checked for control characters on purpose.
      'no-control-regex': 'off',
      // Express knows an error handler by its four parameters; `_` names what is left out on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['test/**/*.ts'],
    languageOptions: { globals: globals.jest },
    // GraphQL answers are read in tests as the untyped JSON they are.
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The rules of hooks; v7's React Compiler rules (purity, set-state-in-effect) are left out: the portal is not built with the compiler.
    files: ['web/src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: { globals: globals.browser },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
);
