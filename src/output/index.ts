export { SecretRequirement, PrerequisiteSecrets, prerequisiteSecrets, createSecretCommand } from './prerequisites';
export { formatSynthError, OutputLayout, Synth, SynthesizeOptions, synthesize, synthesizeOrExit } from './synthesize';
