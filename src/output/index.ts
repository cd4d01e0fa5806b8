export { SecretRequirement, prerequisiteSecrets, createSecretCommand } from './prerequisites';
export { formatSynthError, OutputLayout, SynthesizeOptions, synthesize, synthesizeOrExit } from './synthesize';
