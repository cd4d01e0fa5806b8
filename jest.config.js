/** Tests run through swc (no type-check: `tsc --noEmit` does that in `npm test`). */
module.exports = {
  testEnvironment: 'node',
  // Jest's default is cores - 1, which is one worker, in band, on a 2-core machine; the slowest suite
  // (test/conventions/package.test.ts) mostly waits on npm and tsc child processes, so two workers
  // overlap it with the rest.
  maxWorkers: 2,
  roots: ['<rootDir>'],
  testMatch: ['<rootDir>/main.test.ts', '<rootDir>/test/**/*.test.ts'],
  transform: { '^.+\\.tsx?$': ['@swc/jest', { jsc: { target: 'es2020' } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // The examples import the package by name (tsconfig `paths` for tsc and esbuild): the sources, never a stale lib/.
  moduleNameMapper: { '^cdk8s-thanos$': '<rootDir>/src/index.ts' },
  modulePathIgnorePatterns: ['<rootDir>/lib/', '<rootDir>/dist/', '<rootDir>/.bindings/', '<rootDir>/.jsii-out/'],
};
