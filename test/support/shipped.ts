import { existsSync, readdirSync } from 'fs';
import { join } from 'path';
import { App, Testing } from 'cdk8s';
import { buildFleet } from '../../bench/fleet';
import { MonitoringChart } from '../../main';
import { prerequisiteSecrets } from '../../src';
import { Manifest } from './util';

/** Every stack the project ships or documents: the default app, a fleet, and each committed example. */
export function stacks(): Array<[string, Manifest[], ReturnType<typeof prerequisiteSecrets>]> {
  const app = Testing.app();
  const chart = new MonitoringChart(app, 'monitoring');
  const fleet: App = buildFleet(3);
  const result: Array<[string, Manifest[], ReturnType<typeof prerequisiteSecrets>]> = [
    ['default', Testing.synth(chart) as Manifest[], prerequisiteSecrets(app)],
    ['fleet of 3', fleet.charts.flatMap((c) => c.toJson()) as Manifest[], prerequisiteSecrets(fleet)],
  ];
  // Each chart of an example is one cluster's output (examples.test.ts proves dist/ equals it).
  const examples = join(__dirname, '..', '..', 'examples');
  for (const name of readdirSync(examples)
    .filter((d) => existsSync(join(examples, d, 'cdk8s.yaml')))
    .sort()) {
    const example: App = require(join(examples, name, 'main.ts')).buildApp();
    for (const chart of example.charts) result.push([`example ${name}/${chart.node.id}`, Testing.synth(chart) as Manifest[], prerequisiteSecrets(example)]);
  }
  return result;
}
