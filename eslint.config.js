// Lint: the TypeScript compiler checks types; this catches what it does not (unused code, unsafe
// patterns), on every source the project owns. Generated code (imports/) and outputs are not linted.
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

module.exports = tseslint.config(
  {
    ignores: [
      'node_modules/',
      'lib/',
      'imports/',
      '**/dist/',
      'docs/',
      'coverage/',
      '.tools/',
      'test/.readme-*/',
      'src/private/flags.generated.ts',
      '.bindings/',
      '.jsii-out/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly' } },
    rules: {
      // Test assertions read loosely typed manifests; the type-checker keeps src/ honest.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    // Tests and the bench load built or fresh modules on purpose.
    files: ['**/*.js', 'test/**/*.ts', 'main.test.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
