#!/usr/bin/env node
// `npm run synth`: runs the app of ./cdk8s.yaml (`app:`) the way `cdk8s synth` does, but into a fresh
// folder beside the output folder (`output:`, or `-o <dir>`), and swaps that folder in only when the app
// succeeded. `cdk8s synth` empties the output folder before the app runs, so a failing synth there
// deletes the committed dist/; here it leaves dist/ byte-identical, and a successful one leaves exactly
// this synthesis (no file of a renamed or removed chart survives).
//
// The app gets the folder in CDK8S_OUTDIR, which cdk8s' `new App()` reads by default (as under
// `cdk8s synth`). An app that writes nothing there, or writes into the output folder itself, is an error.
const { spawnSync } = require('child_process');
const { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } = require('fs');
const { basename, dirname, join, resolve } = require('path');
const { Yaml } = require('cdk8s');

class SynthError extends Error {}
function fail(message) {
  throw new SynthError(message);
}

/** Path, size and mtime of every entry under `dir`: changes when anything writes there. */
function fingerprint(dir) {
  if (!existsSync(dir)) return '';
  return readdirSync(dir, { recursive: true })
    .map(String)
    .sort()
    .map((f) => {
      const s = statSync(join(dir, f));
      return `${f} ${s.size} ${s.mtimeMs}`;
    })
    .join('\n');
}

/** Moves `staging` to `outdir`, replacing it: the old output moves aside, the new one takes its name. */
function swap(staging, outdir) {
  const old = `${staging}.old`;
  if (existsSync(outdir)) renameSync(outdir, old);
  try {
    renameSync(staging, outdir);
  } catch (error) {
    if (existsSync(old)) renameSync(old, outdir);
    throw error;
  }
  rmSync(old, { recursive: true, force: true });
}

function synth(args) {
  const flag = args.findIndex((a) => a === '-o' || a === '--output');
  const config = existsSync('cdk8s.yaml') ? (Yaml.load('cdk8s.yaml')[0] ?? {}) : fail('no cdk8s.yaml in the current folder');
  if (!config.app) fail('cdk8s.yaml has no `app:` command');
  const outdir = resolve(flag >= 0 ? (args[flag + 1] ?? fail(`${args[flag]} needs a folder`)) : (config.output ?? 'dist'));
  const name = `${basename(outdir)}/`;

  mkdirSync(dirname(outdir), { recursive: true });
  // A sibling, so the final rename stays on one file system.
  const staging = mkdtempSync(join(dirname(outdir), `.${basename(outdir)}.synth-`));
  try {
    const before = fingerprint(outdir);
    const r = spawnSync(config.app, {
      shell: true,
      stdio: 'inherit',
      env: { ...process.env, CDK8S_OUTDIR: staging, CDK8S_CHECK_UPGRADE: 'false' },
    });
    if (r.status !== 0) fail(`\`${config.app}\` failed (${r.status ?? r.signal}); ${name} was left as it was`);
    if (fingerprint(outdir) !== before) {
      fail(
        `\`${config.app}\` wrote into ${name} itself instead of the folder in CDK8S_OUTDIR: create the App with \`` +
          'new App()` (it reads CDK8S_OUTDIR) or with the outdir synthesizeOrExit passes to your build function',
      );
    }
    if (readdirSync(staging).length === 0) {
      fail(`\`${config.app}\` wrote nothing into the folder in CDK8S_OUTDIR (does it ignore it?); ${name} was left as it was`);
    }
    swap(staging, outdir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

try {
  synth(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`synth: ${error instanceof SynthError ? error.message : error.stack}\n`);
  process.exitCode = 1;
}
