import { cpSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App } from 'cdk8s';

const VALIDATION_HEADER = 'Validation failed with the following errors:';

/**
 * The problems in a synthesis error, one per line, without a stack trace: construct path, bad
 * value and fix come from the validators.
 */
export function formatSynthError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (!message.startsWith(VALIDATION_HEADER)) return `cdk8s-thanos: synthesis failed: ${message}\n`;
  const problems = message.slice(VALIDATION_HEADER.length).split('\n').map((l) => l.trim()).filter(Boolean);
  return `cdk8s-thanos: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the stack, nothing was written:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`;
}

/**
 * Synthesizes the app `build` creates, all or nothing: it is written to a staging folder first and
 * moved to `outdir` only when every validation passed. On bad input it prints every problem and
 * exits with status 1.
 */
export function synthesizeOrExit(build: (outdir: string) => App, outdir: string = process.env.CDK8S_OUTDIR ?? 'dist'): void {
  const staging = mkdtempSync(join(tmpdir(), 'cdk8s-thanos-'));
  try {
    build(staging).synth();
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    process.stderr.write(formatSynthError(error));
    process.exit(1);
  }
  mkdirSync(outdir, { recursive: true });
  for (const file of readdirSync(staging)) {
    try {
      renameSync(join(staging, file), join(outdir, file));
    } catch {
      // A rename cannot cross file systems; copy instead.
      cpSync(join(staging, file), join(outdir, file), { recursive: true });
    }
  }
  rmSync(staging, { recursive: true, force: true });
}
