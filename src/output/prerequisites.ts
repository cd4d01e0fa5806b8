import { Construct, IConstruct } from 'constructs';

/** A Secret the user creates before `kubectl apply` (the library never renders credential values). */
export interface SecretRequirement {
  /** Secret name. */
  readonly name: string;
  /** Keys the stack reads from it. */
  readonly keys: string[];
  /** What it is for. */
  readonly purpose: string;
}

const REGISTRY_ID = 'PrerequisiteSecrets';

class Registry extends Construct {
  public readonly secrets = new Map<string, { keys: Set<string>; purposes: Set<string> }>();
}

/** Declares that the output reads `keys` of the user-owned Secret `name`. */
export function requireSecret(scope: IConstruct, req: SecretRequirement): void {
  const root = scope.node.root;
  const registry = (root.node.tryFindChild(REGISTRY_ID) as Registry | undefined) ?? new Registry(root as Construct, REGISTRY_ID);
  const entry = registry.secrets.get(req.name) ?? { keys: new Set<string>(), purposes: new Set<string>() };
  req.keys.forEach((k) => entry.keys.add(k));
  entry.purposes.add(req.purpose);
  registry.secrets.set(req.name, entry);
}

/** Every Secret the app's output reads but does not create, sorted by name. */
export function prerequisiteSecrets(scope: IConstruct): SecretRequirement[] {
  const registry = scope.node.root.node.tryFindChild(REGISTRY_ID) as Registry | undefined;
  if (!registry) return [];
  return [...registry.secrets.keys()].sort().map((name) => {
    const e = registry.secrets.get(name)!;
    return { name, keys: [...e.keys].sort(), purpose: [...e.purposes].sort().join('; ') };
  });
}

/** The `kubectl create secret` command that creates a prerequisite Secret (values read from files). */
export function createSecretCommand(req: SecretRequirement, namespace?: string): string {
  const ns = namespace ? ` -n ${namespace}` : '';
  const files = req.keys.map((k) => `--from-file=${k}=./${k}`).join(' ');
  return `kubectl create secret generic ${req.name}${ns} ${files}`;
}

/** The Secrets an app reads but does not create, in every language (`prerequisiteSecrets`, `createSecretCommand`). */
export class PrerequisiteSecrets {
  /** Every Secret the app's output reads but does not create, sorted by name. */
  public static of(scope: IConstruct): SecretRequirement[] {
    return prerequisiteSecrets(scope);
  }

  /** The `kubectl create secret` command that creates `requirement` in `namespaceName` (values read from files). */
  public static createCommand(requirement: SecretRequirement, namespaceName?: string): string {
    return createSecretCommand(requirement, namespaceName);
  }

  private constructor() {}
}
