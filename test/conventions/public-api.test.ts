/**
 * The public surface is a decision: every name `src/index.ts` exports is listed in public-api.txt, so
 * growing or shrinking the API shows in review. Internals stay reachable only by deep import.
 */
import { readFileSync } from 'fs';
import { join, relative } from 'path';
import * as ts from 'typescript';

const ROOT = join(__dirname, '..', '..');
const PINNED = join(__dirname, 'public-api.txt');

/**
 * Free functions and constants a TypeScript user reaches, each with the static home other languages call
 * (jsii drops module-level functions and constants). Every other export is a type.
 */
const FUNCTIONS: { [name: string]: string } = {
  createSecretCommand: 'PrerequisiteSecrets.createCommand',
  formatSynthError: 'Synth.trySynthesize',
  prerequisiteSecrets: 'PrerequisiteSecrets.of',
  synthesize: 'Synth.synthesize',
  synthesizeOrExit: 'Synth.trySynthesize',
};
const CONSTANTS: { [name: string]: string } = {
  DEFAULT_IMAGES: 'Defaults.IMAGES',
  GRAFANA_DATASOURCE_UID: 'Grafana.DATASOURCE_UID',
  PORTS: 'Defaults.PORTS',
};

interface Export {
  readonly name: string;
  readonly kind: string;
  readonly file: string;
  readonly node: ts.Declaration;
}

function exportsOf(entry: string): Export[] {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile).config;
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT);
  // Declarations are all these checks read: no ambient @types (node, jest), half the files to parse.
  const program = ts.createProgram([entry], { ...options, noEmit: true, types: [] });
  const checker = program.getTypeChecker();
  return checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(entry)!)!).map((s) => {
    const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
    const node = target.declarations![0];
    return { name: s.name, kind: ts.SyntaxKind[node.kind], file: relative(ROOT, node.getSourceFile().fileName), node };
  });
}

const EXPORTS = exportsOf(join(ROOT, 'src', 'index.ts'));

test('the exported names are exactly the pinned list (edit test/conventions/public-api.txt to change the API)', () => {
  const pinned = readFileSync(PINNED, 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'));
  expect(EXPORTS.map((e) => e.name).sort()).toEqual([...pinned].sort());
});

test('nothing under src/private is exported', () => {
  expect(EXPORTS.filter((e) => e.file.startsWith('src/private/')).map((e) => `${e.name} (${e.file})`)).toEqual([]);
});

test('no builder or helper function is exported, only the entry points a user calls', () => {
  expect(
    EXPORTS.filter((e) => e.kind === 'FunctionDeclaration')
      .map((e) => e.name)
      .sort(),
  ).toEqual(Object.keys(FUNCTIONS).sort());
});

test('every exported function and constant has a static home on a class, for the other languages', () => {
  expect(
    EXPORTS.filter((e) => e.kind === 'VariableDeclaration')
      .map((e) => e.name)
      .sort(),
  ).toEqual(Object.keys(CONSTANTS).sort());
  const api = require('../../src') as { [name: string]: any };
  const home = (path: string) => path.split('.').reduce((o, k) => o?.[k], api);
  expect(
    Object.entries(FUNCTIONS)
      .filter(([, h]) => typeof home(h) !== 'function')
      .map(([f, h]) => `${f} -> ${h}`),
  ).toEqual([]);
  expect(
    Object.entries(CONSTANTS)
      .filter(([c, h]) => home(h) !== api[c])
      .map(([c, h]) => `${c} -> ${h}`),
  ).toEqual([]);
});

describe('the API reference', () => {
  // API.md is jsii-docgen's rendering of the jsii assembly (`npm run docs`; CI diffs it against a fresh one), so
  // it holds types only: the free functions and constants are documented in their declarations, and the README
  // names each beside the static twin API.md documents.
  const reference = readFileSync(join(ROOT, 'API.md'), 'utf8');
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const anchors = new Set([...reference.matchAll(/ id="cdk8s-thanos\.([^"]+)"/g)].map((m) => m[1]));

  test('API.md documents every exported type, and the static twin of each function and constant', () => {
    const types = EXPORTS.map((e) => e.name).filter((n) => !(n in FUNCTIONS) && !(n in CONSTANTS));
    expect(types.filter((t) => !anchors.has(t))).toEqual([]);
    expect(Object.values(FUNCTIONS).filter((h) => !anchors.has(h))).toEqual([]);
    expect(
      Object.values(CONSTANTS)
        .map((h) => h.replace('.', '.property.'))
        .filter((h) => !anchors.has(h)),
    ).toEqual([]);
  });

  test('every function and constant has a doc comment, and the README names it with its static twin', () => {
    const documented = (e: Export) => ts.getJSDocCommentsAndTags(e.node).some((d) => ts.isJSDoc(d) && !!d.comment);
    expect(
      EXPORTS.filter((e) => e.name in FUNCTIONS || e.name in CONSTANTS)
        .filter((e) => !documented(e))
        .map((e) => e.name),
    ).toEqual([]);
    const twins = { ...FUNCTIONS, ...CONSTANTS };
    expect(
      Object.entries(twins)
        .filter(([n, h]) => !readme.replace(/\s+/g, ' ').includes(`\`${n}\` (\`${h}\``))
        .map(([n, h]) => `${n} (${h})`),
    ).toEqual([]);
  });
});

test('no exported constant is mutable', () => {
  // `as const`, a string, or a declared type whose every property is readonly.
  const readonlyType = (decl: ts.VariableDeclaration) => {
    if (!decl.type || !ts.isTypeReferenceNode(decl.type)) return false;
    const target = EXPORTS.find((e) => e.name === decl.type!.getText())?.node;
    return (
      !!target &&
      ts.isInterfaceDeclaration(target) &&
      target.members.every((m) => ts.isPropertySignature(m) && !!m.modifiers?.some((x) => x.kind === ts.SyntaxKind.ReadonlyKeyword))
    );
  };
  const mutable = EXPORTS.filter((e) => ts.isVariableDeclaration(e.node)).filter((e) => {
    const decl = e.node as ts.VariableDeclaration;
    const init = decl.initializer;
    const frozen = !!init && ((ts.isAsExpression(init) && init.type.getText() === 'const') || ts.isStringLiteral(init));
    return !(ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const) || !(frozen || readonlyType(decl));
  });
  expect(mutable.map((e) => `${e.name} (${e.file})`)).toEqual([]);
});
