#!/usr/bin/env node
// `npm run examples`: re-synthesizes every example into its committed dist/ by running `cdk8s synth`
// in its folder, exactly as a user would (the CLI empties dist/ first). CI fails when a committed
// dist/ differs from what this writes.
const { spawnSync } = require('child_process');
const { existsSync, readdirSync } = require('fs');
const { join } = require('path');

const root = join(__dirname, '..');
const examples = join(root, 'examples');
const cli = join(root, 'node_modules', '.bin', 'cdk8s');

for (const name of readdirSync(examples).filter((d) => existsSync(join(examples, d, 'cdk8s.yaml'))).sort()) {
  const r = spawnSync(cli, ['synth'], { cwd: join(examples, name), stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' } });
  if (r.status !== 0) {
    process.stderr.write(`examples/${name}: cdk8s synth failed\n`);
    process.exit(1);
  }
  process.stdout.write(`examples/${name}/dist: ${readdirSync(join(examples, name, 'dist')).sort().join(', ')}\n`);
}
