/**
 * The construct-library conventions jsii itself does not check: documented defaults, no union types
 * (jsii accepts them, but other languages get an untyped value), and the (scope, id, props) constructor.
 * What jsii checks (readonly structs, no type aliases or mapped types, @internal iff "_") is left to
 * the compiler: test/conventions/jsii.test.ts runs it. The API is what `src/index.ts` exports; every
 * violation is reported at once.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import * as ts from 'typescript';

const ROOT = join(__dirname, '..', '..');

interface Api {
  readonly checker: ts.TypeChecker;
  /** Declarations of every exported symbol. */
  readonly declarations: ts.Declaration[];
}

/** The API an entry point exports, through the compiler; `source` replaces the file's text (fixtures). */
function publicApi(entry: string, source?: string): Api {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile).config;
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT);
  const host = ts.createCompilerHost(options);
  if (source !== undefined) {
    const getSourceFile = host.getSourceFile;
    host.fileExists = (
      (exists) => (f: string) =>
        f === entry || exists(f)
    )(host.fileExists);
    host.getSourceFile = (f, ...rest) => (f === entry ? ts.createSourceFile(f, source, ts.ScriptTarget.ES2020, true) : getSourceFile(f, ...rest));
  }
  // Declarations are all these checks read: no ambient @types (node, jest), half the files to parse.
  const program = ts.createProgram([entry], { ...options, noEmit: true, types: [] }, host);
  const checker = program.getTypeChecker();
  const declarations = checker
    .getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(entry)!)!)
    .map((s) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s))
    .flatMap((s) => s.declarations ?? []);
  return { checker, declarations };
}

const API = publicApi(join(ROOT, 'src', 'index.ts'));

function where(node: ts.Node): string {
  const file = node.getSourceFile();
  const { line } = file.getLineAndCharacterOfPosition(node.getStart());
  return `${file.fileName.slice(ROOT.length + 1)}:${line + 1}`;
}

function nameOf(node: ts.NamedDeclaration): string {
  return node.name ? node.name.getText() : '(anonymous)';
}

const hasTag = (node: ts.Node, tag: string) => ts.getJSDocTags(node).some((t) => t.tagName.text === tag);
const isInternal = (node: ts.Node) => hasTag(node, 'internal');
const isPublic = (m: ts.ClassElement) =>
  !(ts.getCombinedModifierFlags(m as ts.Declaration) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) && !(m.name && ts.isPrivateIdentifier(m.name));

/** Unions in a type, `| undefined` and `| null` aside. */
function unionsIn(type: ts.TypeNode | undefined): string[] {
  const found: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isUnionTypeNode(n)) {
      const real = n.types.filter(
        (t) => t.kind !== ts.SyntaxKind.UndefinedKeyword && !(ts.isLiteralTypeNode(t) && t.literal.kind === ts.SyntaxKind.NullKeyword),
      );
      if (real.length > 1) found.push(n.getText());
    }
    ts.forEachChild(n, visit);
  };
  if (type) visit(type);
  return found;
}

/** Type nodes of a member: property type, or parameter and return types of a method. */
function typesOf(m: ts.Node): Array<ts.TypeNode | undefined> {
  if (ts.isPropertySignature(m) || ts.isPropertyDeclaration(m)) return [m.type];
  if (ts.isMethodSignature(m) || ts.isMethodDeclaration(m) || ts.isGetAccessor(m) || ts.isConstructorDeclaration(m)) {
    return [...m.parameters.map((p) => p.type), 'type' in m ? m.type : undefined];
  }
  return [];
}

function isConstructClass(checker: ts.TypeChecker, node: ts.ClassDeclaration): boolean {
  for (let type: ts.Type | undefined = checker.getTypeAtLocation(node); type;) {
    const symbol = type.getSymbol();
    if (symbol?.name === 'Construct' && symbol.declarations?.some((d) => d.getSourceFile().fileName.includes('node_modules/constructs/'))) return true;
    const bases: readonly ts.BaseType[] = type.isClassOrInterface() ? checker.getBaseTypes(type) : [];
    type = bases[0];
  }
  return false;
}

