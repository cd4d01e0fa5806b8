/**
 * Python, Go and Java build the default stack through the jsii bindings and synthesize exactly what the
 * TypeScript app does. scripts/bindings.sh installs everything from the registries (minutes, most of it
 * Maven), so it runs under CI only.
 */
import { spawnSync } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';

const ROOT = join(__dirname, '..', '..');
const ci = process.env.CI === 'true';

const title = 'the Python, Go and Java apps synthesize byte-identical to the TypeScript app (scripts/bindings.sh)';
(ci ? test : test.skip)(
  ci ? title : `${title}: CI only; run scripts/bindings.sh or CI=true npx jest test/bindings`,
  () => {
    const r = spawnSync('bash', [join(ROOT, 'scripts', 'bindings.sh')], { cwd: ROOT, encoding: 'utf8' });
    const output = `${r.stdout}\n${r.stderr}`;
    expect({ status: r.status, output }).toEqual({ status: 0, output: expect.stringContaining('go: identical to the TypeScript app') });
    expect(output).toContain('python: identical to the TypeScript app');
    expect(output).toContain('java: identical to the TypeScript app');
  },
  900_000,
);

// Maven takes a direct dependency's version as written, so a stale pin in the Java app's POM would run it
// against other jars than the TypeScript app's node_modules, or fail to resolve what pacmak just built.
test('the Java app pins the versions node_modules and jsii-pacmak have', () => {
  const pom = readFileSync(join(ROOT, 'test', 'bindings', 'java', 'pom.xml'), 'utf8');
  const pinned = Object.fromEntries([...pom.matchAll(/<artifactId>([^<]+)<\/artifactId>\s*<version>([^<]+)<\/version>/g)].map((m) => [m[1], m[2]]));
  const version = (pkg: string): string => JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  expect(pinned).toEqual({
    'cdk8s-thanos-bindings-java': '0.0.0',
    'cdk8s-thanos': JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version,
    cdk8s: version('cdk8s'),
    'cdk8s-plus-27': version('cdk8s-plus-27'),
    constructs: version('constructs'),
    'jsii-runtime': version('jsii-pacmak'),
    'maven-dependency-plugin': '3.11.0',
  });
});

// The Go app's go.mod names each module at the version of its npm twin: the replaced ones are generated from
// node_modules, and constructs-go comes from the proxy at exactly the version the TypeScript app runs.
test('the Go app pins the versions node_modules and package.json have', () => {
  const mod = readFileSync(join(ROOT, 'test', 'bindings', 'go', 'go.mod'), 'utf8');
  const required = Object.fromEntries([...mod.matchAll(/^\s*(github\.com\/\S+) v(\S+)/gm)].map((m) => [m[1], m[2]]));
  const version = (pkg: string): string => JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  expect({
    constructs: required['github.com/aws/constructs-go/constructs/v10'],
    cdk8s: required['github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2'],
    'cdk8s-plus-27': required['github.com/cdk8s-team/cdk8s-plus-go/cdk8splus27/v2'],
    'cdk8s-thanos': required['github.com/cdk8s-thanos/cdk8s-thanos-go/cdk8sthanos'],
  }).toEqual({
    constructs: version('constructs'),
    cdk8s: version('cdk8s'),
    'cdk8s-plus-27': version('cdk8s-plus-27'),
    'cdk8s-thanos': JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version,
  });
});
