import { Yaml } from 'cdk8s';
import { keptTable } from './kept';

/** Named with cdk8s' version, which fixes its `yaml` and the options it renders with. */
const kept = keptTable('yaml', ['cdk8s']);

/**
 * Runs `f` with cdk8s' `Yaml.stringify` answering from the kept results (src/private/kept.ts) for every
 * document the last synthesis rendered too: rendering YAML (the `yaml` library cdk8s bundles) is the largest
 * single cost of a synthesis. A document is kept under an exact encoding of it; one that JSON cannot encode
 * exactly (undefined, NaN, -0, a class instance) is rendered every time.
 */
export function renderingFromKept<T>(f: () => T): T {
  const original = Object.getOwnPropertyDescriptor(Yaml, 'stringify')!;
  const render = original.value as (...docs: unknown[]) => string;
  const one = (doc: unknown): string => {
    const text = exactJson(doc);
    return text === undefined ? render.call(Yaml, doc) : keptYaml(text, () => render.call(Yaml, doc));
  };
  // cdk8s joins the documents' YAML with `---` lines (Yaml.stringify); a test holds this to its output.
  Object.defineProperty(Yaml, 'stringify', { ...original, value: (...docs: unknown[]) => docs.map(one).join('---\n') });
  try {
    return f();
  } finally {
    Object.defineProperty(Yaml, 'stringify', original);
  }
}

/** The YAML of the document `json` encodes, kept or from `render`. */
export function keptYaml(json: string, render: () => string): string {
  return kept(json, render)!;
}

/**
 * `doc` as JSON when JSON encodes it exactly (so equal text means equal YAML): plain objects, arrays, strings,
 * finite numbers, booleans and null; otherwise undefined. The replacer reads the holder's own value, before
 * any `toJSON`.
 */
function exactJson(doc: unknown): string | undefined {
  let exact = true;
  const text = JSON.stringify(doc, function (this: { [key: string]: unknown }, key: string, value: unknown) {
    const raw = this[key];
    if (typeof raw === 'number') {
      if (!Number.isFinite(raw) || Object.is(raw, -0)) exact = false;
    } else if (typeof raw === 'object') {
      if (raw !== null && !Array.isArray(raw)) {
        const proto = Object.getPrototypeOf(raw);
        if ((proto !== Object.prototype && proto !== null) || typeof (raw as { toJSON?: unknown }).toJSON === 'function') exact = false;
      }
    } else if (typeof raw !== 'string' && typeof raw !== 'boolean') {
      exact = false;
    }
    return value;
  });
  return exact ? text : undefined;
}