function violations({ checker, declarations }: Api): string[] {
  const out: string[] = [];
  for (const d of declarations) {
    if (ts.isInterfaceDeclaration(d)) {
      const name = nameOf(d);
      for (const m of d.members) {
        if (isInternal(m)) continue;
        const member = `${name}.${nameOf(m as ts.NamedDeclaration)}`;
        if (ts.isPropertySignature(m) && m.questionToken && !hasTag(m, 'default')) {
          out.push(`${where(m)} ${member} is optional without @default: document the default (a value, or "- <behaviour>")`);
        }
        for (const u of typesOf(m).flatMap(unionsIn)) out.push(`${where(m)} ${member} has the union type ${u}: use an enum-like class with static factories`);
      }
    }
    if (ts.isClassDeclaration(d)) {
      const name = nameOf(d);
      for (const m of d.members) {
        if (!isPublic(m) || isInternal(m)) continue;
        const member = `${name}.${ts.isConstructorDeclaration(m) ? 'constructor' : nameOf(m)}`;
        for (const u of typesOf(m).flatMap(unionsIn)) out.push(`${where(m)} ${member} has the union type ${u}: use an enum-like class with static factories`);
      }
      if (isConstructClass(checker, d)) out.push(...constructorProblems(checker, d));
    }
  }
  return out;
}

/** `(scope: Construct, id: string, props?: XxxProps)`, props optional when it has no required member. */
function constructorProblems(checker: ts.TypeChecker, d: ts.ClassDeclaration): string[] {
  const name = nameOf(d);
  const ctor = d.members.find(ts.isConstructorDeclaration);
  const expected = `use (scope: Construct, id: string, props?: ${name}Props)`;
  if (!ctor) return [`${where(d)} ${name} has no constructor of its own: ${expected}`];
  const [scope, id, props, ...rest] = ctor.parameters;
  const problems: string[] = [];
  const bad = (what: string) => problems.push(`${where(ctor)} ${name} constructor ${what}: ${expected}`);
  if (!scope || scope.name.getText() !== 'scope' || scope.type?.getText() !== 'Construct') bad(`first parameter is ${scope?.getText() ?? 'missing'}`);
  if (!id || id.name.getText() !== 'id' || id.type?.getText() !== 'string') bad(`second parameter is ${id?.getText() ?? 'missing'}`);
  if (props) {
    const type = props.type?.getText() ?? '';
    if (props.name.getText() !== 'props' || type !== `${name}Props`) bad(`third parameter is ${props.getText()}`);
    const propsType = checker.getTypeAtLocation(props);
    const required = propsType.getProperties().filter((p) => !(p.flags & ts.SymbolFlags.Optional));
    if (required.length === 0 && !props.questionToken && !props.initializer) bad(`requires props although ${type} has no required member`);
  }
  if (rest.length) bad(`has ${rest.length} extra parameter(s)`);
  return problems;
}

test('the public API follows the construct-library (jsii) conventions', () => {
  expect(violations(API)).toEqual([]);
});

test('the checks see the whole API (a guard against an empty export list)', () => {
  const names = API.declarations.map((d) => nameOf(d as ts.NamedDeclaration));
  expect(names).toEqual(
    expect.arrayContaining(['ThanosStack', 'ThanosStackProps', 'Prometheus', 'PrometheusProps', 'PrometheusOperator', 'OutputLayout', 'RuleGroup']),
  );
});

