#!/usr/bin/env node
// Runs a TypeScript entry point without type-checking (`npm test` type-checks). esbuild bundles the
// project's own sources in one call, packages stay external, and Node runs the result as the main
// module: one transform for the whole tree instead of one per file on require (measured ~5x faster
// than esbuild-register for this project). Source maps follow NODE_OPTIONS=--enable-source-maps.
const { buildSync } = require('esbuild');
const Module = require('module');
const path = require('path');

const entry = path.resolve(process.argv[2]);
const { outputFiles } = buildSync({
  entryPoints: [entry],
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  write: false,
  outfile: entry.replace(/\.ts$/, '.js'),
  sourcemap: process.execArgv.includes('--enable-source-maps') || /--enable-source-maps/.test(process.env.NODE_OPTIONS || '') ? 'inline' : false,
  logLevel: 'error',
});

const main = new Module(entry, null);
main.filename = entry;
main.paths = Module._nodeModulePaths(path.dirname(entry));
// `require.main === module` in the entry point must hold, as it does under plain `node`.
process.mainModule = main;
process.argv.splice(1, 1);
main._compile(outputFiles[0].text, entry);
