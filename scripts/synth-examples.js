#!/usr/bin/env node
// `npm run examples`: re-synthesizes every example into its committed dist/ with scripts/synth.js in
// its folder (staged, swapped in on success: a failing example keeps its last good dist/). CI fails
// when a committed dist/ differs from what this writes.
const { spawnSync } = require('child_process');
const { existsSync, readdirSync } = require('fs');
const { join } = require('path');

const root = join(__dirname, '..');
const examples = join(root, 'examples');
let failed = 0;

for (const name of readdirSync(examples)
  .filter((d) => existsSync(join(examples, d, 'cdk8s.yaml')))
  .sort()) {
  const r = spawnSync(process.execPath, [join(__dirname, 'synth.js')], { cwd: join(examples, name), stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) {
    process.stderr.write(`examples/${name}: synth failed, its dist/ was left as it was\n`);
    failed++;
    continue;
  }
  process.stdout.write(
    `examples/${name}/dist: ${readdirSync(join(examples, name, 'dist'))
      .sort()
      .join(', ')}\n`,
  );
}
process.exitCode = failed ? 1 : 0;