test('each check finds what it is for (a fixture with one violation of each)', () => {
  const fixture = join(ROOT, 'test', 'api-conventions-fixture.ts');
  const source = `
    import { Construct } from 'constructs';
    export interface GoodProps {
      /** @default 1 */
      readonly replicas?: number;
      readonly name: string;
    }
    export interface BadProps {
      /** No default documented. */
      readonly image?: string;
      readonly mode: 'a' | 'b';
      readonly maybe?: string | undefined; // allowed: only the missing @default is reported
      readonly nested?: { [key: string]: Array<number | string> };
    }
    export interface IBehaviour {
      readonly optional?: number;
      pick(x: number | string): void;
    }
    export class Good extends Construct {
      constructor(scope: Construct, id: string, props: GoodProps = {} as GoodProps) { super(scope, id); void props; }
    }
    export class NoProps extends Construct {
      constructor(scope: Construct, id: string) { super(scope, id); }
    }
    export class Swapped extends Construct {
      constructor(id: string, scope: Construct) { super(scope, id); }
    }
    export class Mandatory extends Construct {
      constructor(scope: Construct, id: string, props: MandatoryProps) { super(scope, id); void props; }
      public set(v: number | boolean): void { void v; }
    }
    export interface MandatoryProps {
      /** @default 2 */
      readonly x?: number;
    }
    export class Inherits extends Good {}
    export class NotAConstruct {
      constructor(public readonly a: string) {}
    }
  `;
  const found = violations(publicApi(fixture, source)).map((v) => v.replace(/^test\/api-conventions-fixture\.ts:\d+ /, ''));
  expect(found.sort()).toEqual(
    [
      'BadProps.image is optional without @default: document the default (a value, or "- <behaviour>")',
      "BadProps.mode has the union type 'a' | 'b': use an enum-like class with static factories",
      'BadProps.nested has the union type number | string: use an enum-like class with static factories',
      'BadProps.nested is optional without @default: document the default (a value, or "- <behaviour>")',
      'BadProps.maybe is optional without @default: document the default (a value, or "- <behaviour>")',
      'IBehaviour.optional is optional without @default: document the default (a value, or "- <behaviour>")',
      'IBehaviour.pick has the union type number | string: use an enum-like class with static factories',
      'Inherits has no constructor of its own: use (scope: Construct, id: string, props?: InheritsProps)',
      'Mandatory constructor requires props although MandatoryProps has no required member: use (scope: Construct, id: string, props?: MandatoryProps)',
      'Mandatory.set has the union type number | boolean: use an enum-like class with static factories',
      'Swapped constructor first parameter is id: string: use (scope: Construct, id: string, props?: SwappedProps)',
      'Swapped constructor second parameter is scope: Construct: use (scope: Construct, id: string, props?: SwappedProps)',
    ].sort(),
  );
});

describe('docs/migration-from-bitnami.md', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'migration-from-bitnami.md'), 'utf8');
  const declaration = (name: string) => API.declarations.find((d) => nameOf(d as ts.NamedDeclaration) === name)!;
  const typeOf = (name: string) => API.checker.getTypeAtLocation(declaration(name));

  /** The type a dotted path reaches from `type`, or undefined (optional props unwrapped). */
  function follow(type: ts.Type, path: string[]): ts.Type | undefined {
    let t: ts.Type | undefined = type;
    for (const part of path) {
      const prop = t && API.checker.getNonNullableType(t).getProperty(part);
      if (!prop) return undefined;
      t = API.checker.getTypeOfSymbolAtLocation(prop, declaration('ThanosStack'));
    }
    return t;
  }

  /** Backticked API references in the prop column of the mapping tables (those headed `ThanosStack` prop). */
  const references: string[] = [];
  let mapping = false;
  for (const line of doc.split('\n')) {
    if (!line.startsWith('|')) mapping = false;
    else if (line.includes('| `ThanosStack` prop |')) mapping = true;
    else if (mapping && line.startsWith('| `')) references.push(...[...line.split(' | ')[1].matchAll(/`([^`]+)`/g)].map((m) => m[1].replace(/\.\*$/, '')));
  }

  test('every ThanosStack prop path in the tables exists', () => {
    const paths = references.filter((r) => !r.includes('<') && !/^(new |stack\.)/.test(r) && /^[a-z]/.test(r)).map((r) => r.split(':')[0].trim());
    expect(paths.length).toBeGreaterThan(80);
    const stackProps = typeOf('ThanosStackProps');
    expect(follow(stackProps, ['compactor', 'retentionRaw'])).toBeDefined();
    expect(follow(stackProps, ['compactor', 'retentionResolutionRaw'])).toBeUndefined();
    expect(paths.filter((p) => !follow(stackProps, p.split('.')))).toEqual([]);
  });

  test('every stack method it names exists', () => {
    const calls = references.filter((r) => r.startsWith('stack.')).map((r) => r.replace(/\(.*$/, ''));
    expect(calls.length).toBeGreaterThanOrEqual(3);
    const stack = typeOf('ThanosStack');
    expect(calls.filter((c) => !follow(stack, c.split('.').slice(1)))).toEqual([]);
  });

  test('every class and factory it names is exported', () => {
    const named = [...doc.matchAll(/\b([A-Z][A-Za-z0-9]+)\.([a-z][A-Za-z]+)\(/g)]
      .map((m) => [m[1], m[2]] as const)
      .filter(([cls]) => !['Duration', 'Secret', 'ApiObject'].includes(cls));
    expect(named.length).toBeGreaterThan(10);
    const missing = named.filter(
      ([cls, method]) =>
        !declaration(cls) ||
        !typeOf(cls)
          .getSymbol()
          ?.exports?.has(method as ts.__String),
    );
    expect(missing).toEqual([]);
  });
});
