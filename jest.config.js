/**
 * Tests run through swc (no type-check: `tsc --noEmit` does that in `npm test`), in two tiers.
 *
 * unit: everything that runs in this process's workers, the real promtool/amtool checks included.
 * integration: suites that spend their time in other programs (npm pack and install, the jsii compiler,
 * jsii-pacmak and the Python/Go toolchains, booting Prometheus and Alertmanager, the synth scripts as
 * child processes): about two thirds of the suite's time. They run under CI=true (so `.ci/run` runs
 * both tiers) and with `npm run test:integration`; `npm test` elsewhere runs the unit tier.
 */
const INTEGRATION = [
  '<rootDir>/test/bindings/',
  '<rootDir>/test/conventions/jsii.test.ts',
  '<rootDir>/test/conventions/package.test.ts',
  '<rootDir>/test/harness-binaries/alert-path.test.ts',
  '<rootDir>/test/harness-binaries/prometheus-boot.test.ts',
  '<rootDir>/test/output/run-ts.test.ts',
  '<rootDir>/test/output/synth-script.test.ts',
];
const integration = process.env.CI === 'true' || process.env.TEST_INTEGRATION === '1';

const shared = {
  testEnvironment: 'node',
  roots: ['<rootDir>'],
  transform: { '^.+\\.tsx?$': ['@swc/jest', { jsc: { target: 'es2020' } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // The examples import the package by name (tsconfig `paths` for tsc and esbuild): the sources, never a stale lib/.
  moduleNameMapper: { '^cdk8s-thanos$': '<rootDir>/src/index.ts' },
  modulePathIgnorePatterns: ['<rootDir>/lib/', '<rootDir>/dist/', '<rootDir>/.bindings/', '<rootDir>/.jsii-out/'],
};

if (!integration) process.stderr.write('jest: unit tier only; the integration tier runs under CI=true or with `npm run test:integration`\n');

module.exports = {
  // Jest's default is cores - 1, which is one worker, in band, on a 2-core machine; the integration suites
  // mostly wait on child processes, so two workers overlap them with the rest.
  maxWorkers: 2,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/main.test.ts', '<rootDir>/test/**/*.test.ts'], testPathIgnorePatterns: INTEGRATION },
    ...(integration ? [{ ...shared, displayName: 'integration', testMatch: INTEGRATION.map((p) => (p.endsWith('/') ? `${p}**/*.test.ts` : p)) }] : []),
  ],
};
