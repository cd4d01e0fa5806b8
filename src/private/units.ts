import { Duration, Size } from 'cdk8s';

const UNITS: Array<[string, number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];

/** Prometheus/Thanos `model.Duration` text (`15d`, `2h`, `90s`): the largest unit that divides evenly. */
export function promDuration(d: Duration): string {
  // A mistyped value (a string from JavaScript) renders as itself: its grammar problem fails synth.
  if (!(d instanceof Duration)) return String(d);
  const ms = d.toMilliseconds();
  if (ms === 0) return '0s';
  for (const [unit, size] of UNITS) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** Go `time.Duration` text (no days: Alertmanager and Go flags refuse `d`). */
export function goDuration(d: Duration): string {
  if (!(d instanceof Duration)) return String(d);
  const ms = d.toMilliseconds();
  if (ms === 0) return '0s';
  for (const [unit, size] of UNITS.slice(1)) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** A Kubernetes quantity for a size: whole GiB when exact, else MiB. */
export function sizeQuantity(s: Size): string {
  if (!(s instanceof Size)) return String(s);
  const mi = s.toMebibytes();
  return mi % 1024 === 0 ? `${mi / 1024}Gi` : `${mi}Mi`;
}

/** A size in MiB, as Thanos flags and cache configs take it (`512MiB`). */
export function sizeBytesText(s: Size): string {
  if (!(s instanceof Size)) return String(s);
  return `${s.toMebibytes()}MiB`;
}
