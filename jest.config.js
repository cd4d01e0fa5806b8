/** Tests run through swc (no type-check: `tsc --noEmit` does that in `npm test`). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>'],
  testMatch: ['<rootDir>/main.test.ts', '<rootDir>/test/**/*.test.ts'],
  transform: { '^.+\\.tsx?$': ['@swc/jest', { jsc: { target: 'es2020' } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // The examples import the package by name (tsconfig `paths` for tsc and esbuild): the sources, never a stale lib/.
  moduleNameMapper: { '^cdk8s-thanos$': '<rootDir>/src/index.ts' },
  modulePathIgnorePatterns: ['<rootDir>/lib/', '<rootDir>/dist/'],
};
