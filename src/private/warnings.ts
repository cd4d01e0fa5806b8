import { IConstruct } from 'constructs';

/**
 * A warning at synth: recorded as construct metadata (`warning`) and printed to stderr once when the
 * app validates, without failing synth. cdk8s has no Annotations API of its own.
 */
export function warnAtSynth(scope: IConstruct, message: () => string | undefined): void {
  let printed = false;
  scope.node.addValidation({
    validate: () => {
      const text = message();
      if (text && !printed) {
        printed = true;
        scope.node.addMetadata('warning', text);
        process.stderr.write(`[WARNING] ${scope.node.path}: ${text}\n`);
      }
      return [];
    },
  });
}
